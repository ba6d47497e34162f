"""PagerDuty schedules as Tocsin schedules, hand-off for hand-off.

A PagerDuty layer counts turns of ``rotation_turn_length_seconds`` from
``rotation_virtual_start`` (which may lie before the layer's ``start``) and covers from
``start``. A Tocsin layer's ``start`` is its first hand-off, so the layer becomes:

* the rotation from the first PagerDuty hand-off at or after ``start``, its participants
  rotated so that the one PagerDuty has on that turn comes first; and, when ``start`` falls
  inside a turn, one single-person layer covering ``[start, first hand-off)`` with whoever
  PagerDuty has on call there.

Turns that are whole weeks or days hand off at the local time of the anchor (Tocsin's
weekly/daily/days kinds); other whole hours count elapsed hours. PagerDuty's API lists the
layers top first (Layer 2 above Layer 1 is listed before it), so the last listed gets
Tocsin position 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tocsin.config_as_code.document import LayerDoc, OverrideDoc, ScheduleDoc
from tocsin.core.rotation import (
    Rotation,
    RotationKind,
    handoff,
    load_zone,
    resolve_wall_time,
    shift_number_at,
    wall_time,
)
from tocsin.importers.pagerduty.common import instant, key, label, ref_id, teams_of
from tocsin.importers.report import ImportReport
from tocsin.oncall.people.schemas import check_zone
from tocsin.oncall.schedules.schemas import DailyWindow, WeeklyWindow

_HOUR, _DAY, _WEEK = 3600, 86400, 7 * 86400
MAX_LAYERS = 20


def rotation_kind(seconds: int) -> tuple[RotationKind, int] | None:
    if seconds <= 0:
        return None
    if seconds % _WEEK == 0:
        return RotationKind.WEEKLY, seconds // _WEEK
    if seconds % _DAY == 0:
        days = seconds // _DAY
        return (RotationKind.DAILY, 1) if days == 1 else (RotationKind.DAYS, days)
    if seconds % _HOUR == 0:
        return RotationKind.HOURS, seconds // _HOUR
    return None


def _restriction(
    raw: Mapping[str, Any], report: ImportReport, where: str
) -> DailyWindow | WeeklyWindow | None:
    kind = raw.get("type")
    try:
        start = time.fromisoformat(str(raw["start_time_of_day"]))
        seconds = int(raw["duration_seconds"])
    except (KeyError, TypeError, ValueError):
        report.lost(where, f"restriction {dict(raw)} is not readable; the layer covers without it")
        return None
    if start.second or start.microsecond or seconds % 60:
        report.changed(where, "a restriction with seconds was rounded to whole minutes")
    minutes = max(1, round(seconds / 60))
    start = start.replace(second=0, microsecond=0)
    if kind == "weekly_restriction":
        day = int(raw.get("start_day_of_week") or 1)
        return WeeklyWindow(
            kind="weekly",
            weekday=(day - 1) % 7,
            start_time=start,
            duration_minutes=min(minutes, 7 * 1440),
        )
    if kind == "daily_restriction":
        return DailyWindow(kind="daily", start_time=start, duration_minutes=min(minutes, 1440))
    report.lost(where, f"restriction type {kind!r} is unknown; the layer covers without it")
    return None


@dataclass(frozen=True)
class _Turns:
    """A layer's turns: number k starts at ``handoff(rotation, zone, k)``, user k % n."""

    rotation: Rotation
    zone: ZoneInfo

    def at(self, number: int) -> datetime:
        return handoff(self.rotation, self.zone, number)

    def containing(self, moment: datetime) -> int:
        return shift_number_at(self.rotation, self.zone, moment)


def _anchor(
    kind: RotationKind,
    length: int,
    seconds: int,
    users: int,
    virtual: datetime,
    start: datetime,
    zone: ZoneInfo,
) -> datetime:
    """The virtual start moved back by whole cycles of all users to at most ``start``
    (the same turns, the same person on each)."""
    if virtual <= start:
        return virtual
    cycle = seconds * users
    cycles = -(-int((virtual - start).total_seconds()) // cycle)
    if kind is RotationKind.HOURS:
        return virtual - timedelta(seconds=cycles * cycle)
    days = cycles * users * length * (7 if kind is RotationKind.WEEKLY else 1)
    return resolve_wall_time(wall_time(virtual, zone) - timedelta(days=days), zone)


def convert_layer(
    layer: Mapping[str, Any],
    zone: ZoneInfo,
    people: Mapping[str, str],
    report: ImportReport,
    where: str,
) -> list[dict[str, Any]]:
    """The Tocsin layers (without positions) that render as this PagerDuty layer."""
    name = str(layer.get("name") or "")[:200]
    seconds = int(layer.get("rotation_turn_length_seconds") or 0)
    kind_length = rotation_kind(seconds)
    if kind_length is None:
        report.lost(where, f"a turn of {seconds} s is not a whole number of hours; layer skipped")
        return []
    kind, length = kind_length
    users: list[str] = []
    for entry in layer.get("users") or ():
        user_id = ref_id(entry.get("user")) or ""
        if user_id in people:
            users.append(people[user_id])
        else:
            report.unmatched(where, f"user {user_id} was not imported; left out of the rotation")
    if not users:
        report.lost(where, "no participant could be mapped; layer skipped")
        return []
    start = instant(layer["start"])
    end = instant(layer["end"]) if layer.get("end") else None
    if end is not None and end <= start:
        return []
    virtual = instant(layer.get("rotation_virtual_start") or layer["start"])
    anchor = _anchor(kind, length, seconds, len(users), virtual, start, zone)
    turns = _Turns(Rotation(kind, length, tuple(users), anchor), zone)
    number = turns.containing(start)
    first = number if turns.at(number) >= start else number + 1
    # A hand-off whose wall time fell into a DST gap would give later Tocsin hand-offs the
    # wrong local time; start the rotation at the next one that keeps the anchor's time.
    anchor_time = wall_time(anchor, zone).time()
    if kind is not RotationKind.HOURS:
        while wall_time(turns.at(first), zone).time() != anchor_time:
            first += 1
    restrictions = [
        window
        for window in (_restriction(r, report, where) for r in layer.get("restrictions") or ())
        if window is not None
    ]
    out: list[dict[str, Any]] = []
    piece_start = start
    for turn in range(number, first):
        piece_end = turns.at(turn + 1) if end is None else min(turns.at(turn + 1), end)
        if piece_start < piece_end:
            hours = -(-int((piece_end - piece_start).total_seconds()) // _HOUR)
            out.append(
                {
                    "name": f"{name} (until its first hand-off)".strip(),
                    "kind": RotationKind.HOURS,
                    "length": max(1, min(hours, 10_000)),
                    "start": piece_start,
                    "end": piece_end,
                    "participants": [users[turn % len(users)]],
                    "restrictions": restrictions,
                }
            )
        piece_start = piece_end
    main_start = turns.at(first)
    if end is None or main_start < end:
        shift = first % len(users)
        out.append(
            {
                "name": name,
                "kind": kind,
                "length": length,
                "start": main_start,
                "end": end,
                "participants": users[shift:] + users[:shift],
                "restrictions": restrictions,
            }
        )
    return out


def convert_schedule(
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
    api_layers = list(schedule.get("schedule_layers") or ())
    for index, layer in enumerate(reversed(api_layers)):  # the API lists the top layer first
        layers += convert_layer(
            layer, zone, people, report, f"{where} layer {label(layer) or index + 1}"
        )
    override_docs = []
    for override in overrides:
        person = people.get(ref_id(override.get("user")) or "")
        if person is None:
            report.unmatched(f"{where} override {ref_id(override)}", "its user was not imported")
            continue
        override_docs.append(
            OverrideDoc(
                person=person, start=instant(override["start"]), end=instant(override["end"])
            )
        )
    return schedule_doc(schedule, zone_name, layers, override_docs, teams, where, report)


def schedule_zone(schedule: Mapping[str, Any], where: str, report: ImportReport) -> str | None:
    """The schedule's IANA zone; None (reported) when Tocsin does not know it."""
    try:
        return check_zone(str(schedule.get("time_zone") or "UTC"))
    except ValueError:
        report.lost(where, f"time zone {schedule.get('time_zone')!r} is unknown; not imported")
        return None


def schedule_doc(
    schedule: Mapping[str, Any],
    zone_name: str,
    layers: list[dict[str, Any]],
    overrides: list[OverrideDoc],
    teams: Mapping[str, str],
    where: str,
    report: ImportReport,
) -> ScheduleDoc:
    """The converted schedule (a classic or a shift-based one): its layers bottom to top, at
    most :data:`MAX_LAYERS` (the lowest dropped), its first team, its overrides in order."""
    if len(layers) > MAX_LAYERS:
        report.lost(
            where,
            f"{len(layers)} layers are more than Tocsin's {MAX_LAYERS}; the lowest were dropped",
        )
        layers = layers[-MAX_LAYERS:]
    team_ids = list(teams_of(schedule))
    if len(team_ids) > 1:
        report.changed(where, "belongs to several teams; Tocsin keeps the first")
    name = schedule.get("name") or schedule.get("summary") or schedule["id"]
    return ScheduleDoc(
        key=key("schedule", str(schedule["id"])),
        name=str(name).strip()[:200],
        description=str(schedule.get("description") or ""),
        time_zone=zone_name,
        team=next((teams[t] for t in team_ids if t in teams), None),
        layers=[LayerDoc(position=i + 1, **fields) for i, fields in enumerate(layers)],
        overrides=sorted(overrides, key=lambda o: (o.start, o.end, o.person)),
    )
