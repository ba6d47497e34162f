"""The server's fast path for the public status pages.

Uvicorn's httptools protocol, with one change: a GET or HEAD of a public status document
is answered inside the parser's callback, from the in-memory snapshot, in one write —
no ASGI task, scope, middleware or per-message ``send``. Per request that work costs more
than the answer itself, and the status page is the one path that must stay fast when an
outage sends every customer to it. Anything else (an internal page, a redirect, a 404, a
request queued behind one still in flight, a slow reader) goes the normal way, to the
same :class:`~tocsin.statuspage.public.StatusPages` through ASGI, so both give the same
bytes.

This leans on uvicorn's protocol internals (``cycle``, ``flow``, ``on_response_complete``);
``tests/web/test_fast_http.py`` drives it over real sockets so an upgrade that changes
them fails there.
"""

from __future__ import annotations

from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from tocsin.statuspage.public import StatusPages, is_public


class _Answered:
    """Stands in for uvicorn's request cycle once the fast path has answered: the parser's
    remaining callbacks for that request (a body, its end) see a complete response."""

    response_complete = True
    disconnected = False

    class message_event:  # noqa: N801 (the attribute uvicorn reads)
        @staticmethod
        def set() -> None:
            return None


_ANSWERED: Any = _Answered()


def _status_pages(app: object) -> StatusPages | None:
    """The status pages behind uvicorn's wrappers (proxy headers, message logger)."""
    for _ in range(8):
        pages = getattr(app, "status_pages", None)
        if isinstance(pages, StatusPages):
            return pages
        app = getattr(app, "app", None)
        if app is None:
            return None
    return None


class StatusFastPath(HttpToolsProtocol):
    """Pass as uvicorn's ``http`` protocol class (``tocsin serve`` does)."""

    _pages: StatusPages | bool | None = False  # False: not looked up yet

    def on_headers_complete(self) -> None:
        if not self._answer_status():
            super().on_headers_complete()

    def _answer_status(self) -> bool:
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            return False  # pipelined behind a request in flight: answers keep their order
        if self.flow.write_paused or self.root_path or self.parser.should_upgrade():
            return False
        if self._pages is False:
            self._pages = _status_pages(self.app)
        pages = self._pages
        if not isinstance(pages, StatusPages):
            return False
        raw_path = httptools.parse_url(self.url).path
        if b"%" in raw_path:
            return False
        path = raw_path.decode("ascii")
        if not is_public(path):
            return False
        if_none_match = None
        for name, value in self.headers:
            if name == b"if-none-match":
                if_none_match = value
                break
        answer = pages.answer_public(self.parser.get_method().decode("ascii"), path, if_none_match)
        if answer is None:
            return False
        keep_alive = self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive()
        content = [STATUS_LINE[answer.status]]
        for name, value in (*self.server_state.default_headers, *answer.headers):
            content += (name, b": ", value, b"\r\n")
        if not keep_alive:
            content.append(b"connection: close\r\n")
        content += (b"\r\n", answer.body)
        self.transport.write(b"".join(content))
        self.cycle = _ANSWERED
        if not keep_alive:
            self.transport.close()
        self.on_response_complete()
        return True
