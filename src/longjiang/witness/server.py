"""The witness's HTTP face: ``POST /add-checkpoint`` (c2sp.org/tlog-witness).

A small threaded server from the standard library: one route, bounded bodies, no
framework between the socket and the decision (the witness's latency is its product).
"""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from longjiang.witness.service import MAX_BODY_BYTES, Answer, Witness

__all__ = ["WitnessServer", "make_server"]

_log = logging.getLogger(__name__)


class WitnessServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], witness: Witness) -> None:
        super().__init__(address, _Handler)
        self.witness = witness


class _Handler(BaseHTTPRequestHandler):
    server: WitnessServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the answer's two writes must not wait for an ACK

    def log_message(self, format: str, *args: object) -> None:
        _log.debug(format, *args)

    def _answer(self, answer: Answer) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def do_POST(self) -> None:
        if self.path != "/add-checkpoint":
            self.close_connection = True
            self._answer(Answer(404, b"not found\n"))
            return
        length_text = self.headers.get("Content-Length", "")
        if not length_text.isdigit() or int(length_text) > MAX_BODY_BYTES:
            self.close_connection = True
            self._answer(Answer(400 if not length_text.isdigit() else 413,
                                b"a Content-Length of at most 65536 bytes is required\n"))
            return
        body = self.rfile.read(int(length_text))
        try:
            answer = self.server.witness.add_checkpoint(body)
        except Exception:
            _log.exception("add-checkpoint failed")
            answer = Answer(500, b"internal error\n")
        self._answer(answer)

    def do_GET(self) -> None:
        self.close_connection = True
        self._answer(Answer(405 if self.path == "/add-checkpoint" else 404, b"use POST\n"))


def make_server(host: str, port: int, witness: Witness) -> WitnessServer:
    """A bound (not yet serving) witness server."""
    return WitnessServer((host, port), witness)
