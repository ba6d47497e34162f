"""The server's fast path for public status documents, over real sockets.

A probe app stands behind the protocol: it holds the real status pages (so the fast path
finds them) but answers every request that reaches ASGI with ``299 asgi``. What answers
with a document was answered by the fast path; what answers ``asgi`` went the normal way.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from tests.conftest import Api
from tests.peers import certificate, free_port, uvicorn_thread
from tests.statuspage.helpers import BASE, component, unique
from tocsin.errors import Unauthorized
from tocsin.statuspage.public import StatusPages


async def _refuse(token: str | None) -> object:
    raise Unauthorized("sign in")


class Probe:
    def __init__(self, status_pages: StatusPages) -> None:
        self.status_pages = status_pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        headers = [(b"content-length", b"4")]
        await send({"type": "http.response.start", "status": 299, "headers": headers})
        await send({"type": "http.response.body", "body": b"asgi"})


@contextmanager
def probe_server(api: Api, **options: Any) -> Iterator[int]:
    pages = StatusPages(api.tocsin.statuspage, _refuse)  # type: ignore[arg-type]
    port = free_port()
    with uvicorn_thread(Probe(pages), port, lifespan="off", **options):
        yield port


def exchange(port: int, raw: bytes, answers: int) -> list[bytes]:
    """Send ``raw`` in one write and read ``answers`` responses (by Content-Length)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(raw)
        data = b""
        responses: list[bytes] = []
        while len(responses) < answers:
            head_end = data.find(b"\r\n\r\n")
            if head_end >= 0:
                head = data[:head_end].decode("latin-1").lower()
                length = 0
                for line in head.split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name == "content-length" and not head.startswith("http/1.1 304"):
                        length = int(value)
                if b"HEAD " in raw and len(responses) == 0 and raw.startswith(b"HEAD "):
                    length = 0
                end = head_end + 4 + length
                if len(data) >= end:
                    responses.append(data[:end])
                    data = data[end:]
                    continue
            chunk = conn.recv(65536)
            assert chunk, f"connection closed after {len(responses)} answers"
            data += chunk
        return responses


def get(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: test", *headers, "", ""]
    return "\r\n".join(lines).encode()


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def body_of(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[2]


def headers_of(response: bytes) -> dict[str, str]:
    head = response.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
    pairs = (line.split(":", 1) for line in head)
    return {name.lower(): value.strip() for name, value in pairs}


@pytest.fixture
def page(api: Api) -> Api:
    component(api)  # the page has something on it; the snapshot is built on commit
    return api


def test_the_fast_path_gives_the_bytes_and_headers_the_asgi_route_gives(page: Api) -> None:
    with probe_server(page) as port:
        for path in ("/status/", "/api/v2/summary.json", "/history.atom"):
            fast = exchange(port, get(path), 1)[0]
            normal = httpx.get(f"{page.url}{path}", timeout=30)
            assert status_of(fast) == 200 == normal.status_code
            assert body_of(fast) == normal.content
            fast_headers = headers_of(fast)
            for name in ("etag", "cache-control", "content-type", "content-length"):
                assert fast_headers[name] == normal.headers[name], name
            assert fast_headers["access-control-allow-origin"] == "*"
            assert "date" in fast_headers  # the server's own headers too


def test_the_fast_path_answers_over_tls(page: Api, tmp_path: Path) -> None:
    ca, leaf, key = certificate("127.0.0.1", tmp_path)
    with probe_server(page, ssl_certfile=str(leaf), ssl_keyfile=str(key)) as port:
        verify = ssl.create_default_context(cafile=ca)
        with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=verify) as client:
            fast = client.get("/api/v2/summary.json")
            assert fast.status_code == 200
            assert fast.content == httpx.get(f"{page.url}/api/v2/summary.json").content
            assert client.get("/api/v1/health").status_code == 299  # the rest: through ASGI


def test_pipelined_requests_are_answered_in_order_whichever_path_takes_them(page: Api) -> None:
    with probe_server(page) as port:
        raw = get("/api/v2/status.json") * 2 + get("/api/v1/health") + get("/api/v2/status.json")
        first, second, third, fourth = exchange(port, raw, 4)
    assert status_of(first) == 200 and b'"indicator"' in body_of(first)
    assert body_of(second) == body_of(first)
    assert (status_of(third), body_of(third)) == (299, b"asgi")
    # Queued behind a request still in flight, it waits its turn on the normal path.
    assert (status_of(fourth), body_of(fourth)) == (299, b"asgi")


def test_etag_head_query_and_body_on_one_connection(page: Api) -> None:
    with probe_server(page) as port:
        first = exchange(port, get("/api/v2/summary.json?ignored=1"), 1)[0]
        etag = headers_of(first)["etag"]
        with_body = (
            b"GET /api/v2/summary.json HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
        )
        raw = get("/api/v2/summary.json", f"If-None-Match: {etag}") + with_body
        not_modified, again = exchange(port, raw, 2)
        head = exchange(port, get("/status/").replace(b"GET ", b"HEAD ", 1), 1)[0]
    assert status_of(first) == 200
    assert status_of(not_modified) == 304 and body_of(not_modified) == b""
    assert headers_of(not_modified)["etag"] == etag
    assert status_of(again) == 200 and body_of(again) == body_of(first)
    assert status_of(head) == 200 and body_of(head) == b""
    assert int(headers_of(head)["content-length"]) > 0


def test_http_1_0_and_connection_close_end_the_connection(page: Api) -> None:
    with probe_server(page) as port:
        for raw in (
            b"GET /api/v2/status.json HTTP/1.0\r\n\r\n",
            get("/api/v2/status.json", "Connection: close"),
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
                conn.sendall(raw)
                data = b""
                while chunk := conn.recv(65536):  # ends: the server closed it
                    data += chunk
            assert status_of(data) == 200
            assert headers_of(data)["connection"] == "close"


def test_what_needs_more_than_bytes_goes_the_normal_way(page: Api) -> None:
    slug = unique("staff")
    internal = page.admin.post(
        f"{BASE}/pages", json={"name": "Staff", "slug": slug, "visibility": "internal"}
    )
    assert internal.status_code == 201, internal.text
    page.tocsin.statuspage.refresh()
    with probe_server(page) as port:
        for path in (
            f"/pages/{slug}/api/v2/summary.json",  # internal: the reader must sign in
            "/status",  # redirected to /status/
            "/api/v2/nothing.json",  # a 404
            "/api/v2/summary%2Ejson",  # escaped: the normal route decodes it
        ):
            answer = exchange(port, get(path), 1)[0]
            assert (status_of(answer), body_of(answer)) == (299, b"asgi"), path
        post = b"POST /api/v2/summary.json HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
        assert body_of(exchange(port, post, 1)[0]) == b"asgi"
