"""People, policies and incidents for the paging tests, made through the HTTP API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import Api


def ok(response: httpx.Response) -> Any:
    assert response.is_success, response.text
    return response.json()


def person(api: Api, name: str, **contacts: str) -> dict[str, Any]:
    handle = f"{name}-{uuid.uuid4().hex[:6]}"
    created = ok(api.admin.post("/api/v1/people", json={"name": name, "handle": handle}))
    created["contacts"] = [
        ok(
            api.admin.post(
                f"/api/v1/people/{created['id']}/contact-methods",
                json={"kind": kind, "address": address},
            )
        )
        for kind, address in contacts.items()
    ]
    return created


def service_with_policy(api: Api, levels: list[list[int]], timeout: int = 5) -> str:
    body = {
        "name": f"policy-{uuid.uuid4().hex[:6]}",
        "repeat": 0,
        "levels": [
            {"timeout_minutes": timeout, "targets": [{"type": "person", "id": p} for p in level]}
            for level in levels
        ],
    }
    policy = ok(api.admin.post("/api/v1/escalation-policies", json=body))
    name = f"svc-{uuid.uuid4().hex[:6]}"
    ok(
        api.admin.post(
            "/api/v1/services", json={"name": name, "escalation_policy_id": policy["id"]}
        )
    )
    return name


def declare(api: Api, service: str, severity: str = "SEV2") -> int:
    body = {"title": "Checkout errors", "severity": severity, "services": [service]}
    incident_id: int = ok(api.responder.post("/api/v1/incidents", json=body))["id"]
    return incident_id


def kinds(api: Api, incident_id: int) -> list[str]:
    items = ok(api.viewer.get(f"/api/v1/incidents/{incident_id}/events"))["items"]
    return [e["kind"] for e in items]


def paging(api: Api, incident_id: int) -> dict[str, Any]:
    result: dict[str, Any] = ok(api.viewer.get(f"/api/v1/incidents/{incident_id}/paging"))
    return result
