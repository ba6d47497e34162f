"""The edge check every API and page request passes before a route sees it.

Text that no database can store (see :mod:`tocsin.core.text`) is refused here once, for
every route, with a 422 naming the field: in the path, the query string, a JSON body or a
form. A body that is not JSON at all, or is nested too deep to read, is a 400. So routes and
services only ever see storable text, and PostgreSQL and SQLite answer alike.

The alert ingest does not pass here: it applies the same rule per alert
(:mod:`tocsin.alerts.ingest`), so one bad alert does not refuse its neighbours.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tocsin.core.text import TextProblem, find_problem, unstorable
from tocsin.errors import BadRequest, InvalidInput, TocsinError
from tocsin.web import errors

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _media_type(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return bytes(value).split(b";", 1)[0].strip().lower().decode("latin-1")
    return ""


def _pairs(encoded: str) -> list[tuple[str, str]]:
    return parse_qsl(encoded, keep_blank_values=True, errors="replace")


def _pairs_problem(pairs: list[tuple[str, str]]) -> TextProblem | None:
    for name, value in pairs:
        if reason := unstorable(name):
            return TextProblem("query", f"parameter name: {reason}")
        if reason := unstorable(value):
            return TextProblem(name, reason)
    return None


def _json_problem(body: bytes) -> TocsinError | None:
    if not body.strip():
        return None  # the route decides whether a body is required
    try:
        value: Any = json.loads(body)
    except RecursionError:
        return BadRequest("the JSON body is nested too deeply to read", field="body")
    except ValueError as error:
        return BadRequest(f"the body is not valid JSON ({error})", field="body")
    problem = find_problem(value)
    if problem is not None and not problem.field:
        problem = problem.within("body")  # the body itself, e.g. one bare string
    return _as_error(problem)


def _as_error(problem: TextProblem | None) -> TocsinError | None:
    return None if problem is None else InvalidInput(str(problem), field=problem.field)


class InputGuard:
    """ASGI middleware: refuse unstorable text in path, query and body before any route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = _as_error(self._url_problem(scope))
        media = _media_type(scope)
        checks_body = scope["method"] in _BODY_METHODS and (
            media == "application/json"
            or media.endswith("+json")
            or media == "application/x-www-form-urlencoded"
        )
        if refusal is None and checks_body:
            body = await _read_all(receive)
            if media == "application/x-www-form-urlencoded":
                refusal = _as_error(_pairs_problem(_pairs(body.decode("latin-1"))))
            else:
                refusal = _json_problem(body)
            receive = _replay(body, receive)
        if refusal is not None:
            response = errors.respond(Request(scope), refusal)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _url_problem(scope: Scope) -> TextProblem | None:
        if reason := unstorable(scope["path"]):
            return TextProblem("path", reason)
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
        return _pairs_problem(_pairs(query)) if query else None


async def _read_all(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body to the app, then defers to the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
