"""The public JSON documents as bare ASGI, in front of FastAPI: ``/api/v2/*.json``.

No framework work and no database per request: the bytes come from the in-memory snapshot
(:mod:`tocsin.statuspage.snapshot`), with a strong ETag (``If-None-Match`` answers 304),
``Cache-Control`` so a CDN can front it, and ``Access-Control-Allow-Origin: *`` so any
page's script may read it.
"""

from __future__ import annotations

import msgspec
from starlette.types import Receive, Scope, Send

from tocsin.errors import RETRY_AFTER_SECONDS, MethodNotAllowed, NotFound, TocsinError, Unavailable
from tocsin.statuspage.snapshot import Document, SnapshotStore

PREFIX = "/api/v2/"
CACHE_CONTROL = b"public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"
_CORS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"ETag"),
]
_METHODS = b"GET, HEAD, OPTIONS"


def is_public(path: str) -> bool:
    """Whether :class:`StatusJson` answers ``path`` (the web app sends it there)."""
    return path.startswith(PREFIX)


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    for candidate in if_none_match.split(b","):
        candidate = candidate.strip()
        if candidate == b"*" or candidate.removeprefix(b"W/") == etag:
            return True
    return False


class StatusJson:
    """Answers the Statuspage v2 documents from a :class:`SnapshotStore`."""

    def __init__(self, store: SnapshotStore) -> None:
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        if method == "OPTIONS":  # a CORS preflight
            headers = [
                *_CORS,
                (b"access-control-allow-methods", _METHODS),
                (b"access-control-allow-headers", b"*"),
                (b"access-control-max-age", b"86400"),
                (b"content-length", b"0"),
            ]
            await _answer(send, 204, headers, b"")
            return
        if method not in ("GET", "HEAD"):
            error: TocsinError = MethodNotAllowed("the status documents are read-only; use GET")
            await _error(send, error, (b"allow", _METHODS))
            return
        path = scope["path"][len(PREFIX) :]
        snapshot = self.store.current
        document = snapshot.documents.get(path) if snapshot else None
        if document is None:
            if snapshot is None:
                error = Unavailable("the status page has not been built yet; retry shortly")
            else:
                error = NotFound(f"no status document {scope['path']}")
            await _error(send, error)
            return
        await self._document(scope, send, document, head=method == "HEAD")

    async def _document(self, scope: Scope, send: Send, document: Document, *, head: bool) -> None:
        headers = [
            (b"etag", document.etag),
            (b"cache-control", CACHE_CONTROL),
            *_CORS,
        ]
        for key, value in scope["headers"]:
            if key == b"if-none-match" and _matches(value, document.etag):
                await _answer(send, 304, headers, b"")
                return
        headers += [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(document.body)).encode()),
        ]
        await _answer(send, 200, headers, b"" if head else document.body)


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _error(send: Send, error: TocsinError, *extra: tuple[bytes, bytes]) -> None:
    body = msgspec.json.encode(error.body())
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *_CORS,
        *extra,
    ]
    if error.status == 503:
        headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
    await _answer(send, error.status, headers, body)
