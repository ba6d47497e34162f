"""PagerDuty's shift-based (v3) schedules: recorded answers (schedules_v3.json, overrides_v3/,
rendered/PSHIFT*.json, built from PagerDuty's published v3 API schema) through the API
(MockTransport, which checks the v3 headers) and offline, and against PagerDuty's rule written
out in ``pagerduty_v3_model`` (no Tocsin code).

PSHIFT1 "Support business hours" (America/New_York, clocks spring forward 2026-03-08):
* "Business hours": Mon-Fri 09:00-17:00 from Mon 2026-03-02, 5 shifts a member over Ana, Bob,
  Carla: a week each. 09:00 EST is 14:00Z, after the change 09:00 EDT is 13:00Z; Bob has the
  week of 03-09, Carla 03-16, Ana 03-23.
* "Evenings": Mon-Fri 17:00-21:00, first on Wed 03-04, one shift a member over Bob, Dan,
  effective from 03-10T00:00Z, inside Monday 03-09's evening (Dan's: Wed 0 Bob, Thu 1 Dan,
  Fri 2 Bob, Mon 3 Dan, Tue 4 Bob).
* an override (Dan for Carla, 03-18 14:00Z-18:00Z) and a custom shift (Ana, Sat 03-21).

PSHIFT2 "Tokyo nights" (Asia/Tokyo, no DST): 22:00 for 10 hours every day from 03-01, two
nights a member over Carla, Dan, effective 03-12T16:00Z (inside Dan's night of 03-12) until
04-06T00:00Z.
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.importers.pagerduty_v3_model import DAYS, rendered_body, rendering
from tests.importers.test_pagerduty import (
    IMPORTER,
    KEY,
    RECORDED,
    SINCE,
    WEEKS,
    RecordedPagerDuty,
    _offline,
    _text,
)
from tocsin.importers import base
from tocsin.importers.keys import PeopleDirectory
from tocsin.importers.pagerduty import PagerDutyConversion
from tocsin.importers.pagerduty.shift_based import convert_schedule_v3
from tocsin.importers.report import ImportReport, Kind
from tocsin.importers.source import Api
from tocsin.importers.verify import Span, differences, tocsin_spans

UNTIL = SINCE + timedelta(weeks=WEEKS)
ANA, BOB, CARLA, DAN = "PANA001", "PBOB002", "PCAR003", "PDAN004"


def _z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _saved(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


def _on_top(schedule_id: str) -> list[dict[str, Any]]:
    file = RECORDED / "overrides_v3" / f"{schedule_id}.json"
    body = json.loads(file.read_text()) if file.exists() else {}
    return [*body.get("overrides", []), *body.get("custom_shifts", [])]


def _who(entries: list[dict[str, Any]], at: str) -> str | None:
    moment = _z(at)
    for entry in entries:
        if _z(entry["start_time"]) <= moment < _z(entry["end_time"]):
            return str(entry["member"]["user_id"])
    return None


def test_the_recorded_renderings_are_pagerdutys_rule() -> None:
    for schedule in _saved("schedules_v3.json")["schedules"]:
        recorded = _saved(f"rendered/{schedule['id']}.json")
        assert recorded == rendered_body(schedule, _on_top(schedule["id"]), SINCE, UNTIL)
    business = _saved("rendered/PSHIFT1.json")["schedule"]["final_schedule"]
    entries = business["computed_shift_assignments"]
    # worked out by hand from the docstring above
    assert _who(entries, "2026-03-09T12:59:00Z") is None  # 08:59 EDT
    assert _who(entries, "2026-03-09T13:00:00Z") == BOB  # 09:00 EDT, after the change
    assert _who(entries, "2026-03-09T21:00:00Z") is None  # Monday evening not yet effective
    assert _who(entries, "2026-03-10T00:30:00Z") == DAN  # from effective_since
    assert _who(entries, "2026-03-16T21:00:00Z") == BOB  # Monday 03-16 is shift 8: Bob
    assert _who(entries, "2026-03-18T13:30:00Z") == CARLA
    assert _who(entries, "2026-03-18T14:00:00Z") == DAN  # the override
    assert _who(entries, "2026-03-21T15:00:00Z") == ANA  # the custom shift, a Saturday
    assert _who(entries, "2026-03-23T13:00:00Z") == ANA
    nights = _saved("rendered/PSHIFT2.json")["schedule"]["final_schedule"]
    entries = nights["computed_shift_assignments"]
    assert _who(entries, "2026-03-12T16:00:00Z") == DAN
    assert _who(entries, "2026-03-13T13:00:00Z") == CARLA  # 22:00 JST
    assert _who(entries, "2026-03-14T22:59:00Z") == CARLA  # 07:59 JST, across midnight
    assert _who(entries, "2026-03-15T13:00:00Z") == DAN
    assert _who(entries, "2026-04-06T00:00:00Z") is None  # effective_until


def test_business_hours_become_a_weekly_turn_on_weekday_windows_in_the_schedules_zone() -> None:
    conversion = IMPORTER.convert(_offline(), PeopleDirectory())
    docs = {doc.key: doc for doc in conversion.document.schedules}
    business = docs["pd-schedule-pshift1"]
    assert (business.time_zone, business.team) == ("America/New_York", "pd-team-pteam01")
    weekly = business.layers[0]
    assert (weekly.kind.value, weekly.length, weekly.start) == (
        "weekly",
        1,
        datetime(2026, 3, 2, 14, tzinfo=UTC),
    )
    assert weekly.participants == ["pd-user-pana001", "pd-user-pbob002", "pd-user-pcar003"]
    windows = [w.model_dump(mode="json") for w in weekly.restrictions]
    assert windows == [
        {"kind": "weekly", "weekday": d, "start_time": "09:00:00", "duration_minutes": 480}
        for d in range(5)
    ]
    # one shift a member over five weekdays: one weekly layer a weekday, with the member
    # sequence PagerDuty has on it (Monday: Dan until 03-16, then Bob, Dan, ...)
    mondays = [layer for layer in business.layers if layer.name.startswith("Evenings (Mon)")]
    assert [(m.kind.value, m.participants) for m in mondays] == [
        ("hours", ["pd-user-pdan004"]),
        ("weekly", ["pd-user-pbob002", "pd-user-pdan004"]),
    ]
    assert [(o.person, o.start) for o in business.overrides or ()] == [
        ("pd-user-pdan004", datetime(2026, 3, 18, 14, tzinfo=UTC)),
        ("pd-user-pana001", datetime(2026, 3, 21, 14, tzinfo=UTC)),
    ]
    nights = docs["pd-schedule-pshift2"].layers[-1]
    assert (nights.kind.value, nights.length, nights.end) == (
        "days",
        2,
        datetime(2026, 4, 6, tzinfo=UTC),
    )
    assert [w.model_dump(mode="json") for w in nights.restrictions] == [
        {"kind": "daily", "start_time": "22:00:00", "duration_minutes": 600}
    ]
    assert isinstance(conversion, PagerDutyConversion)
    assert conversion.shift_based == {"PSHIFT1", "PSHIFT2"}
    assert not [f for f in conversion.report.findings if "PSHIFT" in f.source]


def test_the_api_reads_v3_with_its_headers_and_verifies_with_no_difference() -> None:
    server = RecordedPagerDuty()
    with IMPORTER.client(KEY, transport=httpx.MockTransport(server)) as api:
        _read_and_verify_through(api, server)


def _read_and_verify_through(api: Api, server: RecordedPagerDuty) -> None:
    online = IMPORTER.read_api(api, now=SINCE)
    paths = [r.url.path for r in server.requests if r.url.path.startswith("/v3")]
    assert paths == [
        "/v3/schedules",
        "/v3/schedules",  # the recorded server answers one v3 schedule a page
        "/v3/schedules/PSHIFT1",
        "/v3/schedules/PSHIFT1/overrides",
        "/v3/schedules/PSHIFT1/custom_shifts",
        "/v3/schedules/PSHIFT2",
        "/v3/schedules/PSHIFT2/overrides",
        "/v3/schedules/PSHIFT2/custom_shifts",
    ]
    pages = [r.url.params["offset"] for r in server.requests if r.url.path == "/v3/schedules"]
    assert pages == ["0", "1"]
    conversion = IMPORTER.convert(online, PeopleDirectory())
    assert _text(conversion) == _text(IMPORTER.convert(_offline(), PeopleDirectory()))
    assert base.verify(IMPORTER, online, conversion, SINCE, WEEKS, api) == []
    rendered = [r for r in server.requests if r.url.params.get("include[]") == "final_schedule"]
    assert sorted(r.url.path for r in rendered) == [
        "/v3/schedules/PSHIFT1",
        "/v3/schedules/PSHIFT2",
    ]
    data = _offline()
    assert (
        base.verify(IMPORTER, data, IMPORTER.convert(data, PeopleDirectory()), SINCE, WEEKS, None)
        == []
    )


def test_verify_names_the_instant_and_both_answers_where_a_v3_rendering_differs(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "pd"
    shutil.copytree(RECORDED, folder)
    rendered = folder / "rendered" / "PSHIFT1.json"
    body = json.loads(rendered.read_text())
    [entry] = [
        e
        for e in body["schedule"]["final_schedule"]["computed_shift_assignments"]
        if e["start_time"] == "2026-03-23T13:00:00Z"
    ]
    entry["member"]["user_id"] = CARLA
    rendered.write_text(json.dumps(body))
    data = IMPORTER.read_offline(folder)
    [difference] = base.verify(
        IMPORTER, data, IMPORTER.convert(data, PeopleDirectory()), SINCE, WEEKS, None
    )
    assert (difference.schedule, difference.start, difference.end) == (
        "pd-schedule-pshift1",
        datetime(2026, 3, 23, 13, tzinfo=UTC),
        _z(entry["end_time"]),
    )
    assert (difference.tocsin, difference.source) == ("pd-user-pana001", "pd-user-pcar003")


def _event(name: str, rule: str, **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(_saved("schedules_v3.json")["schedules"][0]["rotations"][0]["events"][0])
    event.update(id=f"EVT{name.upper()}", name=name, recurrence=[rule], **changes)
    return event


def _members(*users: str) -> list[dict[str, str]]:
    return [{"type": "user_member", "user_id": u} for u in users]


def test_shapes_tocsin_cannot_express_are_reported_and_the_rest_imports() -> None:
    data = _offline()
    business = data["schedules_v3"][0]
    expected_layers = len(IMPORTER.convert(data, PeopleDirectory()).document.schedules[2].layers)
    every = {"type": "every_member_assignment_strategy", "members": _members(ANA, BOB)}
    empty = {
        "type": "rotating_member_assignment_strategy",
        "shifts_per_member": 1,
        "members": [{"type": "user_member", "user_id": ANA}, {"type": "empty_member"}],
    }
    long = {
        "type": "rotating_member_assignment_strategy",
        "shifts_per_member": 13,
        "members": _members(*[ANA, BOB] * 10),
    }
    berlin = {"date_time": "2026-03-02T08:00:00Z", "time_zone": "Europe/Berlin"}
    unsupported = {
        "monthly": _event("monthly", "RRULE:FREQ=MONTHLY;BYMONTHDAY=1"),
        "hourly": _event("hourly", "RRULE:FREQ=HOURLY"),
        "fortnight": _event("fortnight", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
        "counted": _event("counted", "RRULE:FREQ=DAILY;COUNT=3"),
        "offday": _event("offday", "RRULE:FREQ=WEEKLY;BYDAY=TU,TH"),
        "everyone": _event("everyone", "RRULE:FREQ=DAILY", assignment_strategy=every),
        "gap": _event("gap", "RRULE:FREQ=DAILY", assignment_strategy=empty),
        "long": _event("long", "RRULE:FREQ=WEEKLY;BYDAY=MO,TU", assignment_strategy=long),
        "berlin": _event("berlin", "RRULE:FREQ=DAILY", start_time=berlin),
    }
    business["rotations"].append({"id": "ROTODD", "events": list(unsupported.values())})
    conversion = IMPORTER.convert(data, PeopleDirectory())
    lost = {
        f.source.rsplit(" ", 2)[-2].removeprefix("EVT").lower(): f.message
        for f in conversion.report.of_kind(Kind.LOST)
        if "ROTODD" in f.source
    }
    assert set(lost) == set(unsupported)
    assert "FREQ=MONTHLY" in lost["monthly"] and "FREQ=HOURLY" in lost["hourly"]
    assert "INTERVAL=2" in lost["fortnight"] and "COUNT" in lost["counted"]
    assert "not on a listed BYDAY day" in lost["offday"]
    assert "all 2 members are on call at once" in lost["everyone"]
    assert "empty_member" in lost["gap"]
    assert "130 weeks" in lost["long"]
    assert "Europe/Berlin" in lost["berlin"]
    assert all(m.endswith("the event was not imported") for m in lost.values())
    docs = {doc.key: doc for doc in conversion.document.schedules}
    assert len(docs["pd-schedule-pshift1"].layers) == expected_layers
    assert base.verify(IMPORTER, data, conversion, SINCE, WEEKS, None) == []


def test_approximations_are_reported_as_changes() -> None:
    data = _offline()
    business = data["schedules_v3"][0]
    lone = {"type": "every_member_assignment_strategy", "members": _members(DAN)}
    late = {"date_time": "2026-03-02T20:00:00Z", "time_zone": "America/New_York"}
    events = [
        # a night window holding the 02:00 spring-forward: Tocsin keeps its local end
        _event(
            "night",
            "RRULE:FREQ=WEEKLY;BYDAY=SU",
            start_time={"date_time": "2026-03-01T05:00:00Z", "time_zone": "America/New_York"},
            end_time={"date_time": "2026-03-01T09:00:00Z", "time_zone": "America/New_York"},
            assignment_strategy=lone,
        ),
        # 15:00-23:00 overlaps business hours
        _event(
            "late",
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            start_time=late,
            end_time={"date_time": "2026-03-03T04:00:00Z", "time_zone": "America/New_York"},
            assignment_strategy=lone,
        ),
        _event("skips", "RRULE:FREQ=WEEKLY;BYDAY=MO", assignment_strategy=lone)
        | {"recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE:20260309T140000Z"]},
    ]
    business["rotations"].append({"id": "ROTAPPROX", "events": events})
    conversion = IMPORTER.convert(data, PeopleDirectory())
    changed = [f for f in conversion.report.of_kind(Kind.CHANGED) if "ROTAPPROX" in f.source]
    messages: dict[str, str] = {}
    for finding in changed:
        event_id = finding.source.rsplit(" ", 2)[-2]
        messages[event_id] = messages.get(event_id, "") + finding.message
    assert "DST change" in messages["EVTNIGHT"]
    assert "ROTBUSINESS0000000000001" in messages["EVTLATE"]
    assert "EXDATE:20260309T140000Z" in messages["EVTSKIPS"]
    assert not [f for f in conversion.report.of_kind(Kind.LOST) if "PSHIFT" in f.source]


def test_a_re_import_of_shift_based_schedules_is_identical() -> None:
    first = _text(IMPORTER.convert(_offline(), PeopleDirectory()))
    assert first == _text(IMPORTER.convert(_offline(), PeopleDirectory()))
    assert "pd-schedule-pshift1" in first


# --- property: any daily or weekly rotating event renders as PagerDuty's rule ------------


@settings(max_examples=60, deadline=None)
@given(
    zone_name=st.sampled_from(["America/New_York", "Europe/Berlin", "Australia/Sydney"]),
    day=st.integers(0, 360),
    hour=st.sampled_from([0, 6, 9, 17, 20, 22]),
    hours=st.integers(1, 14),
    weekdays=st.sets(st.integers(0, 6), min_size=1),
    shifts=st.integers(1, 8),
    n=st.integers(1, 4),
    lead_days=st.integers(-20, 40),
)
def test_every_daily_or_weekly_event_renders_as_pagerdutys_rule(
    zone_name: str,
    day: int,
    hour: int,
    hours: int,
    weekdays: set[int],
    shifts: int,
    n: int,
    lead_days: int,
) -> None:
    zone = ZoneInfo(zone_name)
    first_local = datetime(2026, 1, 1, hour) + timedelta(days=day)
    weekdays.add(first_local.weekday())
    gaps = sorted(weekdays)
    assume(
        hours * 3600
        <= min(((b - a) % 7 or 7) * 86400 for a, b in zip(gaps, gaps[1:] + gaps[:1], strict=True))
    )
    first = first_local.replace(tzinfo=zone).astimezone(UTC)
    since = first + timedelta(days=lead_days, hours=5)
    users = ["PA", "PB", "PC", "PD"][:n]
    event = {
        "id": "EVT",
        "name": "E",
        "start_time": {"date_time": first.isoformat(), "time_zone": zone_name},
        "end_time": {
            "date_time": (first + timedelta(hours=hours)).isoformat(),
            "time_zone": zone_name,
        },
        "effective_since": since.isoformat(),
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=" + ",".join(DAYS[d] for d in sorted(weekdays))],
        "assignment_strategy": {
            "type": "rotating_member_assignment_strategy",
            "shifts_per_member": shifts,
            "members": _members(*users),
        },
    }
    schedule = {"id": "S", "name": "S", "time_zone": zone_name, "rotations": [{"events": [event]}]}
    report = ImportReport()
    doc = convert_schedule_v3(schedule, [], {u: u.lower() for u in users}, {}, report)
    assert doc is not None
    assert not report.of_kind(Kind.LOST)
    assume(not report.of_kind(Kind.CHANGED))  # a DST change inside a window
    start = max(since, first) - timedelta(days=3)
    end = start + timedelta(weeks=12)
    theirs = [
        Span(_z(e["start_time"]), _z(e["end_time"]), e["member"]["user_id"].lower())
        for e in rendering(schedule, [], start, end)
    ]
    assert differences("S", tocsin_spans(doc, start, end), theirs, start, end) == []


def test_a_key_that_cannot_read_v3_still_imports_the_rest_and_says_so() -> None:
    recorded = RecordedPagerDuty()

    def no_v3(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v3"):
            return httpx.Response(403, json={"error": {"message": "Forbidden", "code": 2010}})
        return recorded(request)

    with IMPORTER.client(KEY, transport=httpx.MockTransport(no_v3)) as api:
        data = IMPORTER.read_api(api, now=SINCE)
    conversion = IMPORTER.convert(data, PeopleDirectory())
    assert [s.key for s in conversion.document.schedules] == [
        "pd-schedule-psched1",
        "pd-schedule-psched2",
    ]
    [finding] = [f for f in conversion.report.of_kind(Kind.LOST) if "/v3" in f.source]
    assert "answered 403" in finding.message


def test_a_shift_based_schedule_in_the_classic_list_is_read_from_v3_only() -> None:
    recorded = RecordedPagerDuty()

    def listing_v3_too(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/schedules":
            page = json.loads(recorded(request).content)
            page["schedules"].append({"id": "PSHIFT1", "type": "schedule", "name": "Support"})
            return httpx.Response(200, json=page)
        if request.url.path == "/schedules/PSHIFT1":
            message = "This is a shift-based schedule. Use the v3 Schedules API to access it."
            return httpx.Response(400, json={"error": {"message": message, "code": 2001}})
        return recorded(request)

    with IMPORTER.client(KEY, transport=httpx.MockTransport(listing_v3_too)) as api:
        data = IMPORTER.read_api(api, now=SINCE)
    assert [s["id"] for s in data["schedules"]] == ["PSCHED1", "PSCHED2"]
    assert [s["id"] for s in data["schedules_v3"]] == ["PSHIFT1", "PSHIFT2"]
