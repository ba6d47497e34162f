"""A file's ``severity_policies``: planned field by field, applied (the next incidents follow
them), exported, idempotent; ``--prune`` puts a severity back to the deployment's policy."""

from __future__ import annotations

from datetime import datetime, timedelta

import yaml

from tests.builders import declare, ok, unique
from tests.config_as_code.helpers import applied, exported, planned, send
from tests.conftest import Api

FILE = """\
severity_policies:
  - key: sev3
    update_cadence_minutes: 5
    postmortem_required: true
"""


def _sev3(api: Api) -> dict:
    found: dict = ok(api.admin.get("/api/v1/severity-policies/SEV3"))
    return found


def _cadence_and_postmortem(api: Api) -> tuple[timedelta, bool]:
    made = declare(api, severity="SEV3", services=[unique("svc")])
    cadence = datetime.fromisoformat(made["next_update_due_at"]) - datetime.fromisoformat(
        made["created_at"]
    )
    body = {"status": "resolved"}
    ok(api.responder.post(f"/api/v1/incidents/{made['id']}/status", json=body))
    postmortem = api.viewer.get(f"/api/v1/incidents/{made['id']}/postmortem")
    return cadence, postmortem.status_code == 200


def test_a_file_changes_a_policy_field_by_field_and_incidents_follow(fresh: Api) -> None:
    assert _cadence_and_postmortem(fresh) == (timedelta(minutes=60), False)
    plan = planned(fresh, FILE)
    [change] = plan["changes"]
    assert (change["section"], change["key"], change["action"]) == (
        "severity_policies",
        "sev3",
        "change",
    )
    assert {(f["path"], f["old"], f["new"]) for f in change["fields"]} == {
        ("update_cadence_minutes", 60, 5),
        ("postmortem_required", False, True),
    }
    applied(fresh, FILE)
    assert _sev3(fresh)["stored"] == {"update_cadence_minutes": 5, "postmortem_required": True}
    assert planned(fresh, FILE)["changes"] == []  # a second apply changes nothing
    assert applied(fresh, FILE)["changes"] == []
    assert _cadence_and_postmortem(fresh) == (timedelta(minutes=5), True)

    [sev1, sev2, sev3, sev4] = exported(fresh)["severity_policies"]
    assert [sev1["key"], sev2["key"], sev4["key"]] == ["sev1", "sev2", "sev4"]
    shown = {k: v for k, v in _sev3(fresh).items() if k not in ("severity", "stored")}
    assert sev3 == {"key": "sev3", **shown}
    assert sev3["update_cadence_minutes"] == 5
    assert sev3["name"] == "Medium"


def test_a_change_made_by_the_api_shows_in_the_plan_and_the_file_wins(fresh: Api) -> None:
    ok(fresh.admin.put("/api/v1/severity-policies/SEV3", json={"update_cadence_minutes": 20}))
    [change] = planned(fresh, FILE)["changes"]
    paths = {f["path"]: (f["old"], f["new"]) for f in change["fields"]}
    assert paths["update_cadence_minutes"] == (20, 5)
    applied(fresh, FILE)
    assert _sev3(fresh)["update_cadence_minutes"] == 5


def test_without_prune_a_left_out_severity_stays_with_prune_it_goes_back(fresh: Api) -> None:
    applied(fresh, FILE)
    assert planned(fresh, "people: []\n")["changes"] == []
    [change] = planned(fresh, "people: []\n", prune=True)["changes"]
    assert change["action"] == "change"  # not deleted: back to the deployment's policy
    assert {(f["path"], f["old"], f["new"]) for f in change["fields"]} == {
        ("update_cadence_minutes", 5, 60),
        ("postmortem_required", True, False),
    }
    applied(fresh, "people: []\n", prune=True)
    assert _sev3(fresh)["stored"] == {}
    assert _sev3(fresh)["update_cadence_minutes"] == 60
    assert planned(fresh, "people: []\n", prune=True)["changes"] == []
    # a severity named with no field is the deployment's policy too
    applied(fresh, FILE)
    applied(fresh, "severity_policies: [{key: sev3}]\n")
    assert _sev3(fresh)["update_cadence_minutes"] == 60


def test_the_export_applies_to_itself(fresh: Api) -> None:
    applied(fresh, FILE)
    first = exported(fresh)
    text = yaml.safe_dump(first, sort_keys=False)
    assert planned(fresh, text)["changes"] == []
    applied(fresh, text)
    assert exported(fresh) == first


def test_bad_policy_values_name_the_place_in_the_file(fresh: Api) -> None:
    for text, field in [
        (
            "severity_policies:\n  - key: sev3\n    update_cadence_minutes: 0\n",
            "severity_policies.0.update_cadence_minutes",
        ),
        ("severity_policies:\n  - key: sev9\n", "severity_policies.0.key"),
        ("severity_policies:\n  - key: sev3\n    colour: red\n", "severity_policies.0.colour"),
        ("severity_policies:\n  - {key: sev3}\n  - {key: sev3}\n", "severity_policies"),
    ]:
        response = send(fresh, "plan", text)
        assert response.status_code == 422, text
        assert response.json()["field"].startswith(field), response.json()
    assert _sev3(fresh)["stored"] == {}
