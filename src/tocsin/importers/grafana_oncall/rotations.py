"""How Grafana OnCall computes a shift's turns, and those turns as Tocsin layer fields.

The rules (learned from OnCall's public API and scheduling code):

* ``start`` is a local wall time in the shift's zone (its ``time_zone``, else the schedule's
  for calendar schedules, else UTC for web schedules, whose shifts the UI stores in UTC);
  ``rotation_start`` and ``until`` are UTC instants;
* turn *j* starts ``j × interval`` units after ``start`` at the same wall time and lasts
  ``duration``; it belongs to user group ``j mod len(rolling_users)`` (after
  ``start_rotation_from_user_index``), so ``start`` is the rotation's anchor;
* turns before ``rotation_start`` are skipped, except that a web shift keeps the one running
  at it, cut to begin there; coverage ends at ``until``; a weekly rotation with ``by_day``
  hands off at ``week_start`` and covers the listed days at ``start``'s time of day.

Tocsin's layer starts at its first hand-off and covers nobody before it, so a rotation whose
anchor precedes ``rotation_start`` starts at the first turn OnCall keeps, its participants
turned so the same group holds it; a cut turn is a layer of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tocsin.core.rotation import resolve_wall_time
from tocsin.core.schedule import RotationKind, load_zone
from tocsin.importers.report import ImportReport
from tocsin.oncall.schedules.schemas import DailyWindow, WeeklyWindow

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
UNIT_DAYS = {"daily": 1, "weekly": 7}


def naive(text: str) -> datetime:
    """OnCall's ``%Y-%m-%dT%H:%M:%S`` (an offset, if any, is dropped: the zone decides)."""
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")).replace(tzinfo=None)


def instant(text: str) -> datetime:
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def weekday(code: Any) -> int | None:
    return DAYS.index(code) if code in DAYS else None


class Shift:
    """One on-call shift, its times resolved in its zone."""

    def __init__(self, shift: Mapping[str, Any], zone_name: str, web: bool) -> None:
        self.raw = shift
        self.id = str(shift["id"])
        self.what = f"shift {self.id} ({shift.get('name') or shift.get('type')})"
        self.zone_name = zone_name
        self.zone: ZoneInfo = load_zone(zone_name)
        self.wall = naive(shift["start"])
        self.duration = timedelta(seconds=int(shift.get("duration") or 0))
        rotation_start = shift.get("rotation_start")
        self.rotation_start = instant(rotation_start) if rotation_start else None
        self.until = instant(shift["until"]) if shift.get("until") else None
        self.frequency = shift.get("frequency")
        self.interval = int(shift.get("interval") or 1)
        self.by_day = [d for d in (weekday(x) for x in shift.get("by_day") or ()) if d is not None]
        self.web = web  # the public API hides a shift's source; a web schedule's are web

    def at(self, wall: datetime) -> datetime:
        return resolve_wall_time(wall, self.zone)

    def end_of(self, wall: datetime) -> datetime:
        return self.at(wall + self.duration)


def shift_zone(shift: Mapping[str, Any], schedule: Mapping[str, Any]) -> str:
    if shift.get("time_zone"):
        return str(shift["time_zone"])
    if schedule.get("type") == "calendar" and schedule.get("time_zone"):
        return str(schedule["time_zone"])
    return "UTC"


def whole_minutes(span: timedelta, what: str, report: ImportReport) -> int:
    seconds = int(span.total_seconds())
    minutes, rest = divmod(seconds, 60)
    if rest:
        minutes += 1 if rest >= 30 else 0
        report.changed(what, f"duration {seconds}s is not whole minutes; {minutes} min used")
    return max(minutes, 1)


def turns(
    groups: Sequence[Sequence[Any]], keys: Mapping[str, str], what: str, report: ImportReport
) -> list[str]:
    """One person per turn: a group's first known member; the rest are reported."""
    chosen: list[str] = []
    for number, group in enumerate(groups):
        known = [keys[str(u)] for u in group if str(u) in keys]
        for user in group:
            if str(user) not in keys:
                report.unmatched(what, f"user {user} is not among the users; left out")
        if not known:
            report.changed(what, f"turn {number + 1} has no known user; the turn was dropped")
            continue
        chosen.append(known[0])
        if len(known) > 1:
            report.lost(
                what,
                f"turn {number + 1} has {len(known)} people on call together; Tocsin's layers "
                f"take one person per turn, so {known[0]} holds it and {', '.join(known[1:])} "
                "is not on call (add a second schedule to the policy's level for them)",
            )
    return chosen


def _first_kept(shift: Shift, anchor: datetime, step: timedelta, dtstart_offset: timedelta) -> int:
    """Number of the first occurrence OnCall keeps given ``rotation_start``."""
    if shift.rotation_start is None:
        return 0
    number = 0
    if shift.rotation_start > shift.at(anchor) + timedelta(days=8):
        estimate = (shift.rotation_start - shift.at(anchor)) // step
        number = max(0, int(estimate) - 2)
    while True:
        wall = shift.wall if number == 0 else anchor + number * step + dtstart_offset
        start = shift.at(wall)
        if start >= shift.rotation_start or (
            shift.web and shift.end_of(wall) > shift.rotation_start
        ):
            return number
        number += 1


def _first_hour_kept(shift: Shift, step: timedelta) -> int:
    """Hour rotations count real hours, so the first kept turn is plain division."""
    if shift.rotation_start is None:
        return 0
    start = shift.at(shift.wall)
    lead = shift.duration if shift.web else timedelta(0)
    number = max(0, -(-(shift.rotation_start - start - lead) // step))
    if shift.web and start + number * step + shift.duration <= shift.rotation_start:
        number += 1
    return int(number)


def rotation_layers(
    shift: Shift, groups: list[list[Any]], keys: Mapping[str, str], report: ImportReport
) -> list[dict[str, Any]]:
    what = shift.what
    people = turns(groups, keys, what, report)
    if not people:
        return []
    frequency, interval = shift.frequency, shift.interval
    restrictions: list[Any] = []
    if frequency == "hourly":
        kind, step = RotationKind.HOURS, timedelta(hours=interval)
    elif frequency in UNIT_DAYS:
        kind = RotationKind.DAILY if frequency == "daily" else RotationKind.WEEKLY
        step = timedelta(days=UNIT_DAYS[frequency] * interval)
    else:
        report.lost(what, f"frequency {frequency!r} has no Tocsin rotation; the shift was skipped")
        return []
    if shift.by_day and shift.raw.get("type") == "rolling_users":
        week_start = weekday(shift.raw.get("week_start")) or 0
        if shift.wall.weekday() not in shift.by_day:
            # OnCall moves such a start to the first listed day counted from week_start,
            # which may be in the next week
            first = min(shift.by_day, key=lambda d: (d - week_start) % 7)
            shift.wall += timedelta(days=(first - shift.wall.weekday()) % 7)
    anchor, offset = shift.wall, timedelta(0)
    if shift.by_day and frequency == "daily":
        if len(people) > 1:
            report.lost(
                what,
                "a daily rotation on chosen weekdays hands off on each listed day; Tocsin "
                "rotations hand off every day or week, so the shift was skipped",
            )
            return []
        if interval != 1:
            report.lost(what, "every-N-days on chosen weekdays has no Tocsin form; skipped")
            return []
    if shift.by_day and frequency == "weekly":
        if interval != 1:
            report.lost(what, "every-N-weeks on chosen weekdays has no Tocsin form; skipped")
            return []
        week_start = weekday(shift.raw.get("week_start")) or 0
        anchor = shift.wall - timedelta(days=(shift.wall.weekday() - week_start) % 7)
        first_day = min((d - week_start) % 7 for d in shift.by_day)
        offset = timedelta(days=first_day)
    if shift.by_day:
        minutes = whole_minutes(shift.duration, what, report)
        for day in sorted(shift.by_day):
            restrictions.append(
                WeeklyWindow(
                    kind="weekly",
                    weekday=day,
                    start_time=shift.wall.time(),
                    duration_minutes=min(minutes, 7 * 1440),
                )
            )
    elif shift.duration < step:
        minutes = whole_minutes(shift.duration, what, report)
        if frequency == "daily" and interval == 1:
            restrictions.append(
                DailyWindow(kind="daily", start_time=shift.wall.time(), duration_minutes=minutes)
            )
        elif frequency == "weekly" and interval == 1:
            restrictions.append(
                WeeklyWindow(
                    kind="weekly",
                    weekday=shift.wall.weekday(),
                    start_time=shift.wall.time(),
                    duration_minutes=minutes,
                )
            )
        else:
            report.changed(
                what,
                f"on call {minutes} min of every {int(step.total_seconds() // 60)} min; Tocsin "
                "has no such window, so the whole period is covered",
            )
    elif shift.duration > step:
        report.changed(what, "its shifts overlap each other; each ends at the next hand-off")
    if frequency == "hourly":
        number = _first_hour_kept(shift, step)
        hourly_start = shift.at(shift.wall)

        def handoff(n: int) -> datetime:
            return hourly_start + n * step
    else:
        number = _first_kept(shift, anchor, step, offset)

        def handoff(n: int) -> datetime:
            return shift.at(anchor + n * step)

    layer = {
        "name": str(shift.raw.get("name") or "")[:200],
        "kind": kind,
        "length": interval,
        "end": shift.until,
        "restrictions": restrictions,
    }
    # Coverage of the first kept turn begins at the start itself in the first week of a
    # by_day rotation (which hands off at week_start, maybe before it) and never before
    # rotation_start (a web rotation keeps the turn running then, cut to begin there).
    begins = handoff(number)
    if number == 0:
        begins = max(begins, shift.at(shift.wall))
    if shift.rotation_start is not None:
        begins = max(begins, shift.rotation_start)
    layers = []
    if begins > handoff(number):
        # Tocsin layers begin at a hand-off, so that cut turn is a layer of its own.
        cut_end = handoff(number + 1)
        if shift.until is not None:
            cut_end = min(cut_end, shift.until)
        head = {**layer, "start": begins, "end": cut_end}
        layers.append({**head, "participants": [people[number % len(people)]]})
        number += 1
    turn = number % len(people)
    layers.append(
        {**layer, "start": handoff(number), "participants": people[turn:] + people[:turn]}
    )
    return layers


def single_layer(
    shift: Shift, keys: Mapping[str, str], report: ImportReport
) -> list[dict[str, Any]]:
    people = turns([list(shift.raw.get("users") or [])], keys, shift.what, report)
    if not people:
        return []
    start, end = shift.at(shift.wall), shift.end_of(shift.wall)
    if shift.rotation_start is not None:
        start = max(start, shift.rotation_start)
    if shift.until is not None:
        end = min(end, shift.until)
    return [
        {
            "name": str(shift.raw.get("name") or "")[:200],
            "kind": RotationKind.DAILY,
            "length": 1,
            "start": start,
            "end": end,
            "participants": people,
            "restrictions": [],
        }
    ]
