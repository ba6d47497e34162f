"""Local receivers for benchmarks: an SMTP sink (aiosmtpd) and an HTTP webhook sink.

Each records when a message arrived, keyed by its idempotency key (Message-ID or
``webhook-id``), so a benchmark can measure end-to-end latency.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class Arrivals:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.bodies: list[bytes] = []
        self.lock = threading.Lock()
        self.count = 0

    def record(self, key: str, body: bytes) -> None:
        with self.lock:
            self.times.setdefault(key, time.perf_counter())
            self.bodies.append(body)
            self.count += 1


class _MailHandler:
    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals

    async def handle_DATA(  # noqa: N802  (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        key = ""
        for line in content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                key = line.split(b":", 1)[1].strip().decode()
                break
        self.arrivals.record(key, content)
        return "250 OK"


@contextmanager
def smtp_sink(port: int) -> Iterator[Arrivals]:
    arrivals = Arrivals()
    controller = Controller(_MailHandler(arrivals), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield arrivals
    finally:
        controller.stop()


@contextmanager
def webhook_sink() -> Iterator[tuple[str, Arrivals]]:
    arrivals = Arrivals()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            arrivals.record(self.headers.get("webhook-id", ""), body)
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", arrivals
    finally:
        server.shutdown()
        server.server_close()
