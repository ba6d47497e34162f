"""Export → apply → export is identical; ``--prune`` deletes what the file leaves out; the
export holds no secret. Each test has a database of its own (a prune deletes everything else)."""

from __future__ import annotations

from datetime import timedelta

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import contact, ok, person
from tests.config_as_code.helpers import applied, config, exported, planned, send, suffix
from tests.conftest import Api
from tocsin import clock
from tocsin.alerts.maintenance_silences import on_maintenance_changed
from tocsin.statuspage.maintenance.hooks import MaintenanceWindowChanged

SLACK = "https://93.184.215.14/services/T000/B000/very-secret-token"


def _yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def test_export_apply_export_is_identical_and_adopts_what_no_file_named(fresh: Api) -> None:
    s = suffix()
    applied(fresh, config(s))
    # objects made by hand, outside any file: exported under <kind>-<id> keys
    hand = person(fresh, "Cy", contacts={"email": "cy@example.test"})
    contact(fresh, hand["id"], "slack", SLACK)
    first = exported(fresh)
    assert f"person-{hand['id']}" in {p["key"] for p in first["people"]}

    plan = planned(fresh, _yaml(first))
    assert plan["changes"] == []
    applied(fresh, _yaml(first))
    assert exported(fresh) == first
    people = ok(fresh.viewer.get("/api/v1/people"))
    assert len(people) == 3  # adopted, not copied


def test_the_export_holds_no_secret(fresh: Api) -> None:
    s = suffix()
    done = applied(fresh, config(s))
    hand = person(fresh, "Cy")
    contact(fresh, hand["id"], "slack", SLACK)
    text = _yaml(exported(fresh))
    for secret in done["secrets"]:
        for name, value in secret.items():
            if name in ("key", "signing_secret"):
                assert value not in text
    assert "very-secret-token" not in text
    assert "address: null" in text  # the Slack URL is left out...
    again = planned(fresh, text)  # ...and a method without one keeps the URL it has
    assert again["changes"] == []


def test_prune_deletes_only_what_the_file_leaves_out(fresh: Api) -> None:
    s = suffix()
    applied(fresh, config(s))
    without_alerting = config(s).split("integrations:")[0]
    assert planned(fresh, without_alerting)["changes"] == []
    plan = planned(fresh, without_alerting, prune=True)
    assert [(c["action"], c["section"]) for c in plan["changes"]] == [
        ("delete", "silences"),
        ("delete", "integrations"),
    ]
    applied(fresh, without_alerting, prune=True)
    assert ok(fresh.viewer.get("/api/v1/integrations")) == []
    assert planned(fresh, without_alerting, prune=True)["changes"] == []

    only_people = config(s).split("teams:")[0]
    plan = planned(fresh, only_people, prune=True)
    assert [c["section"] for c in plan["changes"]] == [
        "services",
        "escalation_policies",
        "schedules",
        "teams",
    ]
    applied(fresh, only_people, prune=True)
    assert exported(fresh)["schedules"] == []
    assert len(exported(fresh)["people"]) == 2


names = st.text(alphabet="abcdefghij XYZ", min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=names,
    length=st.integers(min_value=1, max_value=30),
    delays=st.lists(st.integers(min_value=0, max_value=1440), min_size=1, max_size=3, unique=True),
    timeouts=st.lists(st.integers(min_value=1, max_value=1440), min_size=1, max_size=3),
    cadence=st.none() | st.integers(min_value=1, max_value=1440),
    postmortem=st.booleans(),
    severity=st.sampled_from(["sev1", "sev2", "sev3", "sev4"]),
)
def test_any_applied_file_exports_to_itself(
    fresh: Api,
    name: str,
    length: int,
    delays: list[int],
    timeouts: list[int],
    cadence: int | None,
    postmortem: bool,
    severity: str,
) -> None:
    s = suffix()
    rules = "\n".join(f"      - {{contact: mail, delay_minutes: {d}}}" for d in delays)
    levels = "\n".join(
        f"      - timeout_minutes: {t}\n        targets: [{{person: p-{s}}}]" for t in timeouts
    )
    text = f"""\
people:
  - key: p-{s}
    name: "{name}"
    handle: p-{s}
    contact_methods:
      - {{key: mail, kind: email, label: mail, address: p-{s}@example.test}}
    notification_rules:
{rules}
schedules:
  - key: s-{s}
    name: "{name} {s}"
    time_zone: America/New_York
    layers:
      - position: 1
        kind: days
        length: {length}
        start: "2030-03-08T01:30:00-05:00"
        participants: [p-{s}]
escalation_policies:
  - key: e-{s}
    name: "{name}"
    levels:
{levels}
severity_policies:
  - key: {severity}
    name: "{name}"
    update_cadence_minutes: {"null" if cadence is None else cadence}
    postmortem_required: {str(postmortem).lower()}
"""
    applied(fresh, text)
    first = exported(fresh)
    assert planned(fresh, _yaml(first))["changes"] == []
    applied(fresh, _yaml(first))
    assert exported(fresh) == first
    assert planned(fresh, text)["changes"] == []
    [policy] = [p for p in first["severity_policies"] if p["key"] == severity]
    assert (policy["name"], policy["update_cadence_minutes"]) == (name, cadence)
    assert policy["postmortem_required"] is postmortem


def test_a_maintenance_silence_is_the_maintenances_not_the_files(fresh: Api) -> None:
    s = suffix()
    applied(fresh, config(s))
    now = clock.now()
    window = MaintenanceWindowChanged(
        page_id=1,
        maintenance_id=7,
        name="Database upgrade",
        services=(f"payments-{s}",),
        silence=True,
        until=now + timedelta(hours=2),
        at=now,
    )
    with fresh.db.transaction() as session:  # as the maintenance starting does
        on_maintenance_changed(session, window, state=fresh.tocsin.ingest)
    made = [
        silence
        for silence in ok(fresh.viewer.get("/api/v1/silences"))
        if silence["created_by"] == "maintenance:7"
    ]
    assert len(made) == 1
    assert [x["key"] for x in exported(fresh)["silences"]] == [f"deploys-{s}"]
    assert planned(fresh, config(s), prune=True)["changes"] == []  # nor pruned


def test_an_apply_that_fails_at_its_last_change_leaves_everything_as_it_was(fresh: Api) -> None:
    s = suffix()
    people = f"""\
people:
  - {{key: ana, name: Ana, handle: ana-{s}}}
"""
    schedule = """\
schedules:
  - key: primary
    name: NAME
    time_zone: UTC
    layers:
      - {position: 1, kind: weekly, length: 1, start: "2030-01-07T09:00:00Z", participants: [ana]}
"""
    bob = f"  - {{key: bob, name: Bob, handle: bob-{s}}}\n"
    overrides = """\
    overrides:
      - {person: bob, start: "2030-02-01T00:00:00Z", end: "2030-02-02T00:00:00Z"}
"""
    applied(fresh, people + bob + schedule.replace("NAME", "Primary") + overrides)
    before = exported(fresh)

    # Bob is left out (pruned) but keeps his override: the schedule's overrides are left as
    # they are. Deleting people comes last, after every other change: it fails there.
    rest = f"""\
services:
  - {{key: api, name: api-{s}}}
integrations:
  - {{key: prom, kind: alertmanager, name: prom, service: api-{s}}}
severity_policies:
  - {{key: sev3, update_cadence_minutes: 5}}
"""
    text = people + schedule.replace("NAME", "Renamed") + rest
    plan = planned(fresh, text, prune=True)
    assert plan["changes"][-1]["key"] == "bob"
    response = send(fresh, "apply", text, prune=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["error"].startswith("people.bob (delete): ")
    assert "override" in body["error"]
    assert body["changes"] == []
    assert body["secrets"] == []  # the integration made on the way is rolled back too
    assert exported(fresh) == before
    assert ok(fresh.admin.get("/api/v1/integrations")) == []
    assert ok(fresh.admin.get("/api/v1/severity-policies/SEV3"))["stored"] == {}
    record = ok(fresh.admin.get("/api/v1/config/applies", params={"limit": 1}))[0]
    assert (record["outcome"], record["error"], record["changes"]) == (
        "failed",
        body["error"],
        [],
    )
    # the same file, fixed, then applies whole
    moved = overrides.replace("person: bob", "person: ana")
    fixed = people + schedule.replace("NAME", "Renamed") + moved + rest
    done = applied(fresh, fixed, prune=True)
    assert [s["what"] for s in done["secrets"]] == ["integrations.prom"]
    assert planned(fresh, fixed, prune=True)["changes"] == []
    assert ok(fresh.admin.get("/api/v1/severity-policies/SEV3"))["update_cadence_minutes"] == 5
