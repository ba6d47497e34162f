"""The error answers of the OpenAPI document, derived from each operation rather than pasted.

FastAPI documents an operation's success and a generic 422. Tocsin's errors share one JSON
body (``tocsin.errors``), and which of them an operation can give follows from what the
document already says of it: a bearer requirement means 401, and 403 when its role is above
the lowest; a path parameter 404; a body 400, 413 and 422; any parameter 422; and every
operation 503. What a route's service adds (a 409 from a taken name, a 403 from a signed
link) the route declares with ``tocsin.errors.answers``; this gives those the schema too.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from tocsin.core.roles import AccessRole
from tocsin.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    TocsinError,
    Unauthorized,
    Unavailable,
)

_REF = "#/components/schemas/"
_NULLABLE_STRING: dict[str, Any] = {"anyOf": [{"type": "string"}, {"type": "null"}]}

ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "title": "Error",
        "description": "The body of every error answer; some errors add keys of their own.",
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "A stable code, e.g. `not_found`."},
            "message": {"type": "string", "description": "What went wrong, for a person."},
            "field": {**_NULLABLE_STRING, "description": "The parameter or field at fault."},
        },
        "additionalProperties": True,
    },
    "ValidationError": {
        "title": "ValidationError",
        "description": "An invalid request: `errors` holds one entry per problem found.",
        "allOf": [
            {"$ref": _REF + "Error"},
            {
                "type": "object",
                "required": ["errors"],
                "properties": {
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["field", "message"],
                            "properties": {
                                "field": {"type": "string"},
                                "message": {"type": "string"},
                                "type": _NULLABLE_STRING,
                            },
                        },
                    }
                },
            },
        ],
    },
    "ConflictError": {
        "title": "ConflictError",
        "description": "A refused change; a refused lifecycle move adds the `current` status "
        "and the moves `allowed` from it.",
        "allOf": [
            {"$ref": _REF + "Error"},
            {
                "type": "object",
                "properties": {
                    "current": {"type": "string"},
                    "allowed": {"type": "array", "items": {"type": "string"}},
                },
            },
        ],
    },
}
_SCHEMA_OF: dict[type[TocsinError], str] = {
    InvalidInput: "ValidationError",
    Conflict: "ConflictError",
}
_FASTAPI_ONLY = ("HTTPValidationError",)  # FastAPI's own 422 body, which Tocsin never sends
_LOWEST_ROLE = next(iter(AccessRole)).value
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` document every operation's error answers (built once, cached)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_errors(generate())
        return generate()  # FastAPI's cached document, amended in place

    app.openapi = openapi  # type: ignore[method-assign]


def document_errors(document: dict[str, Any]) -> None:
    """Give every operation of ``document`` its error answers, and add the error schemas."""
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, error in error_answers(operation).items():
                if _own_body(responses.get(str(status), {})):
                    continue  # the route documents this answer's own body (e.g. /readyz)
                schema = {"$ref": _REF + _SCHEMA_OF.get(error, "Error")}
                responses[str(status)] = {
                    "description": error.summary,
                    "content": {"application/json": {"schema": schema}},
                }
            operation["responses"] = dict(sorted(responses.items()))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_ONLY:
        schemas.pop(name, None)
    schemas.update(ERROR_SCHEMAS)


def error_answers(operation: dict[str, Any]) -> dict[int, type[TocsinError]]:
    """The errors an OpenAPI ``operation`` can answer with, by status."""
    parameters = operation.get("parameters", [])
    roles = {
        role for need in operation.get("security", []) for roles in need.values() for role in roles
    }
    has_body = "requestBody" in operation
    found: list[type[TocsinError]] = []
    if operation.get("security"):
        found.append(Unauthorized)
    if roles - {_LOWEST_ROLE}:
        found.append(Forbidden)
    if any(p.get("in") == "path" for p in parameters):
        found.append(NotFound)
    if has_body:
        found += [BadRequest, PayloadTooLarge]
    if parameters or has_body:
        found.append(InvalidInput)
    found += [_error_of(int(s)) for s in operation.get("responses", {}) if _is_error(s)]
    found.append(Unavailable)
    return {error.status: error for error in sorted(found, key=lambda e: e.status)}


def _own_body(response: dict[str, Any]) -> bool:
    """Whether a route declared this answer's body itself (not FastAPI's default 422)."""
    content = json.dumps(response.get("content", {}))
    return bool(response.get("content")) and not any(name in content for name in _FASTAPI_ONLY)


def _is_error(status: object) -> bool:
    return str(status).isdigit() and 400 <= int(str(status)) < 600


def _error_of(status: int) -> type[TocsinError]:
    errors: list[type[TocsinError]] = [TocsinError]
    while errors:
        error = errors.pop()
        if error.status == status:
            return error
        errors += error.__subclasses__()
    raise ValueError(f"no Tocsin error answers {status}")
