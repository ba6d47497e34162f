"""Uptime per component, through the API: the status history every change writes, per day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Api, TestClock
from tests.statuspage.helpers import BASE, component, declare, set_status, unique
from tocsin.statuspage.uptime import Uptime, uptime_by_component

DAY0 = datetime(2031, 1, 10, 10, tzinfo=UTC)  # far from the other tests' days


def uptime(api: Api, component_id: int, **query: Any) -> dict[str, Any]:
    response = api.viewer.get(f"{BASE}/components/{component_id}/uptime", params=query)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def by_day(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["day"]: d for d in found["days"]}


def test_the_status_history_becomes_uptime_per_day(api: Api, clock: TestClock) -> None:
    clock.set(DAY0)
    service = unique("checkout")
    made = component(api, services=[service])
    clock.set(DAY0 + timedelta(days=1, hours=13))  # day 1, 23:00
    sev1 = declare(api, service, "SEV1")
    clock.advance(timedelta(hours=2))  # across midnight
    set_status(api, sev1["id"], "resolved")
    clock.set(DAY0 + timedelta(days=2, hours=2))  # day 2, 12:00

    found = uptime(api, made["id"], days=5)
    assert (found["start"], found["end"]) == ("2031-01-08", "2031-01-12")
    days = by_day(found)
    assert [days[d]["uptime"] for d in ("2031-01-08", "2031-01-09")] == [None, None]
    assert days["2031-01-08"]["worst_status"] is None
    first, second, today = days["2031-01-10"], days["2031-01-11"], days["2031-01-12"]
    assert (first["uptime"], first["worst_status"], first["observed_minutes"]) == (
        1.0,
        "operational",
        14 * 60,
    )
    assert second["major_outage_minutes"] == 60 and second["worst_status"] == "major_outage"
    assert second["uptime"] == pytest.approx(1 - 60 / 1440)
    assert today["major_outage_minutes"] == 60 and today["observed_minutes"] == 12 * 60
    assert today["uptime"] == pytest.approx(1 - 60 / 720)
    assert found["percentage"] == pytest.approx(100 * (840 + 1380 + 660) / (840 + 1440 + 720))
    assert len(uptime(api, made["id"])["days"]) == 90  # the default window
    [alone] = uptime(api, made["id"], days=1)["days"]  # the outage began before this window
    assert (alone["major_outage_minutes"], alone["uptime"]) == (60, today["uptime"])
    clock.advance(timedelta(days=3))
    [later] = uptime(api, made["id"], days=1)["days"]  # the last change was days ago
    assert (later["uptime"], later["worst_status"], later["observed_minutes"]) == (
        1.0,
        "operational",
        12 * 60,
    )


def test_a_status_set_by_hand_and_the_rule_are_in_the_history(api: Api, clock: TestClock) -> None:
    clock.set(DAY0)
    service = unique("search")
    made = component(api, services=[service])
    url = f"{BASE}/components/{made['id']}"
    try:
        assert api.responder.patch(url, json={"status": "partial_outage"}).status_code == 200
        clock.advance(timedelta(minutes=100))
        api.responder.patch(url, json={"name": unique("renamed")})  # no status change
        clock.advance(timedelta(minutes=20))
        assert api.responder.patch(url, json={"status": None}).status_code == 200
        declare(api, service, "SEV3")  # degraded performance: no downtime…
        clock.advance(timedelta(minutes=30))
        rule = {"rule": {"SEV3": "major_outage"}}  # …until the rule makes SEV3 a major outage
        assert api.responder.put(f"{BASE}/rule", json=rule).status_code == 200
        clock.advance(timedelta(minutes=10))
    finally:
        api.responder.put(f"{BASE}/rule", json={"rule": {}})
    clock.advance(timedelta(minutes=5))
    [today] = uptime(api, made["id"], days=1)["days"]
    assert today["partial_outage_minutes"] == 120 and today["major_outage_minutes"] == 10
    assert today["observed_minutes"] == 165 and today["worst_status"] == "major_outage"
    assert today["uptime"] == pytest.approx(1 - (0.3 * 120 + 10) / 165)


def test_every_component_at_once_as_the_page_builder_reads_it(api: Api, clock: TestClock) -> None:
    clock.set(DAY0 + timedelta(days=40))
    up = component(api, services=[unique("up")])
    down = component(api, services=[unique("down")], status="major_outage")
    group = api.responder.post(f"{BASE}/groups", json={"name": unique("group")}).json()
    clock.advance(timedelta(hours=6))
    with api.db.reading() as session:
        found = uptime_by_component(session, days=7)
    assert group["id"] not in found
    assert isinstance(found[up["id"]], Uptime) and found[up["id"]].percentage == 100.0
    assert found[down["id"]].percentage == 0.0
    assert found[down["id"]].days[-1].day == date(2031, 2, 19)
    assert [d.uptime for d in found[down["id"]].days[:-1]] == [None] * 6
    api_view = uptime(api, down["id"], days=7)
    assert api_view["percentage"] == 0.0 and api_view["days"][-1]["day"] == "2031-02-19"
    with api.db.reading() as session:
        earlier = uptime_by_component(session, days=2, today=date(2031, 2, 18))
    assert [d.uptime for d in earlier[down["id"]].days] == [None, None]


def test_bad_requests_name_what_is_wrong(api: Api) -> None:
    made = component(api)
    path = f"{BASE}/components/{made['id']}/uptime"
    for days in (0, 367, "x"):
        answer = api.viewer.get(path, params={"days": days})
        assert answer.status_code == 422 and answer.json()["field"] == "days", answer.text
    assert api.viewer.get(path, params={"days": 366}).status_code == 200
    assert api.anonymous().get(path).status_code == 401
    missing = api.viewer.get(f"{BASE}/components/2000000000/uptime")
    assert missing.status_code == 404 and missing.json()["field"] == "component_id"
    group = api.responder.post(f"{BASE}/groups", json={"name": unique("g")}).json()
    assert api.viewer.get(f"{BASE}/components/{group['id']}/uptime").status_code == 404
    assert api.responder.delete(f"{BASE}/components/{made['id']}").status_code == 204
    assert api.viewer.get(path).status_code == 404
