"""iCalendar feeds: signed links, one event per shift, parsed with the icalendar package."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from tests.conftest import Api
from tests.oncall.helpers import layer, ok, person, schedule
from tocsin import clock

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[datetime]:
    clock.set_clock(lambda: NOW)
    yield NOW
    clock.set_clock(None)


def events(response: httpx.Response) -> list[tuple[str, datetime, datetime, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    parsed = Calendar.from_ical(response.content)
    return [
        (str(e["uid"]), e.decoded("dtstart"), e.decoded("dtend"), str(e["summary"]))
        for e in parsed.walk("VEVENT")
    ]


def test_schedule_feed_has_every_shift_of_the_next_60_days(api: Api, frozen: datetime) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    sched = schedule(api, [layer([ana["id"], ben["id"]], start="2026-02-20T09:00:00-05:00")])
    with api.anonymous() as anonymous:
        found = events(anonymous.get(sched["calendar_url"]))
    # Daily at 09:00 New York: the shift under way began 2026-02-28 09:00 EST (14:00Z); the
    # last one begins 2026-04-29 09:00 EDT and is cut at now + 60 days.
    assert len(found) == 61
    starts = [start for _, start, _, _ in found]
    assert starts[0] == datetime(2026, 2, 28, 14, tzinfo=UTC)
    assert datetime(2026, 3, 8, 13, tzinfo=UTC) in starts  # after the spring-forward
    assert found[-1][2] == NOW + timedelta(days=60)
    assert [end for _, _, end, _ in found[:-1]] == starts[1:]
    assert len({uid for uid, _, _, _ in found}) == 61
    assert found[0][3] == f"On call: Ana ({sched['name']})"  # 2026-02-28 is shift 8: Ana
    assert found[1][3] == f"On call: Ben ({sched['name']})"
    with api.anonymous() as anonymous:
        again = events(anonymous.get(sched["calendar_url"]))
    assert [uid for uid, *_ in again] == [uid for uid, *_ in found]  # stable UIDs


def test_person_feed_has_only_their_shifts_and_overrides(api: Api, frozen: datetime) -> None:
    ana, ben, cho = person(api, "Ana"), person(api, "Ben"), person(api, "Cho")
    sched = schedule(api, [layer([ana["id"], ben["id"]], start="2026-02-20T09:00:00-05:00")])
    other = schedule(api, [layer([ben["id"]])])
    body = {"person_id": cho["id"], "start": "2026-03-02T00:00:00Z", "end": "2026-03-02T06:00:00Z"}
    ok(api.responder.post(f"/api/v1/schedules/{sched['id']}/overrides", json=body), 201)
    with api.anonymous() as anonymous:
        for_cho = events(anonymous.get(cho["calendar_url"]))
        for_ana = events(anonymous.get(ana["calendar_url"]))
    assert [(s, e) for _, s, e, _ in for_cho] == [
        (datetime(2026, 3, 2, 0, tzinfo=UTC), datetime(2026, 3, 2, 6, tzinfo=UTC))
    ]
    assert for_cho[0][3] == f"On call: {sched['name']}"
    assert len(for_ana) == 31  # every other one of the 61 shifts, the first included
    assert all(summary == f"On call: {sched['name']}" for *_, summary in for_ana)
    assert other["name"] not in str(for_ana)


def _with_sig(url: str, sig: str | None) -> str:
    base = url.split("?")[0]
    return base if sig is None else f"{base}?sig={sig}"


@pytest.mark.parametrize("sig", [None, "", "forged", "person"])
def test_a_wrong_signature_is_refused(api: Api, sig: str | None) -> None:
    ana = person(api)
    sched = schedule(api, [layer([ana["id"]])])
    if sig == "person":  # a valid signature, but for another feed
        sig = ana["calendar_url"].split("sig=")[1]
    with api.anonymous() as anonymous:
        response = anonymous.get(_with_sig(sched["calendar_url"], sig))
    assert response.status_code == 403
    assert response.json()["field"] == "sig"


@pytest.mark.parametrize("sig", ["%C3%A9t%C3%A9", "%F0%9F%94%94", "abc%C2%A0"])
def test_a_non_ascii_signature_is_refused_not_an_error(api: Api, sig: str) -> None:
    ana = person(api)
    sched = schedule(api, [layer([ana["id"]])])
    with api.anonymous() as anonymous:
        for url in (sched["calendar_url"], ana["calendar_url"]):
            response = anonymous.get(_with_sig(url, sig))
            assert response.status_code == 403, response.text
            assert response.json()["field"] == "sig"


def test_signature_of_one_schedule_does_not_open_another(api: Api) -> None:
    ana = person(api)
    first = schedule(api, [layer([ana["id"]])])
    second = schedule(api, [layer([ana["id"]])])
    sig = first["calendar_url"].split("sig=")[1]
    url: Any = f"/api/v1/schedules/{second['id']}/calendar.ics?sig={sig}"
    with api.anonymous() as anonymous:
        assert anonymous.get(url).status_code == 403
