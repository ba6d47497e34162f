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
``Retry-After``, and a 500 ``Connection: close``.
"""

from __future__ import annotations

from typing import Any

RETRY_AFTER_SECONDS = 1  # what a 429 or 503 asks the client to wait before it tries again


class TocsinError(Exception):
    status: int = 500
    code: str = "internal_error"

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


class InvalidInput(TocsinError):
    status = 422
    code = "invalid_input"


class Unauthorized(TocsinError):
    status = 401
    code = "unauthorized"


class Forbidden(TocsinError):
    status = 403
    code = "forbidden"


class NotFound(TocsinError):
    status = 404
    code = "not_found"


class MethodNotAllowed(TocsinError):
    status = 405
    code = "method_not_allowed"


class Conflict(TocsinError):
    status = 409
    code = "conflict"


class PayloadTooLarge(TocsinError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(TocsinError):
    status = 415
    code = "unsupported_media_type"


class RateLimited(TocsinError):
    status = 429
    code = "rate_limited"


class Unavailable(TocsinError):
    status = 503
    code = "unavailable"
