"""The incidents API over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.builders import declare, timeline
from tests.conftest import Api, TestClock
from tocsin.core.severity import Severity


def move(api: Api, incident_id: int, status: str) -> Any:
    return api.responder.post(f"/api/v1/incidents/{incident_id}/status", json={"status": status})


def test_declare_records_who_what_when(api: Api) -> None:
    started = (datetime.now(UTC) - timedelta(minutes=20)).isoformat()
    incident = declare(
        api,
        severity="P0",
        impact_started_at=started,
        detection_source="customer_report",
        commander="alice",
        services=["checkout", "payments", "checkout"],
    )
    assert incident["reference"] == f"INC-{incident['id']}"
    assert incident["severity"] == "SEV1"
    assert incident["status"] == "triggered"
    assert incident["services"] == ["checkout", "payments"]
    assert incident["detection_source"] == "customer_report"
    assert incident["impact_started_at"] < incident["detected_at"]
    assert incident["roles"][0]["role"] == "incident_commander"
    assert incident["roles"][0]["holder"] == "alice"
    assert incident["learning"] == "pending"
    assert incident["created_by"] == "token:test-responder"
    due = datetime.fromisoformat(incident["next_update_due_at"])
    assert due - datetime.fromisoformat(incident["created_at"]) == timedelta(minutes=15)
    kinds = [e["kind"] for e in timeline(api, incident["id"])]
    assert kinds == ["declared", "role_assigned"]


def test_full_lifecycle_with_one_event_per_change(api: Api) -> None:
    incident = declare(api)
    iid = incident["id"]
    steps = ["acknowledged", "investigating", "identified", "mitigated", "resolved"]
    for status in steps:
        response = move(api, iid, status)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    body = api.viewer.get(f"/api/v1/incidents/{iid}").json()
    stamps = [body[k] for k in ("detected_at", "acknowledged_at", "mitigated_at", "resolved_at")]
    assert all(stamps) and stamps == sorted(stamps)
    events = timeline(api, iid)
    changes = [
        (e["data"]["from"], e["data"]["to"]) for e in events if e["kind"] == "status_changed"
    ]
    assert changes == list(zip(["triggered", *steps], steps, strict=False))
    assert all(e["actor"] == "token:test-responder" for e in events)
    # one event per change, and the SEV2's resolution opened its postmortem
    assert len(events) == 1 + len(steps) + 1 and events[-1]["kind"] == "postmortem_opened"


def test_illegal_move_is_409_listing_allowed_moves(api: Api) -> None:
    iid = declare(api, severity="SEV3")["id"]  # no postmortem opens on its resolution
    assert move(api, iid, "resolved").status_code == 200
    response = move(api, iid, "acknowledged")
    assert response.status_code == 409
    body = response.json()
    assert body["allowed"] == ["investigating", "closed"]
    assert body["current"] == "resolved"
    assert "cannot move from resolved to acknowledged" in body["message"]
    assert len(timeline(api, iid)) == 2  # the refused move left no trace


def test_close_needs_learning_done_or_waived(api: Api) -> None:
    iid = declare(api, severity="SEV1")["id"]
    move(api, iid, "resolved")
    refused = move(api, iid, "closed")
    assert refused.status_code == 409
    assert "postmortem" in refused.json()["message"]
    no_reason = api.responder.put(f"/api/v1/incidents/{iid}/learning", json={"state": "waived"})
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "reason"
    waived = api.responder.put(
        f"/api/v1/incidents/{iid}/learning", json={"state": "waived", "reason": "test drill"}
    )
    assert waived.json()["learning"] == "waived"
    closed = move(api, iid, "closed")
    assert closed.status_code == 200
    assert closed.json()["closed_at"] is not None
    assert closed.json()["allowed_transitions"] == []


def test_sev3_closes_without_postmortem(api: Api) -> None:
    declared = declare(api, severity="SEV3")
    assert declared["learning"] == "not_required"
    assert move(api, declared["id"], "resolved").status_code == 200
    closed = move(api, declared["id"], "closed")
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["learning"]) == ("closed", "not_required")


def test_reopen_after_resolve(api: Api) -> None:
    iid = declare(api)["id"]
    move(api, iid, "resolved")
    reopened = move(api, iid, "investigating").json()
    assert reopened["status"] == "investigating"
    assert reopened["resolved_at"] is None


def test_severity_change_needs_reason_and_reschedules_updates(api: Api) -> None:
    incident = declare(api, severity="SEV3")
    iid = incident["id"]
    missing = api.responder.post(f"/api/v1/incidents/{iid}/severity", json={"severity": "SEV1"})
    assert missing.status_code == 422
    assert missing.json()["field"] == "reason"
    changed = api.responder.post(
        f"/api/v1/incidents/{iid}/severity", json={"severity": "P0", "reason": "all EU down"}
    ).json()
    assert changed["severity"] == "SEV1"
    assert changed["learning"] == "pending"
    assert changed["next_update_due_at"] < incident["next_update_due_at"]
    last = timeline(api, iid)[-1]
    assert last["kind"] == "severity_changed"
    assert last["data"] == {"from": "SEV3", "to": "SEV1", "reason": "all EU down"}


def test_roles_assign_and_hand_over(api: Api) -> None:
    iid = declare(api)["id"]
    url = f"/api/v1/incidents/{iid}/roles"
    api.responder.put(f"{url}/incident_commander", json={"holder": "alice"})
    handed = api.responder.put(
        f"{url}/incident_commander", json={"holder": "bob", "reason": "shift change"}
    ).json()
    api.responder.put(f"{url}/subject_matter_expert", json={"holder": "carol"})
    both = api.responder.put(f"{url}/subject_matter_expert", json={"holder": "dave"}).json()
    assert [r["holder"] for r in handed["roles"]] == ["bob"]
    holders = {(r["role"], r["holder"]) for r in both["roles"]}
    assert holders == {
        ("incident_commander", "bob"),
        ("subject_matter_expert", "carol"),
        ("subject_matter_expert", "dave"),
    }
    again = api.responder.put(f"{url}/incident_commander", json={"holder": "bob"})
    assert again.status_code == 409
    handover = [e for e in timeline(api, iid) if e["kind"] == "role_assigned"][1]
    assert handover["data"] == {
        "role": "incident_commander",
        "holder": "bob",
        "previous": "alice",
        "reason": "shift change",
    }
    released = api.responder.delete(f"{url}/subject_matter_expert", params={"holder": "carol"})
    assert {r["holder"] for r in released.json()["roles"]} == {"bob", "dave"}
    unknown_role = api.responder.put(f"{url}/janitor", json={"holder": "x"})
    assert unknown_role.status_code == 422
    assert unknown_role.json()["field"] == "role"


def test_update_on_template_sets_next_due(api: Api) -> None:
    iid = declare(api, severity="SEV1")["id"]
    body = {"status": "Rolling back", "impact": "EU checkout down", "actions": "rollback 1.2.3"}
    posted = api.responder.post(f"/api/v1/incidents/{iid}/updates", json=body)
    assert posted.status_code == 201
    incident = posted.json()
    due = datetime.fromisoformat(incident["next_update_due_at"])
    assert due - datetime.fromisoformat(incident["last_update_at"]) == timedelta(minutes=15)
    eta = api.responder.post(
        f"/api/v1/incidents/{iid}/updates", json=body | {"next_update_in_minutes": 5}
    ).json()
    due = datetime.fromisoformat(eta["next_update_due_at"])
    assert due - datetime.fromisoformat(eta["last_update_at"]) == timedelta(minutes=5)
    updates = api.viewer.get(f"/api/v1/incidents/{iid}/updates").json()
    assert [u["status"] for u in updates] == ["Rolling back", "Rolling back"]
    assert updates[0]["next_update_due_at"] == eta["next_update_due_at"]


def test_overdue_update_is_flagged(api: Api, clock: TestClock) -> None:
    iid = declare(api, severity="SEV1")["id"]
    assert api.viewer.get(f"/api/v1/incidents/{iid}").json()["update_overdue"] is False
    clock.advance(timedelta(minutes=14))  # SEV1: an update every 15 minutes
    assert api.viewer.get(f"/api/v1/incidents/{iid}").json()["update_overdue"] is False
    clock.advance(timedelta(minutes=2))
    assert api.viewer.get(f"/api/v1/incidents/{iid}").json()["update_overdue"] is True


def test_notes_and_edits_are_on_the_timeline(api: Api) -> None:
    iid = declare(api)["id"]
    api.responder.post(f"/api/v1/incidents/{iid}/notes", json={"body": "error rate 12%"})
    api.responder.patch(f"/api/v1/incidents/{iid}", json={"services": ["cart"], "title": "Cart"})
    events = timeline(api, iid)
    assert events[-2]["data"] == {"body": "error rate 12%"}
    assert events[-1]["kind"] == "details_changed"
    assert events[-1]["data"]["from"] == {"services": ["checkout"], "title": "Checkout errors"}
    incident = api.viewer.get(f"/api/v1/incidents/{iid}").json()
    assert (incident["title"], incident["services"]) == ("Cart", ["cart"])


def test_list_filters_and_paginates(api: Api) -> None:
    tag = f"svc-{api.backend}-filter"
    ids = [declare(api, severity=sev, services=[tag])["id"] for sev in ["SEV1", "SEV3", "SEV3"]]
    move(api, ids[2], "resolved")
    by_service = api.viewer.get("/api/v1/incidents", params={"service": tag}).json()
    assert [i["id"] for i in by_service["items"]] == ids[::-1]
    sev3 = api.viewer.get("/api/v1/incidents", params={"service": tag, "severity": "P2"}).json()
    assert [i["id"] for i in sev3["items"]] == [ids[2], ids[1]]
    open_ones = api.viewer.get(
        "/api/v1/incidents", params={"service": tag, "status": ["triggered", "acknowledged"]}
    ).json()
    assert [i["id"] for i in open_ones["items"]] == [ids[1], ids[0]]
    pages: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"service": tag, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.viewer.get("/api/v1/incidents", params=params).json()
        pages += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == ids[::-1]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    empty = api.viewer.get("/api/v1/incidents", params={"service": tag, "since": future}).json()
    assert empty["items"] == []


def test_severity_policies_are_visible(api: Api) -> None:
    policies = api.viewer.get("/api/v1/severities").json()
    assert [p["severity"] for p in policies] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert policies[0]["update_cadence_minutes"] == 15
    assert policies[0]["postmortem_required"] is True
    served = api.settings.policies  # the defaults: the suite overrides none
    assert [(p["name"], p["definition"]) for p in policies] == [
        (served[s].name, served[s].definition) for s in Severity
    ]


def test_concurrent_changes_are_serialized(api: Api) -> None:
    """Two responders acknowledging at once: one wins, the other gets 409, one event."""
    from concurrent.futures import ThreadPoolExecutor

    iid = declare(api)["id"]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: move(api, iid, "acknowledged").status_code, range(8)))
    assert sorted(codes) == [200] + [409] * 7
    assert [e["kind"] for e in timeline(api, iid)].count("status_changed") == 1


BAD_INPUT = [
    ("post", "/api/v1/incidents", {"severity": "SEV1"}, 422, "title"),
    ("post", "/api/v1/incidents", {"title": "x", "severity": "SEV9"}, 422, "severity"),
    ("post", "/api/v1/incidents", {"title": "x" * 201, "severity": "SEV1"}, 422, "title"),
    ("post", "/api/v1/incidents", {"title": 5, "severity": "SEV1"}, 422, "title"),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "severity": "SEV1", "services": "a"},
        422,
        "services",
    ),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "severity": "SEV1", "services": ["bad;name"]},
        422,
        "services.0",
    ),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "severity": "SEV1", "detection_source": "psychic"},
        422,
        "detection_source",
    ),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "severity": "SEV1", "impact_started_at": "2999-01-01T00:00:00Z"},
        422,
        "impact_started_at",
    ),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "severity": "SEV1", "impact_started_at": "2026-01-01T00:00:00"},
        422,
        "impact_started_at",
    ),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "severity": "SEV1", "colour": "red"},
        422,
        "colour",
    ),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "severity": "SEV1", "status": "closed"},
        409,
        "status",
    ),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "severity": "SEV1", "summary": "y" * 10_001},
        422,
        "summary",
    ),
    ("get", "/api/v1/incidents/999999", None, 404, "incident_id"),
    ("get", "/api/v1/incidents/abc", None, 422, "incident_id"),
    ("post", "/api/v1/incidents/999999/status", {"status": "resolved"}, 404, "incident_id"),
    ("get", "/api/v1/incidents?severity=SEV7", None, 422, "severity"),
    ("get", "/api/v1/incidents?status=done", None, 422, "status.0"),
    ("get", "/api/v1/incidents?limit=0", None, 422, "limit"),
    ("get", "/api/v1/incidents?cursor=zzz", None, 422, "cursor"),
    ("get", "/api/v1/incidents?since=yesterday", None, 422, "since"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), BAD_INPUT)
def test_bad_input_names_the_field(
    api: Api, method: str, path: str, body: Any, status: int, field: str
) -> None:
    response = api.responder.request(method, path, json=body)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert response.json()["message"]


def test_malformed_json_and_oversized_body(api: Api) -> None:
    broken = api.responder.post(
        "/api/v1/incidents", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400  # unreadable, as opposed to a wrong value (422)
    assert broken.json()["error"] == "bad_request"
    assert broken.json()["field"] == "body"
    huge = api.responder.post(
        "/api/v1/incidents",
        content=b'{"title": "' + b"x" * 2_000_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.json()["field"] == "body"
