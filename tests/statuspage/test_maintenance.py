"""Scheduled maintenance: announced, reminded, started and completed on its timers or by hand;
its components under maintenance; the Statuspage v2 maintenance documents; its notices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from tests.builders import unique as unique_name
from tests.conftest import Api, TestClock
from tests.statuspage.helpers import (
    BASE,
    clean_page,
    component,
    created,
    declare,
    document,
    public_component,
    set_status,
    unique,
)
from tocsin import clock as tocsin_clock
from tocsin.db import Database
from tocsin.statuspage.maintenance.hooks import MaintenanceNotice
from tocsin.worker.loop import Worker

MAINTENANCES = f"{BASE}/maintenances"
HOUR = timedelta(hours=1)
FIELDS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
    "shortlink", "started_at", "page_id", "incident_updates", "components", "scheduled_for",
    "scheduled_until",
}  # fmt: skip
UPDATE_FIELDS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip

_heard: dict[int, list[MaintenanceNotice]] = {}


def _listen(db: Database) -> list[MaintenanceNotice]:
    """Every notice published on ``db`` (a test listener, subscribed once per database)."""
    if id(db) not in _heard:
        heard: list[MaintenanceNotice] = []
        _heard[id(db)] = heard

        def record(_session: Session, notice: MaintenanceNotice) -> None:
            heard.append(notice)

        db.hooks.subscribe(MaintenanceNotice, record)
    return _heard[id(db)]


@pytest.fixture
def notices(api: Api) -> Iterator[list[MaintenanceNotice]]:
    heard = _listen(api.db)
    start = len(heard)
    yield heard
    del heard[start:]


@pytest.fixture
def worker(api: Api) -> Iterator[Worker]:
    running = Worker(api.tocsin, name=unique_name("maintenance"), channels={})
    yield running
    running.pool.shutdown(wait=True)


@pytest.fixture(autouse=True)
def _nothing_left_running(api: Api) -> Iterator[None]:
    yield
    clean_page(api)  # other tests read the page's indicator


def at(when: datetime) -> str:
    return when.isoformat()


def announce(api: Api, **fields: Any) -> dict[str, Any]:
    now = tocsin_clock.now()
    body: dict[str, Any] = {
        "name": unique("Database upgrade"),
        "body": "We upgrade the database; checkout may be slow for a few minutes.",
        "scheduled_for": at(now + 2 * HOUR),
        "scheduled_until": at(now + 4 * HOUR),
    }
    return created(api.responder.post(MAINTENANCES, json=body | fields))


def kinds_of(notices: list[MaintenanceNotice], maintenance_id: int) -> list[str]:
    return [n.kind.value for n in notices if n.maintenance_id == maintenance_id]


def listed(api: Api, path: str, maintenance_id: int) -> dict[str, Any] | None:
    found = [
        m for m in document(api, path)["scheduled_maintenances"] if m["id"] == str(maintenance_id)
    ]
    assert len(found) <= 1
    return found[0] if found else None


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def test_announced_it_is_upcoming_in_statuspage_shape(
    api: Api, clock: TestClock, notices: list[MaintenanceNotice]
) -> None:
    clean_page(api)
    service = unique("db")
    first = component(api, services=[service])
    made = announce(api, components=[first["id"]])
    assert (made["status"], made["cancelled"], made["auto_start"]) == ("scheduled", False, True)
    assert made["remind_before_minutes"] == 60 and made["silence_alerts"] is False
    assert [u["status"] for u in made["updates"]] == ["scheduled"]

    shown = listed(api, "scheduled-maintenances/upcoming.json", made["id"])
    assert shown is not None
    assert set(shown) == FIELDS
    assert (shown["status"], shown["impact"]) == ("scheduled", "maintenance")
    assert shown["scheduled_for"] == datetime.fromisoformat(made["scheduled_for"]).isoformat(
        timespec="milliseconds"
    )
    assert (shown["started_at"], shown["resolved_at"], shown["monitoring_at"]) == (None,) * 3
    assert shown["shortlink"].endswith(f"/maintenances/{made['id']}/")
    assert [c["id"] for c in shown["components"]] == [str(first["id"])]
    (update,) = shown["incident_updates"]
    assert set(update) == UPDATE_FIELDS and update["incident_id"] == str(made["id"])
    assert update["body"] == made["updates"][0]["body"]
    assert listed(api, "scheduled-maintenances.json", made["id"]) == shown
    assert listed(api, "summary.json", made["id"]) == shown
    assert listed(api, "scheduled-maintenances/active.json", made["id"]) is None
    # announced is not in progress: the components and the indicator are unchanged
    assert public_component(api, first["id"])["status"] == "operational"
    assert document(api, "status.json")["status"]["indicator"] == "none"
    assert kinds_of(notices, made["id"]) == ["announced"]
    notice = notices[-1]
    assert (notice.page_id, notice.name, notice.components) == (1, made["name"], (first["name"],))
    # the page lists it and links its own page, where the shortlink points
    index = httpx.get(f"{api.url}/status/", timeout=30).text
    assert f'<a href="maintenances/{made["id"]}/">' in index
    own = httpx.get(shown["shortlink"].replace(api.settings.base_url.rstrip("/"), api.url))
    assert own.status_code == 200 and update["body"] in own.text


def test_its_timers_remind_start_and_complete_it_once(
    api: Api, clock: TestClock, worker: Worker, notices: list[MaintenanceNotice]
) -> None:
    clean_page(api)
    first = component(api, services=[unique("db")])
    made = announce(api, components=[first["id"]])
    mid = made["id"]
    worker.run_until_idle()
    assert kinds_of(notices, mid) == ["announced"]  # nothing due yet

    clock.advance(HOUR)  # 60 minutes before it starts
    worker.run_until_idle()
    worker.run_until_idle()
    assert kinds_of(notices, mid) == ["announced", "reminder"]
    assert ok(api.viewer.get(f"{MAINTENANCES}/{mid}"))["reminded_at"] is not None

    clock.advance(HOUR)  # its start
    worker.run_until_idle()
    running = ok(api.viewer.get(f"{MAINTENANCES}/{mid}"))
    assert running["status"] == "in_progress"
    assert running["updates"][0]["author"] == "statuspage:schedule"
    assert public_component(api, first["id"])["status"] == "under_maintenance"
    assert public_component(api, first["id"], "summary.json")["status"] == "under_maintenance"
    status = document(api, "status.json")["status"]
    assert (status["indicator"], status["description"]) == (
        "maintenance",
        "Service Under Maintenance",
    )
    active = listed(api, "scheduled-maintenances/active.json", mid)
    assert active is not None and active["started_at"] is not None
    assert listed(api, "scheduled-maintenances/upcoming.json", mid) is None
    assert listed(api, "summary.json", mid) == active
    assert kinds_of(notices, mid) == ["announced", "reminder", "started"]

    clock.advance(2 * HOUR)  # its end
    worker.run_until_idle()
    done = ok(api.viewer.get(f"{MAINTENANCES}/{mid}"))
    assert (done["status"], done["cancelled"]) == ("completed", False)
    assert public_component(api, first["id"])["status"] == "operational"
    assert document(api, "status.json")["status"]["indicator"] == "none"
    shown = listed(api, "scheduled-maintenances.json", mid)
    assert shown is not None and shown["resolved_at"] is not None
    assert [u["status"] for u in shown["incident_updates"]] == [
        "completed",
        "in_progress",
        "scheduled",
    ]
    assert listed(api, "summary.json", mid) is None
    clock.advance(HOUR)
    worker.run_until_idle()
    assert kinds_of(notices, mid) == ["announced", "reminder", "started", "completed"]


def test_by_hand_with_verifying_and_the_moves_it_refuses(
    api: Api, clock: TestClock, worker: Worker, notices: list[MaintenanceNotice]
) -> None:
    first = component(api, services=[unique("search")])
    made = announce(api, components=[first["id"]], auto_start=False, auto_complete=False)
    mid = made["id"]
    clock.advance(2 * HOUR + timedelta(minutes=1))
    worker.run_until_idle()
    assert ok(api.viewer.get(f"{MAINTENANCES}/{mid}"))["status"] == "scheduled"  # not by itself

    started = ok(api.responder.post(f"{MAINTENANCES}/{mid}/start", json={"body": "Starting."}))
    assert (started["status"], started["updates"][0]["body"]) == ("in_progress", "Starting.")
    assert public_component(api, first["id"])["status"] == "under_maintenance"
    body = {"status": "verifying", "body": "Done; checking."}
    verifying = ok(api.responder.post(f"{MAINTENANCES}/{mid}/updates", json=body), 201)
    assert verifying["status"] == "verifying" and verifying["verifying_at"] is not None
    shown = listed(api, "scheduled-maintenances/active.json", mid)
    assert shown is not None and shown["monitoring_at"] is not None
    assert public_component(api, first["id"])["status"] == "under_maintenance"
    back = {"status": "in_progress", "body": "One more step."}
    ok(api.responder.post(f"{MAINTENANCES}/{mid}/updates", json=back), 201)
    note = ok(api.responder.post(f"{MAINTENANCES}/{mid}/updates", json={"body": "Halfway."}), 201)
    assert note["status"] == "in_progress"

    clock.advance(3 * HOUR)  # past its end: with auto_complete off it keeps running
    worker.run_until_idle()
    assert ok(api.viewer.get(f"{MAINTENANCES}/{mid}"))["status"] == "in_progress"
    done = ok(api.responder.post(f"{MAINTENANCES}/{mid}/complete"))
    assert done["updates"][0]["body"] == "The scheduled maintenance has been completed."
    assert public_component(api, first["id"])["status"] == "operational"
    for move in ("start", "complete", "cancel"):
        refused = api.responder.post(f"{MAINTENANCES}/{mid}/{move}")
        assert refused.status_code == 409, refused.text
        assert refused.json()["field"] == "status"
    again = api.responder.post(f"{MAINTENANCES}/{mid}/updates", json=back)
    assert again.status_code == 409
    assert kinds_of(notices, mid) == ["announced", "reminder", "started", "completed"]


def test_cancelled_before_it_starts(
    api: Api, clock: TestClock, worker: Worker, notices: list[MaintenanceNotice]
) -> None:
    first = component(api, services=[unique("mail")])
    made = announce(api, components=[first["id"]])
    cancelled = ok(api.responder.post(f"{MAINTENANCES}/{made['id']}/cancel"))
    assert (cancelled["status"], cancelled["cancelled"]) == ("completed", True)
    assert cancelled["updates"][0]["body"] == "This scheduled maintenance has been cancelled."
    clock.advance(3 * HOUR)  # its timers were cancelled with it
    worker.run_until_idle()
    assert ok(api.viewer.get(f"{MAINTENANCES}/{made['id']}"))["started_at"] is None
    assert public_component(api, first["id"])["status"] == "operational"
    assert kinds_of(notices, made["id"]) == ["announced", "cancelled"]
    running = announce(api, auto_start=False)
    ok(api.responder.post(f"{MAINTENANCES}/{running['id']}/start"))
    assert api.responder.post(f"{MAINTENANCES}/{running['id']}/cancel").status_code == 409


def test_moving_the_window_moves_its_timers(
    api: Api, clock: TestClock, worker: Worker, notices: list[MaintenanceNotice]
) -> None:
    made = announce(api)
    mid, now = made["id"], tocsin_clock.now()
    moved = {"scheduled_for": at(now + 5 * HOUR), "scheduled_until": at(now + 6 * HOUR)}
    ok(api.responder.patch(f"{MAINTENANCES}/{mid}", json=moved))
    clock.advance(2 * HOUR + timedelta(minutes=1))  # the old start: nothing happens
    worker.run_until_idle()
    assert ok(api.viewer.get(f"{MAINTENANCES}/{mid}"))["status"] == "scheduled"
    assert kinds_of(notices, mid) == ["announced"]  # the reminder moved too
    clock.advance(2 * HOUR)
    worker.run_until_idle()
    assert kinds_of(notices, mid) == ["announced", "reminder"]
    clock.advance(HOUR)
    worker.run_until_idle()
    running = ok(api.viewer.get(f"{MAINTENANCES}/{mid}"))
    assert running["status"] == "in_progress"
    # once running, only its end moves
    later = {"scheduled_until": at(tocsin_clock.now() + 3 * HOUR)}
    ok(api.responder.patch(f"{MAINTENANCES}/{mid}", json=later))
    clock.advance(HOUR + timedelta(minutes=1))  # the old end
    worker.run_until_idle()
    assert ok(api.viewer.get(f"{MAINTENANCES}/{mid}"))["status"] == "in_progress"
    clock.advance(2 * HOUR)
    worker.run_until_idle()
    assert ok(api.viewer.get(f"{MAINTENANCES}/{mid}"))["status"] == "completed"
    start = {"scheduled_for": at(tocsin_clock.now())}
    refused = api.responder.patch(f"{MAINTENANCES}/{mid}", json=start)
    assert refused.status_code == 409 and refused.json()["field"] == "status"


def test_an_incident_worse_than_the_maintenance_shows(api: Api) -> None:
    service = unique("checkout")
    first = component(api, services=[service])
    made = announce(api, components=[first["id"]], auto_start=False)
    ok(api.responder.post(f"{MAINTENANCES}/{made['id']}/start"))
    sev4 = declare(api, service, "SEV4")  # operational: the maintenance shows
    assert public_component(api, first["id"])["status"] == "under_maintenance"
    sev1 = declare(api, service, "SEV1")
    assert public_component(api, first["id"])["status"] == "major_outage"
    assert document(api, "status.json")["status"]["indicator"] == "critical"
    set_status(api, sev1["id"], "resolved")
    assert public_component(api, first["id"])["status"] == "under_maintenance"
    set_status(api, sev4["id"], "resolved")
    ok(api.responder.post(f"{MAINTENANCES}/{made['id']}/complete"))
    assert public_component(api, first["id"])["status"] == "operational"


def test_bad_input_is_a_422_naming_the_field(api: Api) -> None:
    now = tocsin_clock.now()
    other_page = ok(
        api.admin.post(f"{BASE}/pages", json={"slug": unique("ops"), "name": "Ops"}), 201
    )
    elsewhere = component(api, page_id=other_page["id"])
    cases = [
        ({"scheduled_until": at(now + HOUR)}, "scheduled_until"),  # before scheduled_for
        (
            {"scheduled_for": at(now - 3 * HOUR), "scheduled_until": at(now - HOUR)},
            "scheduled_until",
        ),
        ({"components": [elsewhere["id"]]}, "components"),  # on another page
        ({"components": [2_000_000_000]}, "components"),
        ({"page_id": 2_000_000_000}, "page_id"),
        ({"scheduled_for": "2030-01-01T10:00:00"}, "scheduled_for"),  # no time zone
        ({"remind_before_minutes": -1}, "remind_before_minutes"),
        ({"name": ""}, "name"),
        ({"status": "in_progress"}, "status"),  # not a field of the announcement
    ]
    base = {
        "name": "Upgrade",
        "body": "Text.",
        "scheduled_for": at(now + 2 * HOUR),
        "scheduled_until": at(now + 4 * HOUR),
    }
    for change, field in cases:
        response = api.responder.post(MAINTENANCES, json=base | change)
        assert response.status_code == 422, (change, response.text)
        assert field in response.text, (change, response.text)
    made = announce(api)
    patch = api.responder.patch(
        f"{MAINTENANCES}/{made['id']}", json={"scheduled_until": at(now + HOUR)}
    )
    assert patch.status_code == 422 and patch.json()["field"] == "scheduled_until"
    null = api.responder.patch(f"{MAINTENANCES}/{made['id']}", json={"scheduled_for": None})
    assert null.status_code == 422
    back = api.responder.post(
        f"{MAINTENANCES}/{made['id']}/updates", json={"status": "scheduled", "body": "x"}
    )
    assert back.status_code == 201, back.text  # scheduled → scheduled: a note, no move
    assert api.viewer.get(f"{MAINTENANCES}/2000000000").status_code == 404
    assert api.viewer.post(MAINTENANCES, json=base).status_code == 403
    assert api.admin.delete(f"{BASE}/pages/{other_page['id']}").status_code == 204
