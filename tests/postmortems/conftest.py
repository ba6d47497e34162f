"""The postmortem tests drive the same worker as the paging tests (the suite's clock)."""

from __future__ import annotations

from typing import Any

from tests.builders import declare, ok, person, unique
from tests.conftest import Api
from tests.paging.conftest import worker  # noqa: F401 (fixture)


def resolve(api: Api, incident_id: int) -> None:
    body = {"status": "resolved"}
    ok(api.responder.post(f"/api/v1/incidents/{incident_id}/status", json=body))


def commanded(api: Api, severity: str = "SEV2", **fields: Any) -> tuple[int, dict[str, Any]]:
    """An incident with an Incident Commander who is a directory person with a mail address;
    returns its id and the commander (with ``"email"``)."""
    email = f"{unique('ic')}@example.test"
    commander = person(api, "Ivo", contacts={"email": email})
    commander["email"] = email
    iid = declare(api, severity=severity, services=[unique("svc")], **fields)["id"]
    body = {"person_id": commander["id"]}
    ok(api.responder.put(f"/api/v1/incidents/{iid}/roles/incident_commander", json=body))
    return iid, commander


def postmortem_of(api: Api, incident_id: int) -> dict[str, Any]:
    found: dict[str, Any] = ok(api.viewer.get(f"/api/v1/incidents/{incident_id}/postmortem"))
    return found


def opened(api: Api, severity: str = "SEV2") -> tuple[int, dict[str, Any], dict[str, Any]]:
    """A resolved incident with its postmortem: (incident id, postmortem, commander)."""
    iid, commander = commanded(api, severity)
    resolve(api, iid)
    return iid, postmortem_of(api, iid), commander
