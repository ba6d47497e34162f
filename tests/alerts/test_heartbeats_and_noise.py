"""Heartbeats (a missed beat raises an alert, the next beat resolves it) and noise figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from tests.alerts.helpers import alerts_of, am_alert, incident_id_of, post_alerts
from tests.builders import incident, integration
from tests.conftest import Api, TestClock
from tocsin.alerts.service import check_heartbeats
from tocsin.assembly import assemble
from tocsin.clock import now
from tocsin.db import Database


def test_a_missed_heartbeat_raises_an_alert_and_the_next_beat_resolves_it(
    api: Api, clock: TestClock
) -> None:
    created = integration(
        api,
        "heartbeat",
        heartbeat_interval_minutes=5,
        auto_resolve=True,
        default_severity="SEV2",
    )
    assert check_heartbeats(api.db, api.tocsin.ingest) == 0
    clock.advance(timedelta(minutes=4))
    beat = httpx.get(created["heartbeat_url"])
    assert beat.status_code == 200, beat.text
    clock.advance(timedelta(minutes=4))
    assert check_heartbeats(api.db, api.tocsin.ingest) == 0  # 4 minutes after the last beat
    clock.advance(timedelta(minutes=2))
    assert check_heartbeats(api.db, api.tocsin.ingest) == 1
    assert check_heartbeats(api.db, api.tocsin.ingest) == 0  # already firing
    [alert] = alerts_of(api, integration=created["id"])
    assert alert["dedup_key"] == f"heartbeat:{created['id']}"
    assert alert["name"] == "HeartbeatMissed"
    found = incident(api, alert["incident_id"])
    assert found["severity"] == "SEV2" and "Heartbeat missed" in found["title"]
    clock.advance(timedelta(minutes=1))
    back = httpx.post(f"{api.url}/hooks/{created['key']}", json={})  # any hit is a beat
    assert back.status_code == 200
    assert back.json()["alerts"][0]["result"] == "resolved"
    assert incident(api, alert["incident_id"])["status"] == "resolved"
    shown = api.viewer.get(f"/api/v1/integrations/{created['id']}").json()
    assert shown["last_beat_at"] is not None
    clock.advance(timedelta(minutes=6))
    assert check_heartbeats(api.db, api.tocsin.ingest) == 1  # a new episode, a new incident
    newest = alerts_of(api, integration=created["id"])[0]
    assert newest["incident_id"] != alert["incident_id"]


def test_any_integration_can_expect_heartbeats(api: Api, clock: TestClock) -> None:
    created = integration(api, heartbeat_interval_minutes=60)
    assert created["last_beat_at"] is None
    response = httpx.post(created["heartbeat_url"])
    assert response.status_code == 200
    shown = api.viewer.get(f"/api/v1/integrations/{created['id']}").json()
    assert datetime.fromisoformat(shown["last_beat_at"]) == clock.now()
    assert httpx.get(f"{api.url}/hooks/{'0' * 32}/heartbeat").status_code == 404
    bearer = {"Authorization": f"Bearer {created['key']}"}
    assert httpx.get(f"{api.url}/hooks/heartbeat", headers=bearer).status_code == 200


def test_noise_counts_events_incidents_and_acknowledged_without_action(api: Api) -> None:
    since = (now() - timedelta(minutes=1)).isoformat()
    created = integration(api)
    key = created["key"]
    idle = incident_id_of(post_alerts(api, key, am_alert("n-1", alertname="NoisyOne"))[0])
    for _ in range(3):
        post_alerts(api, key, am_alert("n-1", alertname="NoisyOne"))
    worked = incident_id_of(post_alerts(api, key, am_alert("n-2", alertname="NoisyTwo"))[0])
    untouched = incident_id_of(post_alerts(api, key, am_alert("n-3", alertname="NoisyTwo"))[0])
    for iid in (idle, worked):
        move = api.responder.post(
            f"/api/v1/incidents/{iid}/status", json={"status": "acknowledged"}
        )
        assert move.status_code == 200
    note = api.responder.post(f"/api/v1/incidents/{worked}/notes", json={"body": "restarted it"})
    assert note.status_code == 201
    for iid in (idle, worked):
        move = api.responder.post(f"/api/v1/incidents/{iid}/status", json={"status": "resolved"})
        assert move.status_code == 200
    assert incident(api, untouched)["status"] == "triggered"  # nobody acted on it
    rows = api.viewer.get("/api/v1/alerts/noise", params={"since": since}).json()
    by_name = {row["name"]: row for row in rows}
    one, two = by_name["NoisyOne"], by_name["NoisyTwo"]
    assert (one["events"], one["alerts"], one["incidents_opened"]) == (4, 1, 1)
    assert one["acknowledged_without_action"] == 1
    assert one["share_acknowledged_without_action"] == 1.0
    assert (two["events"], two["incidents_opened"], two["acknowledged_without_action"]) == (2, 2, 0)
    assert two["share_acknowledged_without_action"] == 0.0
    bad = api.viewer.get("/api/v1/alerts/noise", params={"since": since, "until": since})
    assert bad.status_code == 422 and bad.json()["field"] == "until"


def test_a_worker_in_another_process_raises_the_next_miss_too(api: Api, clock: TestClock) -> None:
    """The worker's cache does not see beats and resolutions handled by `serve`."""
    worker_db = Database(api.settings.database_url)  # its own engine and cache, as a process
    worker = assemble(api.settings, worker_db)
    try:
        created = integration(api, "heartbeat", heartbeat_interval_minutes=5, auto_resolve=True)
        clock.advance(timedelta(minutes=6))
        assert check_heartbeats(worker_db, worker.ingest) == 1
        assert httpx.post(f"{api.url}/hooks/{created['key']}", json={}).status_code == 200
        clock.advance(timedelta(minutes=6))
        assert check_heartbeats(worker_db, worker.ingest) == 1
        assert len(alerts_of(api, integration=created["id"])) == 2
    finally:
        worker_db.dispose()
