"""An admin changes a severity's policy at run time (``/api/v1/severity-policies``): the
incidents declared and resolved after it follow it; a reset brings the deployment's back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from tests.builders import declare, ok, unique
from tests.conftest import Api
from tocsin.core.severity import DEFAULT_POLICIES, Severity
from tocsin.incidents.severity_policies import PolicyBook, effective


@pytest.fixture
def sev3(api: Api) -> Iterator[str]:
    """SEV3's route; the suite's server shares its policies, so the test's change is undone."""
    route = "/api/v1/severity-policies/SEV3"
    yield route
    ok(api.admin.delete(route))


def _resolve(api: Api, incident_id: int) -> None:
    ok(api.responder.post(f"/api/v1/incidents/{incident_id}/status", json={"status": "resolved"}))


def test_a_stored_policy_changes_the_cadence_and_the_postmortem_of_new_incidents(
    api: Api, sev3: str
) -> None:
    before = ok(api.admin.get(sev3))
    assert before["update_cadence_minutes"] == 60
    assert before["postmortem_required"] is False
    assert before["stored"] == {}

    body = {"update_cadence_minutes": 5, "postmortem_required": True}
    changed = ok(api.admin.put(sev3, json=body))
    assert changed["update_cadence_minutes"] == 5
    assert changed["stored"] == body
    assert changed["name"] == "Medium"  # left out: the deployment's

    made = declare(api, severity="SEV3", services=[unique("svc")])
    due = datetime.fromisoformat(made["next_update_due_at"])
    assert due - datetime.fromisoformat(made["created_at"]) == timedelta(minutes=5)
    _resolve(api, made["id"])
    assert api.viewer.get(f"/api/v1/incidents/{made['id']}/postmortem").status_code == 200

    ok(api.admin.delete(sev3))
    assert ok(api.admin.get(sev3))["stored"] == {}
    later = declare(api, severity="SEV3", services=[unique("svc")])
    _resolve(api, later["id"])
    assert api.viewer.get(f"/api/v1/incidents/{later['id']}/postmortem").status_code == 404


def test_the_list_shows_every_severity_and_what_is_stored(api: Api, sev3: str) -> None:
    ok(api.admin.put(sev3, json={"name": "Moderate"}))
    found = ok(api.admin.get("/api/v1/severity-policies"))
    assert [p["severity"] for p in found] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert found[2]["name"] == "Moderate"
    assert found[2]["stored"] == {"name": "Moderate"}
    # the viewers' list of severities shows the policy in effect too
    assert ok(api.viewer.get("/api/v1/severities"))[2]["name"] == "Moderate"


def test_a_put_replaces_what_was_stored_and_aliases_name_the_severity(api: Api, sev3: str) -> None:
    ok(api.admin.put(sev3, json={"name": "Moderate", "update_cadence_minutes": 10}))
    found = ok(api.admin.put("/api/v1/severity-policies/p2", json={"update_cadence_minutes": None}))
    assert found["severity"] == "SEV3"
    assert found["stored"] == {"update_cadence_minutes": None}
    assert found["name"] == "Medium"
    assert found["update_cadence_minutes"] is None
    made = declare(api, severity="SEV3", services=[unique("svc")])
    assert made["next_update_due_at"] is None


def test_bad_input_is_a_422_naming_the_field_and_only_admins_may(api: Api) -> None:
    route = "/api/v1/severity-policies/SEV3"
    for body, field in [
        ({"update_cadence_minutes": 0}, "update_cadence_minutes"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"colour": "red"}, "colour"),
        ({"postmortem_draft_hours": "soon"}, "postmortem_draft_hours"),
    ]:
        response = api.admin.put(route, json=body)
        assert response.status_code == 422, body
        assert field in response.text
    unknown = api.admin.put("/api/v1/severity-policies/SEV9", json={})
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "severity"
    assert api.responder.put(route, json={"name": "x"}).status_code == 403
    assert api.viewer.get("/api/v1/severity-policies").status_code == 403


def test_another_process_sees_a_change_once_its_book_rereads(api: Api, sev3: str) -> None:
    other = PolicyBook(api.db, api.tocsin.policies.deployment, seconds=3600)
    assert other[Severity.SEV3].update_cadence_minutes == 60  # read now, kept an hour
    ok(api.admin.put(sev3, json={"update_cadence_minutes": 7}))
    assert other[Severity.SEV3].update_cadence_minutes == 60  # not reread yet
    other.changed()  # as the hour passing would
    assert other[Severity.SEV3].update_cadence_minutes == 7


def test_stored_fields_go_over_the_deployment_fields_over_the_defaults() -> None:
    deployment = {
        s: p if s is not Severity.SEV1 else p.__class__(**{**p.__dict__, "name": "Outage"})
        for s, p in DEFAULT_POLICIES.items()
    }
    found = effective(deployment, {Severity.SEV1: {"update_cadence_minutes": 3}})
    assert found[Severity.SEV1].name == "Outage"
    assert found[Severity.SEV1].update_cadence_minutes == 3
    assert found[Severity.SEV2] == DEFAULT_POLICIES[Severity.SEV2]
