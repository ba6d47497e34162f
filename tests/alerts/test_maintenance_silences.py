"""A status page maintenance with ``silence_alerts`` holds back its services' alerts while it
runs: end to end, from the maintenance's timer to an Alertmanager alert's decision trace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.alerts.helpers import alerts_of, am_alert, post_alerts
from tests.builders import integration, ok, unique
from tests.conftest import Api, TestClock
from tests.statuspage.helpers import clean_page
from tocsin import clock as tocsin_clock
from tocsin.worker.loop import Worker

MAINTENANCES = "/api/v1/statuspage/maintenances"
HOUR = timedelta(hours=1)


@pytest.fixture
def worker(api: Api) -> Iterator[Worker]:
    running = Worker(api.tocsin, name=unique("maintenance"), channels={})
    yield running
    running.pool.shutdown(wait=True)
    clean_page(api)  # leave no maintenance running for the status page's other tests


def maintenance(api: Api, service: str, **fields: Any) -> dict[str, Any]:
    component = ok(
        api.responder.post(
            "/api/v1/statuspage/components", json={"name": unique("db"), "services": [service]}
        ),
        201,
    )
    now = tocsin_clock.now()
    body = {
        "name": "Database upgrade",
        "body": "We upgrade the database.",
        "components": [component["id"]],
        "scheduled_for": (now + HOUR).isoformat(),
        "scheduled_until": (now + 3 * HOUR).isoformat(),
    } | fields
    created: dict[str, Any] = ok(api.responder.post(MAINTENANCES, json=body), 201)
    return created


def silences_of(api: Api, maintenance_id: int) -> list[dict[str, Any]]:
    every = ok(api.viewer.get("/api/v1/silences", params={"include_expired": True}))
    return [s for s in every if s["created_by"] == f"maintenance:{maintenance_id}"]


def test_alerts_of_its_services_are_silenced_while_it_runs_and_open_after(
    api: Api, clock: TestClock, worker: Worker
) -> None:
    service = unique("orders")
    mine = integration(api, service=service)
    other = integration(api, service=unique("elsewhere"))
    made = maintenance(api, service, silence_alerts=True)
    assert silences_of(api, made["id"]) == []  # not before it starts
    before = post_alerts(api, mine["key"], am_alert("m-0", alertname="Early"))
    assert before[0]["result"] == "opened"

    clock.advance(HOUR)  # auto_start at scheduled_for, by its timer
    worker.run_until_idle()
    assert ok(api.viewer.get(f"{MAINTENANCES}/{made['id']}"))["status"] == "in_progress"
    [silence] = silences_of(api, made["id"])
    assert (silence["integration_id"], silence["service"], silence["active"]) == (
        mine["id"],
        service,
        True,
    )
    assert datetime.fromisoformat(silence["ends_at"]) == datetime.fromisoformat(
        made["scheduled_until"]
    )

    [held] = post_alerts(api, mine["key"], am_alert("m-1", alertname="DiskFull"))
    assert (held["result"], held["silence_id"], held["incident_id"]) == (
        "silenced",
        silence["id"],
        None,
    )
    [stored] = alerts_of(api, integration=mine["id"], status="silenced")
    step = next(s for s in stored["trace"] if s["step"] == "silence")
    assert f"silenced by {silence['id']}" in step["result"]
    [elsewhere] = post_alerts(api, other["key"], am_alert("m-2", alertname="DiskFull"))
    assert elsewhere["result"] == "opened"  # another service's alert is not held back

    ok(api.responder.post(f"{MAINTENANCES}/{made['id']}/complete"))
    [ended] = silences_of(api, made["id"])
    assert ended["active"] is False
    [repeat] = post_alerts(api, mine["key"], am_alert("m-1", alertname="DiskFull"))
    assert repeat["result"] == "opened"  # decided again once the silence ended
    [fresh] = post_alerts(api, mine["key"], am_alert("m-3", alertname="DiskFull"))
    assert fresh["result"] == "opened"


def test_turning_silencing_on_and_moving_the_end_while_it_runs(
    api: Api, clock: TestClock, worker: Worker
) -> None:
    service = unique("search")
    mine = integration(api, service=service)
    made = maintenance(api, service, auto_start=False)
    ok(api.responder.post(f"{MAINTENANCES}/{made['id']}/start"))
    assert silences_of(api, made["id"]) == []  # silence_alerts is off
    url = f"{MAINTENANCES}/{made['id']}"
    ok(api.responder.patch(url, json={"silence_alerts": True}))
    [silence] = silences_of(api, made["id"])
    later = tocsin_clock.now() + 5 * HOUR
    ok(api.responder.patch(url, json={"scheduled_until": later.isoformat()}))
    [moved] = silences_of(api, made["id"])
    assert moved["id"] == silence["id"]
    assert datetime.fromisoformat(moved["ends_at"]) == later

    clock.advance(5 * HOUR + timedelta(minutes=1))  # auto_complete at the new end
    worker.run_until_idle()
    assert ok(api.viewer.get(url))["status"] == "completed"
    [ended] = silences_of(api, made["id"])
    assert ended["active"] is False
    [after] = post_alerts(api, mine["key"], am_alert("q-1", alertname="Slow"))
    assert after["result"] == "opened"
