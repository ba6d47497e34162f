"""iCalendar feeds: signed links, one event per shift, parsed with the icalendar package."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from tests.builders import layer, ok, person, schedule, unique
from tests.conftest import Api, TestClock

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def events(response: httpx.Response) -> list[tuple[str, datetime, datetime, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    parsed = Calendar.from_ical(response.content)
    return [
        (str(e["uid"]), e.decoded("dtstart"), e.decoded("dtend"), str(e["summary"]))
        for e in parsed.walk("VEVENT")
    ]


def test_schedule_feed_has_every_shift_of_the_next_60_days(api: Api, clock: TestClock) -> None:
    clock.set(NOW)
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


def test_person_feed_has_only_their_shifts_and_overrides(api: Api, clock: TestClock) -> None:
    clock.set(NOW)
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


@pytest.mark.parametrize("sig", [None, "", "forged", "%C2%8Ef%C3%A9", "person"])
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


def _feed_at(
    api: Api, clock: TestClock, url: str, at: datetime
) -> list[tuple[str, datetime, datetime, str]]:
    clock.set(at)
    with api.anonymous() as anonymous:
        return events(anonymous.get(url))


@pytest.mark.parametrize("later", [timedelta(hours=1), timedelta(days=40)])
def test_a_long_shift_keeps_its_real_start_and_uid(
    api: Api, clock: TestClock, later: timedelta
) -> None:
    clock.set(NOW)
    # Ana alone since 2025-11-01: one shift that began 120 days before NOW. Ben's override
    # began 50 days before NOW. Both began before any fixed look-back a feed might use.
    ana, ben = person(api, "Ana"), person(api, "Ben")
    alone = schedule(api, [layer([ana["id"]], start="2025-11-01T09:00:00-04:00")])
    covered = schedule(api, [layer([ana["id"]], start="2025-11-01T09:00:00-04:00")])
    body = {"person_id": ben["id"], "start": "2026-01-10T00:00:00Z", "end": "2026-04-20T00:00:00Z"}
    ok(api.responder.post(f"/api/v1/schedules/{covered['id']}/overrides", json=body), 201)
    for url, began in [
        (alone["calendar_url"], datetime(2025, 11, 1, 13, tzinfo=UTC)),
        (covered["calendar_url"], datetime(2026, 1, 10, tzinfo=UTC)),
        (ben["calendar_url"], datetime(2026, 1, 10, tzinfo=UTC)),
    ]:
        first, second = _feed_at(api, clock, url, NOW), _feed_at(api, clock, url, NOW + later)
        assert first[0][1] == second[0][1] == began
        assert first[0][0] == second[0][0]


def test_a_schedule_that_just_started_is_not_looked_back_on(api: Api, clock: TestClock) -> None:
    clock.set(NOW)
    ana, ben = person(api, "Ana"), person(api, "Ben")
    sched = schedule(api, [layer([ana["id"], ben["id"]], start="2026-03-01T12:00:00Z")])
    found = _feed_at(api, clock, sched["calendar_url"], NOW)
    assert found[0][1] == NOW  # the first shift begins exactly now
    assert found[0][3].startswith("On call: Ana")


BAD_NAMES = [
    "Ana\r\nBEGIN:VEVENT\r\nUID:forged",
    "Ben\nX-EVIL:1",
    "Cho\rEND:VCALENDAR",
    "Dee\x07\x1b[31m\x7f\x85\u2028\u2029;,\\x",  # no NUL: PostgreSQL cannot store one
]


def _content_lines(feed: bytes) -> list[str]:
    assert feed.endswith(b"\r\n")
    lines = feed.decode().split("\r\n")[:-1]
    for line in lines:  # RFC 5545: no control character but HTAB inside a content line
        assert not any((ord(c) < 32 and c != "\t") or 0x7F <= ord(c) <= 0x9F for c in line), line
    return lines


@pytest.mark.parametrize("name", BAD_NAMES)
def test_control_characters_in_names_keep_the_feed_valid(
    api: Api, clock: TestClock, name: str
) -> None:
    clock.set(NOW)
    someone = person(api, name, handle=unique("evil"))
    sched = schedule(api, [layer([someone["id"]])], name=f"Sched {name}")
    # What survives of a stored name: one line, each control character a space.
    clean = " ".join("".join(c if c.isprintable() else " " for c in someone["name"]).split())
    with api.anonymous() as anonymous:
        for url, title, summary in [
            (sched["calendar_url"], f"Sched {clean}", f"On call: {clean} (Sched {clean})"),
            (someone["calendar_url"], clean, f"On call: Sched {clean}"),
        ]:
            response = anonymous.get(url)
            assert response.status_code == 200, response.text
            lines = _content_lines(response.content)
            assert [line for line in lines if line.startswith("BEGIN:")] == [
                "BEGIN:VCALENDAR",
                "BEGIN:VEVENT",
            ]
            assert not any(line.startswith(("UID:forged", "X-EVIL")) for line in lines)
            parsed = Calendar.from_ical(response.content)
            # An X- property parses back as it was written: RFC 5545 TEXT escaping.
            escaped = title.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            assert str(parsed["x-wr-calname"]) == f"On call: {escaped}"
            (event,) = parsed.walk("VEVENT")
            assert str(event["summary"]) == summary
