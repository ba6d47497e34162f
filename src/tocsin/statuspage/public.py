"""The status pages as bare ASGI, in front of FastAPI.

Where a page's documents answer: every page under ``/pages/{slug}/``, the default page also
under ``/status/`` and, for its JSON and feeds, at the root (``/api/v2/*.json``,
``/history.rss``, ``/history.atom``), where Statuspage serves them. A path ending in ``/``
is that directory's ``index.html``.

No framework work and no database per request: the bytes come from the in-memory snapshot
(:mod:`tocsin.statuspage.snapshot`), with a strong ETag (``If-None-Match`` answers 304),
``Cache-Control`` so a CDN can front it, and ``Access-Control-Allow-Origin: *`` so any
page's script may read it. An internal page needs the reader's token (bearer) or the
console's session cookie and is never cached by a shared cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Literal
from urllib.parse import quote

import msgspec
from starlette.types import Receive, Scope, Send

from tocsin.access.service import Principal
from tocsin.access.sessions import COOKIE as SESSION_COOKIE
from tocsin.errors import (
    RETRY_AFTER_SECONDS,
    MethodNotAllowed,
    NotFound,
    TocsinError,
    Unauthorized,
    Unavailable,
)
from tocsin.statuspage.snapshot import Document, SnapshotStore

CACHE_CONTROL = b"public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"
PRIVATE_CACHE_CONTROL = b"private, no-cache"
_CORS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"ETag"),
]
_METHODS = b"GET, HEAD, OPTIONS"
_TYPES = {
    ".json": b"application/json; charset=utf-8",
    ".html": b"text/html; charset=utf-8",
    ".rss": b"application/rss+xml; charset=utf-8",
    ".atom": b"application/atom+xml; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
}
_ROOT_ALIASES = ("/api/v2/", "/history.rss", "/history.atom")
"""The default page's documents also answer at the paths Statuspage serves them at."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


Credential = tuple[Literal["bearer", "session"], str]
"""A request's API token (``Authorization: Bearer``) or the console's session cookie."""
Authenticate = Callable[[Credential | None], Awaitable[Principal]]
"""Checks the credential of a request to an internal page (``Unauthorized`` if none or bad)."""


def is_public(path: str) -> bool:
    """Whether :class:`StatusPages` answers ``path`` (the web app sends it there)."""
    return (
        path.startswith(_ROOT_ALIASES)
        or path == "/status"
        or path.startswith(("/status/", "/pages/"))
    )


def locate(path: str) -> tuple[str | None, str] | None:
    """The page (slug; None for the default) and the document's path under its root."""
    if path.startswith(_ROOT_ALIASES):
        return None, path[1:]
    if path == "/status" or path.startswith("/status/"):
        rest = path.removeprefix("/status").lstrip("/")
        return None, rest
    slug, _, rest = path.removeprefix("/pages/").partition("/")
    return (slug, rest) if slug else None


def _needs_slash(path: str) -> bool:
    """A page's root named without its slash: redirected, so relative links resolve."""
    return path == "/status" or (path.startswith("/pages/") and path.count("/") == 2)


def _key(rest: str) -> str:
    """A directory's document is its ``index.html``."""
    return f"{rest}index.html" if rest == "" or rest.endswith("/") else rest


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    for candidate in if_none_match.split(b","):
        candidate = candidate.strip()
        if candidate == b"*" or candidate.removeprefix(b"W/") == etag:
            return True
    return False


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _credential(scope: Scope) -> Credential | None:
    """A bearer token, else the console's session cookie."""
    authorization = _header(scope, b"authorization")
    if authorization and authorization[:7].lower() == b"bearer ":
        return "bearer", authorization[7:].decode("latin-1").strip()
    cookies = SimpleCookie()
    try:
        cookies.load((_header(scope, b"cookie") or b"").decode("latin-1"))
    except CookieError:
        return None
    morsel = cookies.get(SESSION_COOKIE)
    return ("session", morsel.value) if morsel else None


class StatusPages:
    """Answers every page's documents (HTML, feeds, Statuspage v2 JSON) from a
    :class:`SnapshotStore`; an internal page only to a signed-in reader."""

    def __init__(self, store: SnapshotStore, authenticate: Authenticate) -> None:
        self.store = store
        self.authenticate = authenticate

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
            error: TocsinError = MethodNotAllowed("the status pages are read-only; use GET")
            await _error(send, error, (b"allow", _METHODS))
            return
        path: str = scope["path"]
        if _needs_slash(path):
            await _answer(send, 308, [(b"location", quote(path + "/").encode())], b"")
            return
        where = locate(path)
        snapshot = self.store.current
        page = snapshot.page(where[0]) if snapshot and where else None
        document = page.documents.get(_key(where[1])) if page and where else None
        if document is None or page is None:
            if snapshot is None:
                error = Unavailable("the status page has not been built yet; retry shortly")
            else:
                error = NotFound(f"no status document {path}")
            await _error(send, error)
            return
        if page.info.internal and not await self._signed_in(scope, send, path):
            return
        answer = _document(
            method, _key(path), document, _header(scope, b"if-none-match"), page.info.internal
        )
        await _answer(send, answer.status, answer.headers, answer.body)

    def answer_public(self, method: str, path: str, if_none_match: bytes | None) -> Answer | None:
        """The answer to a GET or HEAD of a public page's document, decided at once from the
        snapshot; None when the request needs more (an internal page's sign-in, a redirect,
        an error), which :meth:`__call__` gives. The server's fast path
        (:mod:`tocsin.web.fast_http`) answers with it before any ASGI work."""
        if method not in ("GET", "HEAD") or _needs_slash(path):
            return None
        where = locate(path)
        snapshot = self.store.current
        page = snapshot.page(where[0]) if snapshot and where else None
        if page is None or where is None or page.info.internal:
            return None
        key = _key(where[1])
        document = page.documents.get(key)
        if document is None:
            return None
        return _document(method, key, document, if_none_match, False)

    async def _signed_in(self, scope: Scope, send: Send, path: str) -> bool:
        try:
            await self.authenticate(_credential(scope))
        except Unauthorized as error:
            if path.endswith("/") or path.endswith(".html"):
                location = f"/login?next={quote(path)}".encode()
                await _answer(send, 303, [(b"location", location)], b"")
            else:
                await _error(send, error, (b"www-authenticate", b"Bearer"))
            return False
        except Unavailable as error:
            await _error(send, error)
            return False
        return True


def _document(
    method: str, key: str, document: Document, if_none_match: bytes | None, internal: bool
) -> Answer:
    headers = [
        (b"etag", document.etag),
        (b"cache-control", PRIVATE_CACHE_CONTROL if internal else CACHE_CONTROL),
    ]
    if not internal:
        headers += _CORS
    if if_none_match is not None and _matches(if_none_match, document.etag):
        return Answer(304, headers, b"")
    suffix = key[key.rfind(".") :] if "." in key else ".html"
    headers += [
        (b"content-type", _TYPES.get(suffix, b"application/octet-stream")),
        (b"content-length", str(len(document.body)).encode()),
    ]
    return Answer(200, headers, b"" if method == "HEAD" else document.body)


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
