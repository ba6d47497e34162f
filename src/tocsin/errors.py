"""Errors that reach a client, each carrying its HTTP status.

    TocsinError                 500  base; never raised bare
    ├── BadRequest              400  the body cannot be read at all (not JSON, cut off)
    ├── InvalidInput            422  a field's value is wrong (``field`` names it)
    ├── Unauthorized            401  no token, or an unknown or revoked one
    ├── Forbidden               403  the token's role may not do this
    ├── NotFound                404  no such resource (or not visible to the caller)
    ├── MethodNotAllowed        405  the path exists, the method does not
    ├── Conflict                409  the resource's state refuses the change
    ├── PayloadTooLarge         413  the request body is over the limit
    ├── UnsupportedMediaType    415  the body is not sent as JSON
    ├── RateLimited             429  too many requests from one source
    └── Unavailable             503  nothing was stored; try again shortly
        └── DatabaseUnavailable      the database is unreachable, read-only or full
                                     (``tocsin.dbhealth``)

Services raise these (or the pure rule errors of ``tocsin.core``, which the web layer maps
the same way); routes never build HTTP errors themselves. One handler in ``tocsin.web.app``
turns them into ``{"error": code, "message": ..., "field": ...}``; a 429 or 503 also carries
``Retry-After``, and a 500 ``Connection: close``. ``tocsin.web.openapi`` documents them, with
each class's ``summary``.
"""

from __future__ import annotations

from typing import Any

RETRY_AFTER_SECONDS = 1  # what a 429 or 503 asks the client to wait before it tries again


class TocsinError(Exception):
    status: int = 500
    code: str = "internal_error"
    summary: str = "An unexpected error; it is logged."

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class BadRequest(TocsinError):
    status = 400
    code = "bad_request"
    summary = "The body cannot be read: not JSON, or cut off."


class InvalidInput(TocsinError):
    status = 422
    code = "invalid_input"
    summary = "A parameter or field is invalid: `field` names the first, `errors` lists each."

    def body(self) -> dict[str, Any]:
        """Shaped like a failed request validation: ``errors`` lists the problem found."""
        body = super().body()
        body.setdefault("errors", [{"field": self.field or "body", "message": self.message}])
        return body


class Unauthorized(TocsinError):
    status = 401
    code = "unauthorized"
    summary = "No API token, or an unknown or revoked one."


class Forbidden(TocsinError):
    status = 403
    code = "forbidden"
    summary = "The token's role (or a link's signature) does not allow this."


class NotFound(TocsinError):
    status = 404
    code = "not_found"
    summary = "No such resource."


class MethodNotAllowed(TocsinError):
    status = 405
    code = "method_not_allowed"
    summary = "The path exists, the method does not."


class Conflict(TocsinError):
    status = 409
    code = "conflict"
    summary = "The resource's state refuses the change."


class PayloadTooLarge(TocsinError):
    status = 413
    code = "payload_too_large"
    summary = "The request body is over the size limit."


class UnsupportedMediaType(TocsinError):
    status = 415
    code = "unsupported_media_type"
    summary = "The body is not sent as JSON."


class RateLimited(TocsinError):
    status = 429
    code = "rate_limited"
    summary = "Too many requests from one source."


class Unavailable(TocsinError):
    status = 503
    code = "unavailable"
    summary = "Nothing was stored; try again shortly."


def answers(*errors: type[TocsinError]) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=``: errors its service can raise that its shape does not imply.

    ``tocsin.web.openapi`` derives the rest (401/403 from the role, 404 from path parameters,
    400/413/422 from a body, 503 everywhere) and gives every error answer the error schema.
    """
    return {error.status: {"description": error.summary} for error in errors}
