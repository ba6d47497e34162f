"""Test data made through the HTTP API, the way a user makes it: one builder per thing.

Every builder takes the running server (``api``), gives each name it invents a unique
suffix (so tests sharing a database never collide), asserts the answer's status and
returns the created object as the API answered it. Keyword arguments go into the request
body as they are, so a test spells out only what it is about.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx

from tests.conftest import PASSWORD, Api
from tocsin.access import accounts
from tocsin.core.roles import AccessRole

PUBLIC_HOOK = "https://93.184.215.14/hook"  # a public address: allowed without DNS


def unique(prefix: str) -> str:
    """``prefix`` with a suffix no other call returns: ``"svc-1a2b3c4d"``."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body of ``response``, after asserting its status (the body shown if not)."""
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def person(
    api: Api, name: str = "Ana", *, contacts: Mapping[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    """A person with a unique handle made of ``name``.

    ``contacts`` (kind → address, e.g. ``{"email": "ana@example.test"}``) adds those contact
    methods in that order; the created methods are then under ``"contacts"``.
    """
    body = {"name": name, "handle": unique(name.lower()), **fields}
    created: dict[str, Any] = ok(api.responder.post("/api/v1/people", json=body), 201)
    if contacts is not None:
        created["contacts"] = [
            contact(api, created["id"], kind, address) for kind, address in contacts.items()
        ]
    return created


def contact(api: Api, person_id: int, kind: str, address: str, **fields: Any) -> dict[str, Any]:
    body = {"kind": kind, "address": address, **fields}
    url = f"/api/v1/people/{person_id}/contact-methods"
    created: dict[str, Any] = ok(api.responder.post(url, json=body), 201)
    return created


def layer(participants: list[int], **fields: Any) -> dict[str, Any]:
    """A daily rotation of ``participants`` (person ids) from 2026-03-06 09:00 New York."""
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
    created: dict[str, Any] = ok(api.admin.post("/api/v1/schedules", json=body), 201)
    return created


def team(api: Api, *members: int, admins: Sequence[int] = ()) -> dict[str, Any]:
    body = {"name": unique("team"), "members": [*members, *admins], "admins": list(admins)}
    created: dict[str, Any] = ok(api.admin.post("/api/v1/teams", json=body), 201)
    return created


def user_of(api: Api, person_id: int, role: str = "responder") -> str:
    """The email of a new user linked to the person (password ``PASSWORD``); made in the
    database, as the API only invites users."""
    email = f"{unique('user')}@users.tocsin.test"
    accounts.create_user(
        api.db,
        email=email,
        role=AccessRole(role),
        password=PASSWORD,
        created_by="tests",
        person_id=person_id,
        person_name=api.tocsin.access.person_name,
    )
    return email


def team_admin(api: Api, role: str = "responder") -> tuple[dict[str, Any], str]:
    """A new team and the email of a user (global ``role``) who is its team admin."""
    admin = person(api, "Tia")
    return team(api, admins=[admin["id"]]), user_of(api, admin["id"], role)


def level(
    *, people: Iterable[int] = (), schedules: Iterable[int] = (), timeout: int = 5
) -> dict[str, Any]:
    """One escalation level: page ``people`` and whoever is on call in ``schedules``."""
    targets = [{"type": "person", "id": p} for p in people]
    targets += [{"type": "schedule", "id": s} for s in schedules]
    return {"timeout_minutes": timeout, "targets": targets}


def policy(
    api: Api, levels: list[dict[str, Any]], repeat: int = 0, **fields: Any
) -> dict[str, Any]:
    body = {"name": unique("policy"), "repeat": repeat, "levels": levels, **fields}
    url = "/api/v1/escalation-policies"
    created: dict[str, Any] = ok(api.admin.post(url, json=body), 201)
    return created


def service(api: Api, policy_id: int | None = None, **fields: Any) -> dict[str, Any]:
    body = {"name": unique("svc"), "escalation_policy_id": policy_id, **fields}
    created: dict[str, Any] = ok(api.admin.post("/api/v1/services", json=body), 201)
    return created


def paged_service(api: Api, *levels: Sequence[int], timeout: int = 5) -> str:
    """The name of a new service whose policy pages each group of person ids in turn."""
    made = policy(api, [level(people=people, timeout=timeout) for people in levels])
    name: str = service(api, made["id"])["name"]
    return name


def integration(api: Api, kind: str = "alertmanager", **rules: Any) -> dict[str, Any]:
    """An alert integration of service ``checkout``; the answer holds its secret ``key``."""
    body = {"kind": kind, "name": unique(kind), "service": "checkout"} | rules
    created: dict[str, Any] = ok(api.admin.post("/api/v1/integrations", json=body), 201)
    return created


def declare(api: Api, **fields: Any) -> dict[str, Any]:
    """A SEV2 incident "Checkout errors" on service ``checkout``, declared by the responder."""
    body = {"title": "Checkout errors", "severity": "SEV2", "services": ["checkout"]} | fields
    created: dict[str, Any] = ok(api.responder.post("/api/v1/incidents", json=body), 201)
    return created


# --- reading back -----------------------------------------------------------------------


def incident(api: Api, incident_id: int) -> dict[str, Any]:
    """The incident as the API shows it now."""
    found: dict[str, Any] = ok(api.viewer.get(f"/api/v1/incidents/{incident_id}"))
    return found


def timeline(api: Api, incident_id: int, kind: str | None = None) -> list[dict[str, Any]]:
    """The incident's events, oldest first (only those of ``kind`` if given)."""
    url = f"/api/v1/incidents/{incident_id}/events"
    items: list[dict[str, Any]] = ok(api.viewer.get(url, params={"limit": 200}))["items"]
    return [e for e in items if kind is None or e["kind"] == kind]


def kinds(api: Api, incident_id: int) -> list[str]:
    """The kinds of the incident's events, oldest first."""
    return [e["kind"] for e in timeline(api, incident_id)]


def paging(api: Api, incident_id: int) -> dict[str, Any]:
    """The incident's escalation and every notification with its delivery attempts."""
    found: dict[str, Any] = ok(api.viewer.get(f"/api/v1/incidents/{incident_id}/paging"))
    return found
