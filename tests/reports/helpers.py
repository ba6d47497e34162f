"""Shared steps of the customer report tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.builders import ok
from tests.conftest import Api


def token() -> str:
    """A word no other test uses (letters only, so the matching rule keeps it)."""
    return "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


def email(name: str = "customer") -> str:
    return f"{name}-{token()}@example.test"


def report(api: Api, status: int = 201, **fields: Any) -> Any:
    body = {"name": "Ana Customer", "contact": email(), "text": f"something {token()}"} | fields
    return ok(api.responder.post("/api/v1/reports", json=body), status)


def incident_reports(api: Api, incident_id: int) -> dict[str, Any]:
    found: dict[str, Any] = ok(api.viewer.get(f"/api/v1/incidents/{incident_id}/reports"))
    return found


def refused(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["field"] == field, response.text
