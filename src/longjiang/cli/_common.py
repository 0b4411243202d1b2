"""Things every command needs: the corridor named by the settings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from longjiang.config import Settings
from longjiang.errors import InputError, StorageError
from longjiang.network.load import load_network
from longjiang.network.model import Network

__all__ = ["corridor", "log_config", "output_path", "prepare_ledger", "serve_app"]


def corridor() -> Network:
    """Load the corridor dataset of the settings (``LONGJIANG_CORRIDOR_PATH``, default shipped)."""
    return load_network(Settings.from_env().corridor_path)


def output_path(path: Path, suffixes: tuple[str, ...], *, option: str = "--output") -> Path:
    """``path`` if it can be written as one of ``suffixes``; a clear InputError otherwise."""
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{option} {str(path)!r}: expected a file ending in "
                         f"{', '.join(suffixes)}", field=option.lstrip("-"))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{option} {str(path)!r}: folder {str(parent)!r} does not exist",
                         field=option.lstrip("-"))
    return path


def prepare_ledger(database_url: str, *, demo: bool, keys_dir: Path | None = None) -> str | None:
    """What ``serve`` says about the ledger: a hint if it is empty, the demo if asked for.

    With ``demo`` and an empty ledger the demo shipment is captured (the ``ledger demo``
    code, which writes each party's key file to ``keys_dir`` when given); with a ledger
    that already holds entries nothing is changed. Key files already in ``keys_dir`` are
    refused (by ``run_demo``) before any party is registered; they are not looked at when
    the demo is not loaded, as nothing is written then.
    """
    from longjiang.ledger.demo import run_demo
    from longjiang.ledger.service import Ledger

    if keys_dir is not None and not demo:
        raise InputError("--keys-dir is where --demo writes the demo parties' keys: "
                         "give --demo too", field="keys-dir")
    with Ledger.open(database_url) as ledger:
        empty = ledger.store.version() == 0 or ledger.log_info().size == 0
        if not empty:
            if not demo:
                return None
            written = "" if keys_dir is None else f" and no keys were written to {keys_dir}"
            return (f"the ledger is not empty: the demo was not loaded{written} (the party keys "
                    "of a demo loaded earlier are where its --keys-dir put them, or were not "
                    "kept; a fresh database with --demo --keys-dir DIR gets new ones)")
        if not demo:
            return ("the ledger is empty: `longjiang serve --demo --keys-dir DIR` (or "
                    "`longjiang ledger demo --keys-dir DIR`) loads a demo shipment for the "
                    "tracker and writes its parties' keys to DIR")
        if ledger.store.version() == 0:
            ledger.init()
        result = run_demo(ledger, keys_dir=keys_dir)
    loaded = (f"loaded the demo shipment {result.shipment}: {result.events} events by "
              f"{len(result.parties)} parties")
    if keys_dir is None:
        return (f"{loaded}\nparty keys not kept: to open the shipment as a party on /tracker, "
                "start on a fresh database with `--demo --keys-dir DIR`")
    return (f"{loaded}\nparty keys in {keys_dir} (one <party>.key each): load one on /tracker "
            "to open the shipment as that party")


def serve_url(host: str, port: int) -> str:
    """The URL a browser opens for a server bound to ``host``:``port``."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def log_config(*, access_log: bool) -> dict[str, Any]:
    """uvicorn's logging for ``serve``: its own messages from warnings up on stderr, and with
    ``access_log`` one line per request on stdout (the access logger logs at INFO, so a
    single log level of "warning" for both, as before, printed no request at all)."""
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {
            "default": {"()": "uvicorn.logging.DefaultFormatter",
                        "fmt": "%(levelprefix)s %(message)s", "use_colors": None},
            "access": {"()": "uvicorn.logging.AccessFormatter",
                       "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" '
                              "%(status_code)s"}},
        "handlers": {
            "default": {"formatter": "default", "class": "logging.StreamHandler",
                        "stream": "ext://sys.stderr"},
            "access": {"formatter": "access", "class": "logging.StreamHandler",
                       "stream": "ext://sys.stdout"}},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "WARNING", "propagate": False},
            "uvicorn.error": {"level": "WARNING"},
            "uvicorn.asgi": {"level": "WARNING"},
            "uvicorn.access": {"handlers": ["access"] if access_log else [],
                               "level": "INFO" if access_log else "WARNING",
                               "propagate": False}}}


def serve_app(*, host: str, port: int, workers: int, demo: bool, access_log: bool,
              keys_dir: Path | None = None) -> None:
    """Check the settings and the ledger, print where to go, then run uvicorn's workers."""
    import uvicorn

    from longjiang.api.app import FACTORY

    settings = Settings.from_env()
    load_network(settings.corridor_path)  # a broken dataset fails here, in one line
    try:
        note = prepare_ledger(settings.database_url, demo=demo, keys_dir=keys_dir)
    except StorageError as exc:
        if demo:  # asked for the demo: it cannot be had
            raise
        # the map, routes, flows and statistics do not need the ledger: serve them
        reason = " ".join(str(exc).split())
        note = f"warning: the ledger cannot be opened ({reason}); its endpoints answer 503"
    if note:
        print(note, file=sys.stderr)
    print(f"Longjiang Corridor on {serve_url(host, port)} (API documentation at /docs); "
          f"{workers} worker{'s' if workers != 1 else ''}", flush=True)
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers,
                access_log=access_log, log_config=log_config(access_log=access_log),
                log_level=None)
