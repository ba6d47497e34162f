"""The audit log through the HTTP API: each configuration or access change leaves one entry
(who, what, before → after, when, from where), secrets never appear, the filters and the CSV
agree with each other, the database refuses to change an entry, and alerts and pages leave
nothing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.alerts.helpers import am_alert, post_alerts
from tests.builders import (
    integration,
    layer,
    level,
    ok,
    paged_service,
    person,
    policy,
    schedule,
    unique,
)
from tests.conftest import PASSWORD, Api, TestClock, sign_in, user_email
from tests.peers import SmtpServer
from tocsin.core.roles import AccessRole
from tocsin.worker.loop import Worker

RESPONDER, ADMIN = "token:test-responder", "token:test-admin"


def entries(api: Api, **filters: Any) -> list[dict[str, Any]]:
    """Every entry that matches, newest first (all the pages)."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 500, **filters}
    while True:
        page = ok(api.admin.get("/api/v1/audit", params=params))
        found += page["items"]
        if page["next_cursor"] is None:
            return found
        params["cursor"] = page["next_cursor"]


def of(api: Api, kind: str, object_id: int | str, **filters: Any) -> list[dict[str, Any]]:
    """The entries of one object, oldest first."""
    return list(reversed(entries(api, kind=kind, object=str(object_id), **filters)))


def newest_id(api: Api) -> int:
    items = ok(api.admin.get("/api/v1/audit", params={"limit": 1}))["items"]
    return int(items[0]["id"]) if items else 0


def test_changing_a_person_says_who_what_before_after_when_and_where(api: Api) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    ana = person(api, "Ana", email="ana@example.test")
    ok(api.responder.patch(f"/api/v1/people/{ana['id']}", json={"name": "Ana Lima"}))

    created, changed = of(api, "person", ana["id"])
    assert created["action"] == "create"
    assert created["before"] == {}
    assert created["after"]["handle"] == ana["handle"]
    assert created["after"]["email"] == "ana@example.test"
    assert changed["action"] == "update"
    assert changed["actor"] == RESPONDER
    assert changed["via"] == "api"
    assert changed["address"] == "127.0.0.1"
    assert changed["route"] == f"PATCH /api/v1/people/{ana['id']}"
    assert changed["object_label"] == ana["handle"]
    assert changed["before"] == {"name": "Ana"}  # the changed fields only
    assert changed["after"] == {"name": "Ana Lima"}
    assert started <= datetime.fromisoformat(changed["at"]) <= datetime.now(UTC)


def test_a_replaced_schedule_is_one_entry_with_the_layers_that_changed(api: Api) -> None:
    ana, bo = person(api, "Ana"), person(api, "Bo")
    made = schedule(api, [layer([ana["id"]], name="day"), layer([bo["id"]], name="night")])
    body = {
        "name": made["name"],
        "time_zone": made["time_zone"],
        "layers": [layer([ana["id"]], name="day"), layer([ana["id"], bo["id"]], name="night")],
    }
    ok(api.admin.put(f"/api/v1/schedules/{made['id']}", json=body))

    created, replaced = of(api, "schedule", made["id"])
    assert created["action"] == "create"
    assert [part["name"] for part in created["after"]["layers"]] == ["day", "night"]
    assert replaced["action"] == "update"
    assert replaced["route"] == f"PUT /api/v1/schedules/{made['id']}"
    assert replaced["object_label"] == made["name"]
    assert set(replaced["after"]) == {"layers"}  # the name, zone and day layer did not change
    (before,), (after,) = replaced["before"]["layers"], replaced["after"]["layers"]
    assert before["name"] == after["name"] == "night"
    assert [p["person_id"] for p in before["participants"]] == [bo["id"]]
    assert [p["person_id"] for p in after["participants"]] == [ana["id"], bo["id"]]


def test_a_policy_change_records_its_levels(api: Api) -> None:
    ana = person(api, "Ana")
    made = policy(api, [level(people=[ana["id"]], timeout=5)])
    body = {"name": made["name"], "repeat": 2, "levels": [level(people=[ana["id"]], timeout=9)]}
    ok(api.admin.put(f"/api/v1/escalation-policies/{made['id']}", json=body))

    changed = of(api, "escalation_policy", made["id"], action="update")[-1]
    assert changed["before"]["repeat"] == 0 and changed["after"]["repeat"] == 2
    assert [lv["timeout_minutes"] for lv in changed["before"]["levels"]] == [5]
    assert [lv["timeout_minutes"] for lv in changed["after"]["levels"]] == [9]
    assert changed["after"]["levels"][0]["targets"][0]["person_id"] == ana["id"]


def test_team_members_who_join_and_leave(api: Api) -> None:
    ana, bo = person(api, "Ana"), person(api, "Bo")
    team = ok(
        api.admin.post("/api/v1/teams", json={"name": unique("team"), "members": [ana["id"]]}),
        201,
    )
    ok(api.admin.patch(f"/api/v1/teams/{team['id']}", json={"members": [ana["id"], bo["id"]]}))
    ok(api.admin.delete(f"/api/v1/teams/{team['id']}/members/{ana['id']}"))

    ok(api.admin.patch(f"/api/v1/teams/{team['id']}/members/{bo['id']}", json={"role": "admin"}))

    created, joined, left, promoted = of(api, "team", team["id"])
    as_ana = {"person_id": ana["id"], "role": "member"}
    as_bo = {"person_id": bo["id"], "role": "member"}
    assert created["after"]["members"] == [as_ana]
    assert (joined["before"], joined["after"]) == ({"members": []}, {"members": [as_bo]})
    assert (left["before"], left["after"]) == ({"members": [as_ana]}, {"members": []})
    assert promoted["before"] == {"members": [as_bo]}
    assert promoted["after"] == {"members": [{"person_id": bo["id"], "role": "admin"}]}


def test_a_rotated_integration_key_is_recorded_as_rotated_never_its_value(api: Api) -> None:
    made = integration(api)
    rotated = ok(api.admin.post(f"/api/v1/integrations/{made['id']}/rotate"))

    created, rotation = of(api, "integration", made["id"])
    assert created["after"]["key_digest"] == "<secret>"
    assert rotation["actor"] == ADMIN
    assert rotation["route"] == f"POST /api/v1/integrations/{made['id']}/rotate"
    assert rotation["before"]["key_digest"] == "<secret>"
    assert rotation["after"]["key_digest"] == "<rotated>"
    from tocsin.alerts.integrations import digest

    everything = json.dumps([created, rotation])
    for secret in (made["key"], rotated["key"], digest(made["key"]), digest(rotated["key"])):
        assert secret not in everything


def test_a_user_made_changed_and_disabled_is_recorded_without_their_password(api: Api) -> None:
    from tocsin.access import accounts

    email = f"{unique('user')}@example.test"
    user = accounts.create_user(
        api.db, email=email, role=AccessRole.VIEWER, password=PASSWORD, created_by="tests"
    )
    ok(api.admin.patch(f"/api/v1/users/{user.id}", json={"role": "responder"}))
    ok(api.admin.patch(f"/api/v1/users/{user.id}", json={"disabled": True}))

    created, promoted, disabled = of(api, "user", user.id)
    assert created["action"] == "create" and created["object_label"] == email
    assert created["after"]["password_hash"] == "<secret>"
    assert (promoted["before"], promoted["after"]) == ({"role": "viewer"}, {"role": "responder"})
    assert promoted["actor"] == ADMIN
    assert disabled["before"] == {"disabled_at": None} and disabled["after"]["disabled_at"]
    with api.db.reading() as session:
        stored = session.scalar(
            text("SELECT password_hash FROM users WHERE id = :id"), {"id": user.id}
        )
    everything = json.dumps([created, promoted, disabled])
    assert PASSWORD not in everything and stored not in everything


def test_a_token_made_and_revoked_leaves_no_trace_of_the_token(api: Api) -> None:
    made = ok(api.admin.post("/api/v1/tokens", json={"name": unique("bot"), "role": "viewer"}), 201)
    ok(api.admin.delete(f"/api/v1/tokens/{made['id']}"))

    created, revoked = of(api, "api_token", made["id"])
    assert created["action"] == "create"
    assert created["after"]["digest"] == "<secret>"
    assert created["after"]["role"] == "viewer"
    assert revoked["action"] == "update"
    assert revoked["actor"] == ADMIN
    assert revoked["route"] == f"DELETE /api/v1/tokens/{made['id']}"
    assert revoked["before"] == {"revoked_at": None}
    assert revoked["after"]["revoked_at"] is not None
    from tocsin.access.service import digest

    everything = json.dumps([created, revoked]) + api.admin.get("/api/v1/audit.csv").text
    assert made["token"] not in everything
    assert digest(made["token"]) not in everything


def test_sealed_contact_addresses_never_appear(api: Api) -> None:
    slack = "https://93.184.215.14/services/T000/B000/sekrit-part-of-the-url"
    ana = person(api, "Ana", contacts={"slack": slack})
    method = ana["contacts"][0]
    (created,) = of(api, "contact_method", method["id"])
    assert created["after"]["sealed_address"] == "<secret>"
    assert "sekrit" not in json.dumps(created)
    ok(api.responder.delete(f"/api/v1/people/{ana['id']}/contact-methods/{method['id']}"), 204)
    deleted = of(api, "contact_method", method["id"])[-1]
    assert deleted["action"] == "delete"
    assert deleted["before"]["sealed_address"] == "<secret>" and deleted["after"] == {}
    assert "sekrit" not in json.dumps(deleted)


def test_filters_pages_and_the_csv_agree(api: Api) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    ana = person(api, "Ana")
    for name in ("Ana B", "Ana C", "Ana D"):
        ok(api.responder.patch(f"/api/v1/people/{ana['id']}", json={"name": name}))
    after = datetime.now(UTC) + timedelta(seconds=1)
    mine = {"kind": "person", "object": ana["handle"]}  # by label as by id

    assert len(entries(api, **mine)) == 4
    assert len(entries(api, kind="person", object=str(ana["id"]))) == 4
    assert len(entries(api, **mine, action="update")) == 3
    assert len(entries(api, **mine, actor=RESPONDER)) == 4
    assert entries(api, **mine, actor=ADMIN) == []
    assert len(entries(api, **mine, since=before.isoformat(), until=after.isoformat())) == 4
    assert entries(api, **mine, since=after.isoformat()) == []

    first = ok(api.admin.get("/api/v1/audit", params={**mine, "limit": 3}))
    rest = ok(
        api.admin.get("/api/v1/audit", params={**mine, "limit": 3, "cursor": first["next_cursor"]})
    )
    paged = first["items"] + rest["items"]
    assert rest["next_cursor"] is None
    assert paged == entries(api, **mine)
    assert [e["after"].get("name") for e in paged[:3]] == ["Ana D", "Ana C", "Ana B"]

    exported = api.admin.get("/api/v1/audit.csv", params=mine)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows == [cells(entry) for entry in paged]


def cells(entry: dict[str, Any]) -> dict[str, str]:
    """An entry of the JSON answer as its CSV line reads: ``before`` and ``after`` as JSON."""
    return {
        name: json.dumps(value, sort_keys=True, ensure_ascii=False)
        if name in ("before", "after")
        else ("" if value is None else str(value))
        for name, value in entry.items()
    }


def test_bad_filters_are_422_naming_the_field(api: Api) -> None:
    bad = api.admin.get("/api/v1/audit", params={"action": "rewrite"})
    assert bad.status_code == 422 and "action" in bad.text
    bad = api.admin.get("/api/v1/audit", params={"since": "yesterday"})
    assert bad.status_code == 422 and "since" in bad.text
    now = datetime.now(UTC).isoformat()
    bad = api.admin.get("/api/v1/audit.csv", params={"since": now, "until": now})
    assert bad.status_code == 422 and bad.json()["field"] == "until"
    bad = api.admin.get("/api/v1/audit", params={"cursor": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"


def test_only_admins_read_the_log(api: Api) -> None:
    assert api.responder.get("/api/v1/audit").status_code == 403
    assert api.viewer.get("/api/v1/audit.csv").status_code == 403
    with api.anonymous() as client:
        assert client.get("/api/v1/audit").status_code == 401


def test_the_database_refuses_to_change_or_delete_an_entry(api: Api) -> None:
    person(api, "Ana")
    last = newest_id(api)
    for statement in (
        "UPDATE audit_entries SET actor = 'someone else' WHERE id = :id",
        "DELETE FROM audit_entries WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"), api.db.engine.begin() as db:
            db.execute(text(statement), {"id": last})
    assert ok(api.admin.get("/api/v1/audit", params={"limit": 1}))["items"][0]["id"] == last
    assert api.admin.delete("/api/v1/audit").status_code == 405


def test_signing_in_on_the_web_pages_is_an_entry(api: Api) -> None:
    with httpx.Client(timeout=30) as browser:
        sign_in(browser, api, "viewer", next="/")
    email = user_email("viewer")
    signed_in = entries(api, action="sign_in", actor=email)[0]
    assert signed_in["via"] == "web"
    assert signed_in["object_kind"] == "user"
    assert signed_in["object_label"] == email
    assert signed_in["route"] == "POST /login"
    assert PASSWORD not in json.dumps(signed_in)


@pytest.fixture
def worker(api: Api, smtp_server: SmtpServer) -> Iterator[Worker]:
    settings = api.settings.model_copy(
        update={"smtp_host": smtp_server.host, "smtp_port": smtp_server.port}
    )
    running = Worker(replace(api.tocsin, settings=settings), name=unique("audit"))
    yield running
    running.pool.shutdown(wait=True)


def test_an_alert_and_its_page_leave_no_entry(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    ana = person(api, "Ana", contacts={"email": "ana@example.test"})
    made = integration(api, service=paged_service(api, [ana["id"]]))
    last = newest_id(api)

    (outcome,) = post_alerts(api, made["key"], am_alert(unique("host")))
    assert outcome["incident_id"] is not None
    worker.run_until_idle()
    assert any(m.rcpt_tos == ["ana@example.test"] for m in smtp_server.mailbox.received)
    ok(
        api.responder.post(
            f"/api/v1/incidents/{outcome['incident_id']}/status", json={"status": "resolved"}
        )
    )
    worker.run_until_idle()

    assert newest_id(api) == last


def test_an_apply_is_its_callers_through_config_as_code(api: Api) -> None:
    from tests.config_as_code.helpers import applied, config, suffix

    s = suffix()
    done = applied(api, config(s), source="ops/tocsin.yaml")

    (ana,) = entries(api, kind="person", object=f"ana-{s}")
    assert (ana["action"], ana["actor"], ana["via"]) == ("create", ADMIN, "config")
    assert ana["route"] == "POST /api/v1/config/apply"
    (record,) = entries(api, kind="config_apply", object=str(done["apply_id"]))
    assert record["object_label"] == "ops/tocsin.yaml"
    assert record["after"]["outcome"] == "applied"
    (team,) = entries(api, kind="team", object=f"Payments {s}")
    assert len(team["after"]["members"]) == 2
    kinds = {e["object_kind"] for e in entries(api, since=ana["at"]) if e["via"] == "config"}
    assert {"schedule", "escalation_policy", "service", "integration", "silence"} <= kinds


def test_a_status_component_set_by_hand_is_an_entry_its_computed_status_is_not(
    api: Api,
) -> None:
    from tests.statuspage.helpers import component, declare, set_status

    service_name = unique("svc")
    made = component(api, services=[service_name])
    incident = declare(api, service_name, severity="SEV1")
    set_status(api, incident["id"], "resolved")
    assert of(api, "status_component", made["id"], action="update") == []

    url = f"/api/v1/statuspage/components/{made['id']}"
    ok(api.responder.patch(url, json={"status": "under_maintenance"}))
    (changed,) = of(api, "status_component", made["id"], action="update")
    assert changed["before"] == {"override_status": None}
    assert changed["after"] == {"override_status": "under_maintenance"}


def test_a_silence_the_worker_makes_is_the_systems(api: Api, clock: TestClock) -> None:
    from tests.alerts.test_maintenance_silences import HOUR, maintenance, silences_of
    from tests.statuspage.helpers import clean_page

    service_name = unique("orders")
    integration(api, service=service_name)
    made = maintenance(api, service_name, silence_alerts=True)
    running = Worker(api.tocsin, name=unique("audit"), channels={})
    try:
        clock.advance(HOUR)  # the maintenance starts, by its timer
        running.run_until_idle()
        (silence,) = silences_of(api, made["id"])
    finally:
        running.pool.shutdown(wait=True)
        clean_page(api)
    created = of(api, "silence", silence["id"])[0]  # then the page's cleaning ends it
    assert (created["action"], created["actor"], created["via"], created["route"]) == (
        "create",
        "system",
        "worker",
        "timer statuspage_maintenance",
    )
    assert created["address"] is None
