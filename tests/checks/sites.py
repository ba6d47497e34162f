"""Real local targets for the checks tests: a web site whose answer a test sets, and helpers."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.conftest import Api
from tocsin.checks import runs
from tocsin.notify import urls

_names = itertools.count(1)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"all systems go"
    hits: list[str] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: _Site

    def do_GET(self) -> None:
        answer = self.server.answer
        answer.hits.append(self.path)
        self.send_response(answer.status)
        self.send_header("content-length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Site(ThreadingHTTPServer):
    daemon_threads = True
    answer: Answer


@dataclass
class Site:
    port: int
    answer: Answer

    def url(self, path: str = "/health") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def site() -> Iterator[Site]:
    server = _Site(("127.0.0.1", 0), _Handler)
    server.answer = Answer()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield Site(server.server_address[1], server.answer)
    finally:
        server.shutdown()
        server.server_close()


class Ticks:
    """A latency timer that moves ``step`` seconds each time it is read (no real waiting)."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def create(api: Api, integration_id: int, **fields: Any) -> dict[str, Any]:
    body = {"name": f"check-{next(_names)}", "integration_id": integration_id} | fields
    response = api.responder.post("/api/v1/checks", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def run(api: Api, *, allow: list[str] | None = None, **options: Any) -> int:
    """One pass of the checks, here and now, as a worker would run it."""
    rule = urls.Allow.of(api.settings.outbound_allow if allow is None else allow)
    return runs.run_due(api.db, api.tocsin.ingest, allow=rule, **options)


def results(api: Api, check_id: int, **query: Any) -> dict[str, Any]:
    response = api.viewer.get(f"/api/v1/checks/{check_id}/results", params=query)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def shown(api: Api, check_id: int) -> dict[str, Any]:
    response = api.viewer.get(f"/api/v1/checks/{check_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def delete_all(api: Api) -> None:
    for check in api.viewer.get("/api/v1/checks").json():
        assert api.responder.delete(f"/api/v1/checks/{check['id']}").status_code == 204
