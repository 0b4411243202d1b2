"""``longjiang serve --access-log`` prints one line per request; without it, none.

uvicorn's access logger logs at INFO: a single log level of "warning" for every uvicorn
logger, as serve had, printed no request even with --access-log.
"""

from __future__ import annotations

import logging
import logging.config
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from longjiang.cli._common import log_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_and_get(tmp_path: Path, *flags: str) -> tuple[str, str]:
    """Start serve, GET one page once it answers, stop it; its stdout and stderr."""
    port = _free_port()
    env = {**os.environ, "LONGJIANG_DB": f"sqlite:///{tmp_path / 'ledger.db'}"}
    proc = subprocess.Popen([sys.executable, "-m", "longjiang", "serve", "--port", str(port),
                             *flags], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/api/places?q=heihe", timeout=2) as r:
                    assert r.status == 200
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        time.sleep(0.3)  # the access line is written after the answer is sent
    finally:
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    return out, err


def test_access_log_prints_each_request(tmp_path: Path) -> None:
    out, err = _serve_and_get(tmp_path, "--access-log")
    lines = [line for line in out.splitlines() if "/api/places?q=heihe" in line]
    assert len(lines) == 1, out
    assert '"GET /api/places?q=heihe HTTP/1.1" 200' in lines[0]
    assert "127.0.0.1" in lines[0]
    # uvicorn's own start-up lines (INFO) stay quiet, as without --access-log
    assert "Uvicorn running on" not in err and "Started server process" not in err


def test_without_access_log_no_request_is_printed(tmp_path: Path) -> None:
    out, err = _serve_and_get(tmp_path)
    assert out.startswith("Longjiang Corridor on http://127.0.0.1:")
    assert "/api/places" not in out and "/api/places" not in err


@pytest.mark.parametrize("access_log", [True, False])
def test_log_config_levels(access_log: bool) -> None:
    """The configuration as logging takes it: uvicorn's own loggers from WARNING, the access
    logger at INFO with its handler only when asked for."""
    config = log_config(access_log=access_log)
    saved = {name: (logging.getLogger(name).level, logging.getLogger(name).handlers[:],
                    logging.getLogger(name).propagate)
             for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi", "uvicorn.access")}
    try:
        logging.config.dictConfig(config)
        access = logging.getLogger("uvicorn.access")
        assert access.isEnabledFor(logging.INFO) is access_log
        assert len(access.handlers) == (1 if access_log else 0) and not access.propagate
        assert not logging.getLogger("uvicorn.error").isEnabledFor(logging.INFO)
        assert logging.getLogger("uvicorn.error").isEnabledFor(logging.WARNING)
    finally:
        for name, (level, handlers, propagate) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.handlers = handlers
            logger.propagate = propagate
