"""PagerDuty's shift-based schedules (REST API ``/v3/schedules``) as Tocsin schedules.

A v3 schedule holds rotations, a rotation holds events. An event is a recurring window: its
first occurrence runs from ``start_time`` to ``end_time`` (each a ``{date_time, time_zone}``)
and an RFC 5545 RRULE repeats it in that zone. One occurrence is one *shift*. With the
rotating strategy, member 0 holds the first ``shifts_per_member`` shifts counted from the
first occurrence, member 1 the next ones, and so on round the list; ``effective_since`` and
``effective_until`` bound when shifts are produced.

Tocsin counts turns in calendar days or weeks and limits a layer to restriction windows, so
an event becomes, exactly:

* every day (``FREQ=DAILY``, or ``WEEKLY`` on all seven days), k shifts a member: a turn of
  k days handing off at the occurrence's local time, restricted to the daily window;
* on m listed weekdays with k a multiple of m: a turn of k/m weeks handing off at the first
  occurrence's weekday and time, restricted to the m weekly windows;
* on m listed weekdays otherwise: one layer per listed weekday, each a weekly rotation whose
  participant list is the member sequence PagerDuty has on that weekday, week after week
  (a list that repeats with period k·n/gcd(m, k·n) weeks).

Each such layer goes through the classic converter (:func:`convert_layer`), which already
keeps hand-offs whose anchor lies before or after the layer's start. The rest (hourly or
monthly rules, intervals, counts, several members on call at once, empty slots) is
reported and the other events still import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tocsin.config_as_code.document import OverrideDoc, ScheduleDoc
from tocsin.core.rotation import load_zone, resolve_wall_time, wall_time
from tocsin.importers.pagerduty.common import instant, label, ref_id
from tocsin.importers.pagerduty.schedules import convert_layer, schedule_doc, schedule_zone
from tocsin.importers.report import ImportReport
from tocsin.importers.source import SourceError

_DAY, _WEEK = 86400, 604800
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MAX_PARTICIPANTS = 100
_IGNORED_PARTS = {"WKST"}  # with INTERVAL=1 the week start changes nothing


class Unsupported(Exception):
    """An event Tocsin cannot express exactly; the message says why."""


@dataclass(frozen=True)
class Event:
    """An event read and checked: occurrences on ``days`` (Monday 0) at the local wall time
    of ``first``, each ``seconds`` long; ``shifts`` occurrences per member."""

    name: str
    first: datetime  # the first occurrence (DTSTART), UTC
    seconds: int
    days: tuple[int, ...]
    shifts: int
    users: tuple[str, ...]  # PagerDuty user ids, in turn order
    since: datetime
    until: datetime | None


def zoned(value: Any, what: str) -> tuple[datetime, str | None]:
    """A ZonedDateTime ``{date_time, time_zone}`` (or a bare ISO string): instant and zone."""
    if isinstance(value, Mapping):
        zone = value.get("time_zone")
        return instant(str(value.get("date_time"))), str(zone) if zone else None
    if isinstance(value, str):
        return instant(value), None
    raise SourceError(f"{what} {value!r} is not a date-time")


def _rrule(recurrence: Sequence[str], report: ImportReport, where: str) -> dict[str, str]:
    rules = [r for r in recurrence if str(r).upper().startswith("RRULE:")]
    others = [r for r in recurrence if not str(r).upper().startswith("RRULE:")]
    if len(rules) != 1:
        raise Unsupported(f"recurrence {list(recurrence)} does not hold exactly one RRULE")
    if others:
        report.changed(
            where,
            f"{', '.join(others)} (dates added or left out) are not carried over; "
            "Tocsin follows the RRULE on those dates too",
        )
    parts: dict[str, str] = {}
    for part in rules[0].split(":", 1)[1].split(";"):
        name, _, value = part.partition("=")
        if name.strip():
            parts[name.strip().upper()] = value.strip().upper()
    return parts


def _days(parts: Mapping[str, str], first_day: int) -> tuple[int, ...]:
    freq = parts.get("FREQ")
    if freq not in ("DAILY", "WEEKLY"):
        raise Unsupported(f"FREQ={freq} has no Tocsin rotation (daily and weekly rules only)")
    if parts.get("INTERVAL", "1") != "1":
        raise Unsupported(
            f"INTERVAL={parts['INTERVAL']} (every few {freq.lower()} periods) "
            "has no Tocsin restriction"
        )
    extra = set(parts) - {"FREQ", "INTERVAL", "BYDAY"} - _IGNORED_PARTS
    if extra:
        raise Unsupported(f"{', '.join(sorted(extra))} in the RRULE cannot be expressed")
    if "BYDAY" not in parts:
        return tuple(range(7)) if freq == "DAILY" else (first_day,)
    days = set()
    for code in parts["BYDAY"].split(","):
        if code not in _DAYS:
            raise Unsupported(f"BYDAY value {code!r} is not a plain weekday")
        days.add(_DAYS.index(code))
    if first_day not in days:
        raise Unsupported(
            "the first occurrence is not on a listed BYDAY day (RFC 5545 leaves that undefined)"
        )
    return tuple(sorted(days))


def _members(strategy: Mapping[str, Any]) -> tuple[int, tuple[str, ...]]:
    kind = strategy.get("type")
    members = list(strategy.get("members") or ())
    if not members:
        raise Unsupported("its assignment strategy has no members")
    users = []
    for member in members:
        if member.get("type") != "user_member" or not member.get("user_id"):
            raise Unsupported(
                "an empty slot (empty_member) in the rotation has no Tocsin equivalent"
            )
        users.append(str(member["user_id"]))
    if kind == "every_member_assignment_strategy":
        if len(users) > 1:
            raise Unsupported(
                f"all {len(users)} members are on call at once; a Tocsin schedule has one "
                "person at a time (page the others from the escalation level instead)"
            )
        return 1, tuple(users)
    if kind != "rotating_member_assignment_strategy":
        raise Unsupported(f"assignment strategy {kind!r} is unknown")
    shifts = int(strategy.get("shifts_per_member") or 0)
    if shifts < 1:
        raise Unsupported("shifts_per_member is missing or below 1")
    return shifts, tuple(users)


def read_event(event: Mapping[str, Any], zone_name: str, report: ImportReport, where: str) -> Event:
    """The event's shape, or :class:`Unsupported` saying why Tocsin cannot express it."""
    first, first_zone = zoned(event.get("start_time"), "start_time")
    end, _ = zoned(event.get("end_time"), "end_time")
    if first_zone and first_zone != zone_name:
        raise Unsupported(
            f"it recurs in {first_zone}, not in the schedule's {zone_name}; "
            "a Tocsin schedule has one zone"
        )
    seconds = int((end - first).total_seconds())
    if seconds <= 0:
        raise Unsupported("its end_time is not after its start_time")
    zone = load_zone(zone_name)
    parts = _rrule([str(r) for r in event.get("recurrence") or ()], report, where)
    days = _days(parts, wall_time(first, zone).weekday())
    gaps = [(b - a) % 7 or 7 for a, b in zip(days, days[1:] + days[:1], strict=True)]
    if seconds > min(gaps) * _DAY:
        raise Unsupported("its occurrences overlap each other")
    shifts, users = _members(event.get("assignment_strategy") or {})
    since = first
    if event.get("effective_since"):
        since = max(instant(str(event["effective_since"])), first)
    until = instant(str(event["effective_until"])) if event.get("effective_until") else None
    return Event(str(event.get("name") or ""), first, seconds, days, shifts, users, since, until)


def _restriction(day: int | None, start: datetime, seconds: int) -> dict[str, Any]:
    window: dict[str, Any] = {
        "type": "daily_restriction" if day is None else "weekly_restriction",
        "start_time_of_day": start.time().isoformat(),
        "duration_seconds": seconds,
    }
    if day is not None:
        window["start_day_of_week"] = day + 1  # PagerDuty's ISO day, as the classic layers
    return window


def classic_layers(event: Event, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The event as classic layers (the shape :func:`convert_layer` reads)."""
    local = wall_time(event.first, zone)
    m, k, n = len(event.days), event.shifts, len(event.users)
    whole = (m == 7 and event.seconds == _DAY) or (m == 1 and event.seconds == _WEEK)
    if m == 7:
        restrictions = [] if whole else [_restriction(None, local, event.seconds)]
        return [
            _classic(
                event, event.name, event.since, event.first, k * _DAY, event.users, restrictions
            )
        ]
    if k % m == 0:
        restrictions = [] if whole else [_restriction(d, local, event.seconds) for d in event.days]
        seconds = k // m * _WEEK
        return [
            _classic(
                event, event.name, event.since, event.first, seconds, event.users, restrictions
            )
        ]
    period = k * n // math.gcd(m, k * n)
    if period > _MAX_PARTICIPANTS:
        raise Unsupported(
            f"{k} shifts a member over {m} weekdays repeat only every {period} weeks, "
            f"more than a Tocsin layer's {_MAX_PARTICIPANTS} participants"
        )
    layers = []
    for day in event.days:
        offset = (day - local.weekday()) % 7
        before = sum(1 for d in event.days if (d - local.weekday()) % 7 < offset)
        sequence = tuple(event.users[(before + w * m) // k % n] for w in range(period))
        first = local + timedelta(days=offset)
        layers.append(
            _classic(
                event,
                f"{event.name} ({_DAY_NAMES[day]})".strip(),
                _first_covering(first, event, zone),
                resolve_wall_time(first, zone),
                _WEEK,
                sequence,
                [_restriction(day, local, event.seconds)],
            )
        )
    return layers


def _first_covering(first: datetime, event: Event, zone: ZoneInfo) -> datetime:
    """Where a weekday's layer starts: at ``since`` when one of its occurrences is under way
    then, else at its next occurrence (a hand-off, so no cut turn of its own is needed)."""
    week = max(0, (wall_time(event.since, zone).date() - first.date()).days // 7)
    opens = resolve_wall_time(first + timedelta(weeks=week), zone)
    while week > 0 and opens > event.since:
        week -= 1
        opens = resolve_wall_time(first + timedelta(weeks=week), zone)
    if opens >= event.since:
        return opens
    if opens + timedelta(seconds=event.seconds) > event.since:
        return event.since
    return resolve_wall_time(first + timedelta(weeks=week + 1), zone)


def _classic(
    event: Event,
    name: str,
    start: datetime,
    anchor: datetime,
    seconds: int,
    users: Sequence[str],
    restrictions: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "name": name,
        "start": start.isoformat(),
        "end": event.until.isoformat() if event.until else None,
        "rotation_virtual_start": anchor.isoformat(),
        "rotation_turn_length_seconds": seconds,
        "users": [{"user": {"id": user}} for user in users],
        "restrictions": restrictions,
    }


def _week_windows(event: Event, zone: ZoneInfo) -> list[tuple[int, int]]:
    """The event's windows as minutes of a local week (wrapping windows split in two)."""
    local = wall_time(event.first, zone)
    opens = local.hour * 60 + local.minute
    found = []
    for day in event.days:
        start = day * 1440 + opens
        end = start + -(-event.seconds // 60)
        found.append((start, min(end, 7 * 1440)))
        if end > 7 * 1440:
            found.append((0, end - 7 * 1440))
    return found


def _overlaps(a: Event, b: Event, zone: ZoneInfo) -> bool:
    if (a.until is not None and a.until <= b.since) or (b.until is not None and b.until <= a.since):
        return False
    return any(
        s1 < e2 and s2 < e1
        for s1, e1 in _week_windows(a, zone)
        for s2, e2 in _week_windows(b, zone)
    )


def _keeps_wall_end(event: Event, zone: ZoneInfo) -> bool:
    """Whether every occurrence in its first year lasts exactly ``seconds``, as RFC 5545 has
    it, when it ends at the local wall time ``seconds`` after its start, as Tocsin's windows
    do (false when a DST change falls inside a window)."""
    local = wall_time(event.first, zone)
    length = timedelta(seconds=event.seconds)
    for day in range(366):
        opens = local + timedelta(days=day)
        if opens.weekday() in event.days:
            start = resolve_wall_time(opens, zone)
            if resolve_wall_time(opens + length, zone) - start != length:
                return False
    return True


def _override(raw: Mapping[str, Any], people: Mapping[str, str]) -> OverrideDoc | None:
    """A v3 override (``overriding_member``) or custom shift (one ``assignments`` member)."""
    if "overriding_member" in raw:
        members = [raw.get("overriding_member") or {}]
    else:
        members = [a.get("member") or {} for a in raw.get("assignments") or ()]
    if len(members) != 1 or not members[0].get("user_id"):
        return None
    person = people.get(str(members[0]["user_id"]))
    if person is None:
        return None
    start, _ = zoned(raw.get("start_time"), "start_time")
    end, _ = zoned(raw.get("end_time"), "end_time")
    return OverrideDoc(person=person, start=start, end=end)


def convert_schedule_v3(
    schedule: Mapping[str, Any],
    overrides: Sequence[Mapping[str, Any]],
    people: Mapping[str, str],
    teams: Mapping[str, str],
    report: ImportReport,
) -> ScheduleDoc | None:
    where = f"schedule {label(schedule)}"
    zone_name = schedule_zone(schedule, where, report)
    if zone_name is None:
        return None
    zone = load_zone(zone_name)
    layers: list[dict[str, Any]] = []
    placed: list[tuple[str, Event]] = []
    for r_index, rotation in enumerate(schedule.get("rotations") or ()):
        rotation_where = f"{where} rotation {rotation.get('id') or r_index + 1}"
        for e_index, raw in enumerate(rotation.get("events") or ()):
            event_where = f"{rotation_where} event {label(raw) if raw.get('id') else e_index + 1}"
            try:
                event = read_event(raw, zone_name, report, event_where)
                classic = classic_layers(event, zone)
            except Unsupported as reason:
                report.lost(event_where, f"{reason}; the event was not imported")
                continue
            except (SourceError, ValueError, KeyError, TypeError) as error:
                report.lost(event_where, f"not readable ({error}); the event was not imported")
                continue
            if event.until is not None and event.until <= event.since:
                continue
            shared = [seen for seen, other in placed if _overlaps(other, event, zone)]
            if shared:
                report.changed(
                    event_where,
                    f"covers hours that {' and '.join(shared)} cover too: PagerDuty has both "
                    "on call there, Tocsin only this later-listed one",
                )
            placed.append((event_where, event))
            if not _keeps_wall_end(event, zone):
                report.changed(
                    event_where,
                    "on a night a DST change falls inside its window, Tocsin ends the window at "
                    "its usual local time, an hour off the exact length PagerDuty keeps",
                )
            for layer in classic:
                layers += convert_layer(layer, zone, people, report, event_where)
    override_docs = []
    for raw in overrides:
        doc = _override(raw, people)
        if doc is None:
            report.unmatched(
                f"{where} {'override' if 'overriding_member' in raw else 'custom shift'} "
                f"{ref_id(raw)}",
                "not one imported user on call; not imported",
            )
            continue
        override_docs.append(doc)
    return schedule_doc(schedule, zone_name, layers, override_docs, teams, where, report)
