"""An incident recalls the past incidents like it — same service, same alert name or key,
a similar title — with their postmortems and the action items still not done; the worker
records the recurrence for metrics."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from tests.alerts.helpers import am_alert, incident_id_of, post_alerts
from tests.builders import declare, integration, ok, unique
from tests.conftest import Api, TestClock, session_cookie, sign_in
from tests.postmortems.conftest import postmortem_of, resolve
from tocsin.recurrence.service import recurrences_in, recurring_ids_in
from tocsin.recurrence.tables import IncidentRecurrence
from tocsin.worker.loop import Worker


def word() -> str:
    return "w" + uuid.uuid4().hex[:10]


def title() -> str:
    """A title sharing no word with any other test's."""
    return f"{word()} {word()}"


def similar(api: Api, incident_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(api.viewer.get(f"/api/v1/incidents/{incident_id}/similar"))
    return found


def item(api: Api, pm_id: int, text: str, status: str | None = None) -> dict[str, Any]:
    url = f"/api/v1/postmortems/{pm_id}/action-items"
    made: dict[str, Any] = ok(
        api.responder.post(url, json={"title": text, "owner": {"name": "Kim"}}), 201
    )
    if status:
        patch = {"status": status}
        made = ok(api.responder.patch(f"/api/v1/action-items/{made['id']}", json=patch))
    return made


def test_the_same_service_recalls_the_earlier_incident_only(api: Api) -> None:
    svc = unique("svc")
    past = declare(api, title=title(), services=[svc])["id"]
    declare(api, title=title(), services=[unique("svc")])
    now = declare(api, title=title(), services=[unique("svc"), svc])["id"]
    [found] = similar(api, now)
    assert found["incident_id"] == past and found["reasons"] == [f"service:{svc}"]
    assert found["postmortem"] is None and found["action_items"] == []
    assert found["url"] == f"/incidents/{past}" and not found["fix_unfinished"]
    assert similar(api, past) == []  # a later incident is not a past one


def test_the_same_alert_name_or_key_recalls_the_earlier_incident(api: Api) -> None:
    name = "Alert" + word()
    mapping = {"critical": "SEV3"}
    first = integration(api, service=unique("svc"), severity_mapping=mapping)
    [opened] = post_alerts(api, first["key"], am_alert("host-1", alertname=name))
    past = incident_id_of(opened)
    resolve(api, past)
    other = integration(api, service=unique("svc"), severity_mapping=mapping)
    [again] = post_alerts(api, other["key"], am_alert("host-2", alertname=name))
    by_name = incident_id_of(again)
    [found] = similar(api, by_name)
    assert found["incident_id"] == past and f"alert_name:{name}" in found["reasons"]
    assert not any(r.startswith(("service:", "alert_key:")) for r in found["reasons"])
    resolve(api, by_name)
    [repeat] = post_alerts(api, first["key"], am_alert("host-1", alertname=name))
    by_key = incident_id_of(repeat)
    assert by_key not in (past, by_name)
    alike = {s["incident_id"]: s["reasons"] for s in similar(api, by_key)}
    assert set(alike) == {past, by_name}
    assert any(r.startswith("alert_key:") for r in alike[past])
    assert not any(r.startswith("alert_key:") for r in alike[by_name])


def test_a_similar_title_recalls_an_incident_that_has_a_postmortem(api: Api) -> None:
    shared = word()
    past = declare(api, title=f"Ledger {shared} replication lag", services=[unique("svc")])
    ok(api.responder.post(f"/api/v1/incidents/{past['id']}/postmortem"), 201)
    one_word = declare(api, title=f"{shared} disk full", services=[unique("svc")])
    ok(api.responder.post(f"/api/v1/incidents/{one_word['id']}/postmortem"), 201)
    now = declare(api, title=f"{shared} replication lagging again", services=[unique("svc")])
    [found] = similar(api, now["id"])
    assert found["incident_id"] == past["id"] and found["reasons"] == ["title"]
    assert found["postmortem"]["url"] == f"/postmortems/{found['postmortem']['id']}"


def test_an_unfinished_fix_is_shown_on_the_incident_and_its_page(api: Api) -> None:
    svc = unique("svc")
    past = declare(api, title=title(), services=[svc])["id"]
    resolve(api, past)  # SEV2: its postmortem opens
    pm = postmortem_of(api, past)
    unfinished = item(api, pm["id"], "Add <b>backoff</b> to retries")
    item(api, pm["id"], "Raise the pool size", status="done")
    started = item(api, pm["id"], "Alert on pool use", status="in_progress")
    now = declare(api, title=title(), services=[svc])["id"]
    [found] = similar(api, now)
    assert found["postmortem"] == {
        "id": pm["id"],
        "status": "draft",
        "url": f"/postmortems/{pm['id']}",
    }
    assert found["fix_unfinished"]
    assert [i["id"] for i in found["unfinished_action_items"]] == [unfinished["id"], started["id"]]
    assert sorted(i["status"] for i in found["action_items"]) == ["done", "in_progress", "open"]
    with httpx.Client(base_url=api.url, follow_redirects=True) as browser:
        sign_in(browser, api, "viewer")
        page = browser.get(f"/incidents/{now}").text
    assert "This happened before" in page and f'href="/postmortems/{pm["id"]}"' in page
    assert "The fix was not finished" in page
    assert "Add &lt;b&gt;backoff&lt;/b&gt; to retries" in page and "<b>backoff" not in page


def test_a_resolved_and_fixed_past_incident_shows_its_items_done(api: Api) -> None:
    svc = unique("svc")
    past = declare(api, title=title(), services=[svc])["id"]
    resolve(api, past)
    pm = postmortem_of(api, past)
    item(api, pm["id"], "Raise the pool size", status="done")
    item(api, pm["id"], "Retire the old pool", status="done")
    now = declare(api, title=title(), services=[svc])["id"]
    [found] = similar(api, now)
    assert found["status"] == "resolved" and not found["fix_unfinished"]
    assert found["unfinished_action_items"] == []
    assert [i["status"] for i in found["action_items"]] == ["done", "done"]
    with httpx.Client(base_url=api.url, follow_redirects=True) as browser:
        sign_in(browser, api, "viewer")
        page = browser.get(f"/incidents/{now}").text
    assert "This happened before" in page and "The fix was not finished" not in page


def test_the_worker_records_recurrences_once_for_metrics(
    api: Api, worker: Worker, clock: TestClock
) -> None:
    at = datetime(2031, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(10**6))
    clock.set(at)
    svc = unique("svc")
    past = declare(api, title=title(), services=[svc])["id"]
    clock.advance(timedelta(minutes=1))
    now = declare(api, title=title(), services=[svc])["id"]
    worker.run_until_idle()
    resolve(api, now)
    worker.run_until_idle()
    with api.db.reading() as session:
        assert recurrences_in(session, at, at + timedelta(hours=1)) == 1
        assert recurrences_in(session, at + timedelta(minutes=2), at + timedelta(hours=1)) == 0
        assert recurring_ids_in(session, [past, now]) == {now}
    window = {"from": at.isoformat(), "to": (at + timedelta(hours=1)).isoformat()}
    report = api.viewer.get("/api/v1/metrics", params=window)
    assert report.status_code == 200, report.text
    assert (report.json()["recurrences"], report.json()["recurrence_rate"]) == (1, 0.5)
    cookie = {"tocsin_session": session_cookie(api, "viewer")}
    page = httpx.get(f"{api.url}/metrics", params=window, cookies=cookie, timeout=30).text
    assert '<strong data-metric="recurrences">1</strong>' in page


def test_incidents_opened_together_each_record_their_own_recurrences(
    api: Api, worker: Worker, clock: TestClock
) -> None:
    """A storm's recurrence timers run in one pass: each incident links to the ones before it."""
    clock.set(datetime(2032, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(10**6)))
    svc = unique("svc")
    ids = [declare(api, title=title(), services=[svc])["id"] for _ in range(4)]
    worker.run_until_idle()
    with api.db.reading() as session:
        rows = session.execute(
            select(IncidentRecurrence.incident_id, IncidentRecurrence.past_incident_id).where(
                IncidentRecurrence.incident_id.in_(ids)
            )
        ).all()
        assert recurring_ids_in(session, ids) == set(ids[1:])
    expected = {(later, earlier) for i, later in enumerate(ids) for earlier in ids[:i]}
    assert {(r[0], r[1]) for r in rows} == expected
    assert {tuple(s["reasons"]) for s in similar(api, ids[-1])} == {(f"service:{svc}",)}
