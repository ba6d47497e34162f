"""Refuse a form post that the browser says comes from another site.

Browsers name where a request comes from (``Origin``, ``Sec-Fetch-Site``); a forged form on
another site cannot change that. This guards every form, the public ones too (the status
page's subscribe form, customer reports, acknowledge links), which act for nobody signed in
and so carry no session-bound CSRF token (:mod:`tocsin.access.csrf` guards the rest). A
request without those headers (a script, a mail server's one-click unsubscribe) passes: only
a browser forges, and browsers send them.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from tocsin.errors import Forbidden
from tocsin.web import errors

_FORMS = (b"application/x-www-form-urlencoded", b"multipart/form-data", b"text/plain")
_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class SameOriginForms:
    def __init__(self, app: ASGIApp, *, also: Iterable[str] = ()) -> None:
        self.app = app
        self.also = frozenset(origin_of(url) for url in also if url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _CHANGES:
            reason = self._cross_site(scope)
            if reason is not None:
                response = errors.respond(Request(scope), Forbidden(reason))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _cross_site(self, scope: Scope) -> str | None:
        headers = dict(scope["headers"])
        media = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        if media not in _FORMS:
            return None
        if headers.get(b"sec-fetch-site") == b"cross-site":
            return "CSRF check failed: the browser says this form was posted from another site"
        origin = headers.get(b"origin")
        if origin is None:
            return None
        sent = origin.decode("latin-1").lower()
        host = headers.get(b"host", b"").decode("latin-1").lower()
        if sent == f"{scope.get('scheme', 'http')}://{host}" or sent in self.also:
            return None
        return f"CSRF check failed: the form was posted from another site ({sent[:100]})"
