"""Property: for any OnCall daily or weekly rotation, the imported layer puts the same person
on call at every instant as OnCall's own rules, stated here independently: turn *j* starts
``j × interval`` units after ``start`` at the same local wall time, lasts ``duration``, goes
to group ``j mod groups``, and coverage is cut to ``[rotation_start, until)`` (a web shift
keeping the turn running at its rotation start, an API one only turns starting from it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.importers.grafana_oncall import IMPORTER
from tocsin.importers.keys import PeopleDirectory
from tocsin.importers.report import Kind
from tocsin.importers.verify import Span, differences, tocsin_spans

USERS = ["UA", "UB", "UC"]
ZONES = ["Europe/Berlin", "America/New_York", "UTC"]


def _at(wall: datetime, zone: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _oncall(shift: dict, zone: ZoneInfo, web: bool, end: datetime) -> list[Span]:
    """OnCall's turns, from the rules above (wall times avoid the nightly DST hours)."""
    unit = 1 if shift["frequency"] == "daily" else 7
    period = timedelta(days=unit * shift["interval"])
    anchor = datetime.fromisoformat(shift["start"])
    duration = timedelta(seconds=shift["duration"])
    rotation_start = datetime.fromisoformat(shift["rotation_start"]).replace(tzinfo=UTC)
    until = datetime.fromisoformat(shift["until"]).replace(tzinfo=UTC) if shift["until"] else end
    groups = shift["rolling_users"]
    spans, j = [], 0
    while _at(anchor + j * period, zone) < min(until, end):
        begins = _at(anchor + j * period, zone)
        ends = _at(anchor + j * period + duration, zone)
        kept = begins >= rotation_start or (web and ends > rotation_start)
        low, high = max(begins, rotation_start), min(ends, until)
        if kept and low < high:
            spans.append(Span(low, high, f"go-user-{groups[j % len(groups)][0].lower()}"))
        j += 1
    return spans


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    web=st.booleans(),
    frequency=st.sampled_from(["daily", "weekly"]),
    interval=st.integers(1, 3),
    day=st.integers(0, 60),
    hour=st.integers(4, 23),
    minute=st.sampled_from([0, 30]),
    hours=st.integers(1, 24 * 21),
    groups=st.integers(1, 3),
    index=st.integers(0, 2),
    delay_hours=st.integers(-48, 24 * 40),
    until_days=st.one_of(st.none(), st.integers(5, 80)),
)
def test_imported_rotations_render_as_oncall_does(
    zone: str,
    web: bool,
    frequency: str,
    interval: int,
    day: int,
    hour: int,
    minute: int,
    hours: int,
    groups: int,
    index: int,
    delay_hours: int,
    until_days: int | None,
) -> None:
    unit_hours = 24 * (1 if frequency == "daily" else 7) * interval
    # a full turn, or (for interval 1, where Tocsin has windows) part of one
    duration_hours = unit_hours if interval > 1 else min(hours, unit_hours)
    anchor = datetime(2027, 1, 1, hour, minute) + timedelta(days=day)
    anchor_utc = _at(anchor, ZoneInfo(zone))
    rotation_start = anchor_utc + timedelta(hours=delay_hours)
    until = anchor_utc + timedelta(days=until_days) if until_days else None
    shift = {
        "id": "OP",
        "schedule": "SP",
        "type": "rolling_users",
        "time_zone": zone,
        "level": 0,
        "start": anchor.isoformat(),
        "rotation_start": rotation_start.replace(tzinfo=None).isoformat(),
        "until": until.replace(tzinfo=None).isoformat() if until else None,
        "duration": duration_hours * 3600,
        "frequency": frequency,
        "interval": interval,
        "week_start": "MO",
        "rolling_users": [[u] for u in USERS[:groups]],
        "start_rotation_from_user_index": index % groups,
    }
    users = [{"id": u, "email": f"{u.lower()}@example.com", "username": u.lower()} for u in USERS]
    schedule = {"id": "SP", "name": "P", "type": "web" if web else "calendar", "time_zone": zone}
    data = {"users": users, "schedules": [schedule], "on_call_shifts": [shift]}
    conversion = IMPORTER.convert(data, PeopleDirectory())
    assert conversion.report.of_kind(Kind.CHANGED) == []
    (doc,) = conversion.document.schedules
    turned = dict(
        shift,
        rolling_users=shift["rolling_users"][index % groups :]
        + shift["rolling_users"][: index % groups],
    )
    start, end = anchor_utc - timedelta(days=3), anchor_utc + timedelta(days=100)
    theirs = _oncall(turned, ZoneInfo(zone), web, end)
    assert differences("p", tocsin_spans(doc, start, end), theirs, start, end) == []


DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _oncall_by_day(shift: dict, zone: ZoneInfo, web: bool, end: datetime) -> list[Span]:
    """A weekly rotation on listed days: a start off the listed days moves to the first one
    counted from week_start; week *k* from week_start goes to group ``k mod groups`` and covers
    each listed day at the start's time; the first week only from the start on; a week is
    kept when its first turn starts from rotation_start (a web one: when it ends after it)."""
    listed = sorted(DAYS.index(d) for d in shift["by_day"])
    week_start = DAYS.index(shift["week_start"])
    start = datetime.fromisoformat(shift["start"])
    if start.weekday() not in listed:
        first = min(listed, key=lambda d: (d - week_start) % 7)
        start += timedelta(days=(first - start.weekday()) % 7)
    week0 = start - timedelta(days=(start.weekday() - week_start) % 7)
    duration = timedelta(seconds=shift["duration"])
    rotation_start = datetime.fromisoformat(shift["rotation_start"]).replace(tzinfo=UTC)
    until = datetime.fromisoformat(shift["until"]).replace(tzinfo=UTC) if shift["until"] else end
    groups = shift["rolling_users"]
    spans, kept = [], False
    for k in range(30):
        days = [week0 + timedelta(days=7 * k + n) for n in range(7)]
        turns = [d for d in days if d.weekday() in listed and d >= start]
        if not turns:
            continue
        first_begins, first_ends = _at(turns[0], zone), _at(turns[0] + duration, zone)
        kept = kept or first_begins >= rotation_start or (web and first_ends > rotation_start)
        if not kept:
            continue
        for turn in turns:
            low = max(_at(turn, zone), rotation_start)
            high = min(_at(turn + duration, zone), until, end)
            if low < high:
                spans.append(Span(low, high, f"go-user-{groups[k % len(groups)][0].lower()}"))
    return spans


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    web=st.booleans(),
    listed=st.sets(st.sampled_from(DAYS), min_size=1),
    week_start=st.sampled_from(DAYS),
    day=st.integers(0, 60),
    hour=st.integers(4, 14),
    hours=st.integers(1, 9),
    groups=st.integers(1, 3),
    delay_hours=st.integers(-48, 24 * 30),
    until_days=st.one_of(st.none(), st.integers(5, 80)),
)
def test_imported_weekly_rotations_on_listed_days_render_as_oncall_does(
    zone: str,
    web: bool,
    listed: set[str],
    week_start: str,
    day: int,
    hour: int,
    hours: int,
    groups: int,
    delay_hours: int,
    until_days: int | None,
) -> None:
    anchor = datetime(2027, 1, 1, hour) + timedelta(days=day)
    anchor_utc = _at(anchor, ZoneInfo(zone))
    rotation_start = anchor_utc + timedelta(hours=delay_hours)
    until = anchor_utc + timedelta(days=until_days) if until_days else None
    shift = {
        "id": "OD",
        "schedule": "SP",
        "type": "rolling_users",
        "time_zone": zone,
        "level": 0,
        "start": anchor.isoformat(),
        "rotation_start": rotation_start.replace(tzinfo=None).isoformat(),
        "until": until.replace(tzinfo=None).isoformat() if until else None,
        "duration": hours * 3600,
        "frequency": "weekly",
        "interval": 1,
        "week_start": week_start,
        "by_day": sorted(listed, key=DAYS.index),
        "rolling_users": [[u] for u in USERS[:groups]],
    }
    users = [{"id": u, "email": f"{u.lower()}@example.com", "username": u.lower()} for u in USERS]
    schedule = {"id": "SP", "name": "P", "type": "web" if web else "calendar", "time_zone": zone}
    data = {"users": users, "schedules": [schedule], "on_call_shifts": [shift]}
    conversion = IMPORTER.convert(data, PeopleDirectory())
    assert conversion.report.of_kind(Kind.CHANGED) == []
    (doc,) = conversion.document.schedules
    start, end = anchor_utc - timedelta(days=3), anchor_utc + timedelta(days=120)
    theirs = _oncall_by_day(shift, ZoneInfo(zone), web, end)
    assert differences("p", tocsin_spans(doc, start, end), theirs, start, end) == []
