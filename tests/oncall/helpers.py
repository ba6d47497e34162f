"""Builders for on-call test data over the API; every name is unique per call."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import Api

PUBLIC_HOOK = "https://93.184.215.14/hook"  # a public address: allowed without DNS


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def person(api: Api, name: str = "Ana", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "handle": unique(name.lower()), **fields}
    result: dict[str, Any] = ok(api.responder.post("/api/v1/people", json=body), 201)
    return result


def contact(api: Api, person_id: int, kind: str, address: str, **fields: Any) -> dict[str, Any]:
    body = {"kind": kind, "address": address, **fields}
    url = f"/api/v1/people/{person_id}/contact-methods"
    result: dict[str, Any] = ok(api.responder.post(url, json=body), 201)
    return result


def layer(participants: list[int], **fields: Any) -> dict[str, Any]:
    return {
        "kind": "daily",
        "length": 1,
        "start": "2026-03-06T09:00:00-05:00",
        "participants": participants,
        **fields,
    }


def schedule(
    api: Api, layers: list[dict[str, Any]], time_zone: str = "America/New_York", **fields: Any
) -> dict[str, Any]:
    body = {"name": unique("schedule"), "time_zone": time_zone, "layers": layers, **fields}
    result: dict[str, Any] = ok(api.responder.post("/api/v1/schedules", json=body), 201)
    return result


def policy(api: Api, levels: list[dict[str, Any]], repeat: int = 0) -> dict[str, Any]:
    body = {"name": unique("policy"), "repeat": repeat, "levels": levels}
    result: dict[str, Any] = ok(api.responder.post("/api/v1/escalation-policies", json=body), 201)
    return result


def service(api: Api, policy_id: int | None = None, **fields: Any) -> dict[str, Any]:
    body = {"name": unique("svc"), "escalation_policy_id": policy_id, **fields}
    result: dict[str, Any] = ok(api.responder.post("/api/v1/services", json=body), 201)
    return result
