"""One mapping from errors to responses: JSON for the API, pages or a sign-in for browsers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from tocsin.access.pages import login_redirect
from tocsin.core.lifecycle import IllegalTransition, RuleViolation
from tocsin.errors import (
    RETRY_AFTER_SECONDS,
    BadRequest,
    Conflict,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    TocsinError,
    Unauthorized,
)
from tocsin.templating import templates

log = logging.getLogger("tocsin.web")
UNEXPECTED = "an unexpected error occurred; it is logged"
CONFIGURATION_PAGES = ("/services", "/integrations", "/alerts", "/silences", "/tokens", "/audit")
"""The console's configuration pages (docs/console.md): browsers, not API clients."""


PAGES = (
    "/incidents", "/login", "/logout", "/ack", "/oncall", "/report/", "/subscribe/", "/users",
    "/account", "/metrics", "/postmortems/", "/reset", "/invite/", "/people", "/schedules",
    "/policies", "/teams", *CONFIGURATION_PAGES,
)  # fmt: skip
"""Where the web pages are: an error there is a page (or a sign-in), not JSON. A new page's
path goes here; the authorization matrix (tests/web/test_authorization.py) finds one missing."""


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return not (path == "/" or path.startswith(PAGES))


def _headers(error: TocsinError) -> dict[str, str]:
    if error.status in (429, 503):
        wait = error.extra.get("retry_after")
        return {"Retry-After": str(wait if isinstance(wait, int) else RETRY_AFTER_SECONDS)}
    if error.status >= 500:
        # Something broke half-way: the client should not reuse this connection.
        return {"Connection": "close"}
    return {}


def respond(request: Request, error: TocsinError) -> Response:
    """The answer to ``error``: its JSON envelope for the API, a page or a sign-in for browsers."""
    headers = _headers(error)
    if _wants_json(request):
        return JSONResponse(error.body(), status_code=error.status, headers=headers)
    if isinstance(error, Unauthorized):
        return login_redirect(request.url.path)
    context = {"status": error.status, "message": error.message, "principal": None}
    return templates.TemplateResponse(
        request, "error.html", context, status_code=error.status, headers=headers
    )


def _from_rule(violation: RuleViolation) -> TocsinError:
    if isinstance(violation, IllegalTransition):
        return Conflict(
            str(violation),
            field="status",
            current=violation.current.value,
            allowed=[s.value for s in violation.allowed],
        )
    if violation.field:
        return InvalidInput(str(violation), field=violation.field)
    return Conflict(str(violation))


def _field_of(error: dict[str, Any]) -> str:
    parts = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _from_http(exc: HTTPException, request: Request) -> TocsinError:
    """Starlette's own refusals (no such route, wrong method, unreadable body) in our shape."""
    if exc.status_code == 404:
        return NotFound(f"no route {request.url.path}", field="path")
    if exc.status_code == 405:
        return MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
    if exc.status_code == 400:
        return BadRequest(f"the body cannot be read: {exc.detail}", field="body")
    error = TocsinError(str(exc.detail))
    error.status = exc.status_code
    error.code = "http_error"
    return error


def install(app: FastAPI) -> None:
    @app.exception_handler(TocsinError)
    async def tocsin_error(request: Request, exc: TocsinError) -> Response:
        return respond(request, exc)

    @app.exception_handler(RuleViolation)
    async def rule_violation(request: Request, exc: RuleViolation) -> Response:
        return respond(request, _from_rule(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"field": _field_of(e), "message": e.get("msg", "invalid"), "type": e.get("type")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid request"}
        if not _wants_json(request):
            message = f"{first['field']}: {first['message']}"
            return respond(request, InvalidInput(message, field=str(first["field"])))
        body = {
            "error": "invalid_input",
            "message": f"{first['field']}: {first['message']}",
            "field": first["field"],
            "errors": errors,
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        response = respond(request, _from_http(exc, request))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def unstorable_value(request: Request, exc: Exception) -> Response:
        # The edge checks (InputGuard, bounded schema types) should stop these first; this
        # keeps a value the database cannot hold a 422 wherever a check is still missing.
        log.warning("value refused by the database on %s: %s", request.url.path, type(exc).__name__)
        error = InvalidInput("a value is out of range or cannot be stored", field="body")
        return respond(request, error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette raises the error again after this answer; TocsinApp stops it there.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return respond(request, TocsinError(UNEXPECTED))
