"""Shared steps of the status page tests: make components, read the public documents."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import Api

BASE = "/api/v1/statuspage"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def component(api: Api, **fields: Any) -> dict[str, Any]:
    fields.setdefault("name", unique("component"))
    return created(api.responder.post(f"{BASE}/components", json=fields))


def declare(api: Api, service: str, severity: str = "SEV2", **fields: Any) -> dict[str, Any]:
    body = {"title": f"Trouble on {service}", "severity": severity, "services": [service]}
    return created(api.responder.post("/api/v1/incidents", json={**body, **fields}))


def set_status(api: Api, incident_id: int, status: str) -> None:
    response = api.responder.post(
        f"/api/v1/incidents/{incident_id}/status", json={"status": status}
    )
    assert response.status_code == 200, response.text


def document(api: Api, path: str) -> dict[str, Any]:
    """A public document, as anyone reads it: no token."""
    response = httpx.get(f"{api.url}/api/v2/{path}", timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def public_component(api: Api, component_id: int, path: str = "components.json") -> dict[str, Any]:
    found = [c for c in document(api, path)["components"] if c["id"] == str(component_id)]
    assert len(found) == 1, found
    return found[0]


def clean_page(api: Api) -> None:
    """Nothing on the page: no components or groups, every public incident resolved, no
    maintenance scheduled or running."""
    for item in api.viewer.get(f"{BASE}/maintenances").json():
        if item["status"] == "scheduled":
            api.responder.post(f"{BASE}/maintenances/{item['id']}/cancel")
        elif item["status"] != "completed":
            api.responder.post(f"{BASE}/maintenances/{item['id']}/complete")
    for item in api.responder.get(f"{BASE}/components").json():
        api.responder.delete(f"{BASE}/components/{item['id']}")
    for item in api.responder.get(f"{BASE}/groups").json():
        api.responder.delete(f"{BASE}/groups/{item['id']}")
    for item in api.responder.get(f"{BASE}/incidents").json():
        if item["status"] != "resolved":
            body = {"status": "resolved", "body": "Resolved."}
            created(api.responder.post(f"{BASE}/incidents/{item['id']}/updates", json=body))
