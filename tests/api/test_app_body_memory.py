"""A large chunked body against a real server process: answered 413 (401 at the gate without
a token) while the server's memory stays where it was. Before the bound, a 300 MiB body to the
booking endpoint was read whole and the server's resident memory grew by some 470 MB."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from longjiang.api.app import FACTORY

GATE = "gatetoken-0123456789abcdef"
TOTAL = 300 << 20  # bytes each request tries to send
#: how much the server's peak resident memory may grow over the three large requests
MAX_GROWTH = 48 << 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    """(pid, port) of ``longjiang serve``'s application under uvicorn, in its own process."""
    port = _free_port()
    env = {**os.environ, "LONGJIANG_GATE_TOKEN": GATE,
           "LONGJIANG_DB": f"sqlite:///{tmp_path_factory.mktemp('memory') / 'server.db'}"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", FACTORY, "--factory",
                             "--host", "127.0.0.1", "--port", str(port),
                             "--log-level", "warning"], env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        yield proc.pid, port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _memory(pid: int, field: str) -> int:
    """``VmHWM`` (peak) or ``VmRSS`` of the process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def _post_chunked(port: int, path: str, headers: dict[str, str]) -> tuple[int, int]:
    """POST up to :data:`TOTAL` bytes of ``[`` in 1 MiB chunks while reading the answer;
    (status, bytes sent before the server answered or stopped reading)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                 f"\r\nTransfer-Encoding: chunked\r\n{head}\r\n".encode())
    answer = bytearray()
    done = threading.Event()

    def read() -> None:
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer.extend(data)
        except OSError:
            pass
        finally:
            done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    chunk = b"[" * (1 << 20)
    frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    sent = 0
    try:
        while sent < TOTAL and not done.is_set():
            sock.sendall(frame)
            sent += len(chunk)
        if not done.is_set():
            sock.sendall(b"0\r\n\r\n")
    except OSError:  # the server answered and closed: it read no more
        pass
    done.wait(60)
    sock.close()
    status_line = bytes(answer).split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 "), bytes(answer[:200])
    return int(status_line.split()[1]), sent


def test_a_large_chunked_body_is_refused_without_growing_the_server(
        server: tuple[int, int]) -> None:
    pid, port = server
    # warm up: the booking store, the calendar and the gate are loaded on first use
    for path, headers in (("/api/crossings/suifenhe/bookings", {}),
                          ("/api/crossing-bookings/abc/checkin",
                           {"Authorization": f"Bearer {GATE}"})):
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                         f"Content-Type: application/json\r\nConnection: close\r\n{head}\r\n{{}}"
                         .encode())
            while sock.recv(65536):
                pass
    before = _memory(pid, "VmHWM")
    answers = [
        _post_chunked(port, "/api/crossings/suifenhe/bookings", {}),
        _post_chunked(port, "/api/crossing-bookings/abc/checkin", {}),
        _post_chunked(port, "/api/crossing-bookings/abc/checkin",
                      {"Authorization": f"Bearer {GATE}"}),
    ]
    growth = _memory(pid, "VmHWM") - before
    print(f"server peak RSS {before / 2**20:.0f} MiB -> {(before + growth) / 2**20:.0f} MiB; "
          f"answers (status, bytes sent) {answers}")
    assert [status for status, _ in answers] == [413, 401, 413]
    assert growth < MAX_GROWTH, f"the server's peak memory grew by {growth / 2**20:.0f} MiB"
