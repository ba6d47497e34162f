"""Opsgenie schedules as Tocsin schedules.

A rotation becomes a layer (its restriction windows, start and end kept). Rules that decide
the shape:

* rotations listed first win (rotations with nobody's turns go below the others): they get
  the higher positions. Opsgenie puts everyone whose
  rotation covers a moment on call at once; Tocsin has one person, so such overlaps are
  reported (and ``--verify`` names them, the source side reading ``a + b``);
* a ``none`` participant (or one the import cannot map) is a gap. A Tocsin layer names people
  only, so its turns go to a placeholder person without contact methods (nobody is
  notified); ``--verify`` counts the placeholder as nobody on call;
* an override of the whole schedule is an override; one limited to some rotations becomes a
  layer right above each of them, with that rotation's windows, so it replaces only it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from tocsin.config_as_code.document import LayerDoc, OverrideDoc, ScheduleDoc
from tocsin.core.schedule import RotationKind
from tocsin.importers.opsgenie.common import NOBODY, NOBODY_PERSON, Context, instant, key, label
from tocsin.importers.verify import tocsin_spans
from tocsin.oncall.people.schemas import check_zone
from tocsin.oncall.schedules.schemas import DailyWindow, WeeklyWindow

_KINDS = {"daily": RotationKind.DAILY, "weekly": RotationKind.WEEKLY, "hourly": RotationKind.HOURS}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY, _WEEK = 1440, 7 * 1440
MAX_LAYERS = 20
MAX_PARTICIPANTS = 100
MAX_LENGTH = 10_000
OVERLAP_WINDOW = timedelta(weeks=8)


def _clock(hour: Any, minute: Any) -> int:
    return int(hour or 0) * 60 + int(minute or 0)


def windows(restriction: Mapping[str, Any] | None) -> list[DailyWindow | WeeklyWindow]:
    """Opsgenie's time restriction as Tocsin windows. An end at or before the start runs
    past midnight (or, for weekday windows, into the next week)."""
    if not restriction:
        return []
    kind = restriction.get("type")
    if kind == "time-of-day":
        r = restriction.get("restriction") or {}
        start = _clock(r.get("startHour"), r.get("startMin"))
        length = (_clock(r.get("endHour"), r.get("endMin")) - start) % _DAY or _DAY
        return [
            DailyWindow(
                kind="daily", start_time=time(start // 60, start % 60), duration_minutes=length
            )
        ]
    found: list[DailyWindow | WeeklyWindow] = []
    for r in restriction.get("restrictions") or []:
        first = _DAYS.index(str(r.get("startDay")).lower())
        last = _DAYS.index(str(r.get("endDay")).lower())
        start = first * _DAY + _clock(r.get("startHour"), r.get("startMin"))
        end = last * _DAY + _clock(r.get("endHour"), r.get("endMin"))
        found.append(
            WeeklyWindow(
                kind="weekly",
                weekday=first,
                start_time=time((start % _DAY) // 60, start % 60),
                duration_minutes=(end - start) % _WEEK or _WEEK,
            )
        )
    return found


def _name(ref: Mapping[str, Any]) -> str:
    return str(ref.get("name") or ref.get("username") or ref.get("id"))


def _participants(rotation: Mapping[str, Any], ctx: Context, where: str) -> list[str | None]:
    found: list[str | None] = []
    for participant in rotation.get("participants") or []:
        kind = participant.get("type")
        person = ctx.person(participant) if kind == "user" else None
        if person is None and kind != "none":
            ctx.report.unmatched(
                where,
                f"participant {kind} {_name(participant)} cannot be a Tocsin layer participant "
                f"(a person); their turns go to {NOBODY_PERSON}",
            )
        found.append(person)
    return found


def _layers(rotation: Mapping[str, Any], ctx: Context, where: str) -> list[dict[str, Any]]:
    kind = _KINDS.get(str(rotation.get("type")))
    start, end = instant(rotation.get("startDate")), instant(rotation.get("endDate"))
    if kind is None or start is None:
        ctx.report.lost(where, f"rotation type {rotation.get('type')!r} or start date not readable")
        return []
    people = _participants(rotation, ctx, where)
    if len(people) > MAX_PARTICIPANTS:
        ctx.report.lost(
            where, f"has {len(people)} turns; Tocsin keeps the first {MAX_PARTICIPANTS}"
        )
        people = people[:MAX_PARTICIPANTS]
    try:
        restrictions = windows(rotation.get("timeRestriction"))
    except (ValueError, TypeError):
        ctx.report.lost(where, "its time restriction is not readable; no layer made")
        return []
    length = max(1, int(rotation.get("length") or 1))
    if length > MAX_LENGTH:
        ctx.report.changed(where, f"length {length} is cut to Tocsin's {MAX_LENGTH}")
        length = MAX_LENGTH
    if all(p is None for p in people):
        ctx.report.lost(where, "no participant is a person the import has; no layer made")
        return []
    if None in people:
        ctx.needs_nobody_person = True
        ctx.report.changed(
            where,
            f"{people.count(None)} turn(s) of nobody go to {NOBODY_PERSON}, a person without "
            "contact methods: nobody is notified, but the turn hides the layers below it",
        )
    return [
        {
            "name": str(rotation.get("name") or "")[:200],
            "kind": kind,
            "end": end,
            "restrictions": restrictions,
            "length": length,
            "start": start,
            "participants": [p or NOBODY_PERSON for p in people],
        }
    ]


def _override_layer(
    override: Mapping[str, Any], person: str, rotation_layer: Mapping[str, Any]
) -> dict[str, Any] | None:
    start, end = instant(override.get("startDate")), instant(override.get("endDate"))
    if start is None or end is None or end <= start:
        return None
    hours = min(10_000, max(1, math.ceil((end - start) / timedelta(hours=1))))
    return {
        "name": f"override {override.get('alias') or ''}".strip()[:200],
        "kind": RotationKind.HOURS,
        "length": hours,
        "start": start,
        "end": end,
        "restrictions": rotation_layer["restrictions"],
        "participants": [person],
    }


def convert_schedule(schedule: Mapping[str, Any], ctx: Context) -> ScheduleDoc | None:
    where = label(schedule, "schedule")
    zone = str(schedule.get("timezone") or "UTC")
    try:
        zone = check_zone(zone)
    except ValueError:
        ctx.report.lost(where, f"time zone {zone!r} is not an IANA zone; schedule not imported")
        return None
    if schedule.get("enabled") is False:
        ctx.report.note(where, "is disabled in Opsgenie; imported as it is")
    rotations = [r for r in schedule.get("rotations") or [] if r.get("enabled", True) is not False]
    groups: dict[str, list[dict[str, Any]]] = {}
    for rotation in rotations:
        groups[str(rotation.get("id"))] = _layers(
            rotation, ctx, f"{where} {label(rotation, 'rotation')}"
        )
    overrides, above = _overrides(schedule, groups, ctx, where)
    stacked: list[dict[str, Any]] = []
    for rotation in _bottom_up(rotations, groups):
        rotation_id = str(rotation.get("id"))
        stacked += groups[rotation_id] + above.get(rotation_id, [])
    if len(stacked) > MAX_LAYERS:
        ctx.report.lost(
            where,
            f"needs {len(stacked)} layers, Tocsin keeps {MAX_LAYERS}: the lowest were dropped",
        )
        stacked = stacked[-MAX_LAYERS:]
    layers = [LayerDoc(position=i, **layer) for i, layer in enumerate(stacked, start=1)]
    team_id = ctx.team(schedule.get("ownerTeam") or {})
    doc = ScheduleDoc(
        key=key("schedule", schedule.get("id")),
        name=str(schedule.get("name") or schedule.get("id"))[:200],
        description=str(schedule.get("description") or ""),
        time_zone=zone,
        team=ctx.team_keys.get(team_id) if team_id else None,
        layers=layers,
        overrides=overrides,
    )
    _report_overlaps(doc, list(reversed(_bottom_up(rotations, groups))), groups, ctx, where)
    return doc


def _has_gap(layers: list[dict[str, Any]]) -> bool:
    return any(NOBODY_PERSON in layer["participants"] for layer in layers)


def _bottom_up(
    rotations: Sequence[Mapping[str, Any]], groups: Mapping[str, list[dict[str, Any]]]
) -> list[Mapping[str, Any]]:
    """Stacking order, lowest first: rotations with nobody's turns at the bottom (so the
    placeholder shows only where no other rotation covers), else the first listed on top."""
    order = list(reversed(rotations))
    return sorted(order, key=lambda r: not _has_gap(groups[str(r.get("id"))]))


def _overrides(
    schedule: Mapping[str, Any],
    groups: Mapping[str, list[dict[str, Any]]],
    ctx: Context,
    where: str,
) -> tuple[list[OverrideDoc], dict[str, list[dict[str, Any]]]]:
    whole: list[OverrideDoc] = []
    above: dict[str, list[dict[str, Any]]] = {}
    for override in schedule.get("overrides") or []:
        there = f"{where} override {override.get('alias') or ''}".strip()
        person = ctx.person(override.get("user"))
        start, end = instant(override.get("startDate")), instant(override.get("endDate"))
        if person is None or start is None or end is None or end <= start:
            ctx.report.unmatched(
                there, "its user is not imported or its times are unreadable; not carried"
            )
            continue
        limited = [str(r.get("id")) for r in override.get("rotations") or []]
        if not limited:
            whole.append(OverrideDoc(person=person, start=start, end=end))
            continue
        for rotation_id in limited:
            for layer in groups.get(rotation_id, [])[:1]:
                made = _override_layer(override, person, layer)
                if made is not None:
                    above.setdefault(rotation_id, []).append(made)
    return sorted(whole, key=lambda o: (o.start, o.end, o.person)), above


def _report_overlaps(
    doc: ScheduleDoc,
    rotations: Sequence[Mapping[str, Any]],
    groups: Mapping[str, list[dict[str, Any]]],
    ctx: Context,
    where: str,
) -> None:
    """Rotations on call at the same moment (checked over 8 weeks from the later start)."""
    alone = {}
    for rotation in rotations:
        layers = groups[str(rotation.get("id"))]
        if layers:
            alone[str(rotation.get("id"))] = (rotation, layers)
    for (a, a_layers), (b, b_layers) in itertools.combinations(alone.values(), 2):
        begin = max(min(x["start"] for x in a_layers), min(x["start"] for x in b_layers))
        first = _first_overlap(doc, a_layers, b_layers, begin, begin + OVERLAP_WINDOW)
        if first is not None:
            ctx.report.changed(
                where,
                f"rotations {a.get('name')!r} and {b.get('name')!r} are on call at the same time "
                f"(first at {first.isoformat()}): Opsgenie notifies both, Tocsin the one of "
                f"{a.get('name')!r} (the higher layer)",
            )


def _first_overlap(
    doc: ScheduleDoc,
    a_layers: list[dict[str, Any]],
    b_layers: list[dict[str, Any]],
    start: datetime,
    end: datetime,
) -> datetime | None:
    def spans(layers: list[dict[str, Any]]) -> list[tuple[datetime, datetime]]:
        alone = doc.model_copy(
            update={
                "layers": [LayerDoc(position=i, **x) for i, x in enumerate(layers, start=1)],
                "overrides": [],
            }
        )
        found = tocsin_spans(alone, start, end)
        return [(s.start, s.end) for s in found if s.person != NOBODY_PERSON]

    theirs = spans(b_layers)
    firsts = [
        max(a0, b0) for a0, a1 in spans(a_layers) for b0, b1 in theirs if max(a0, b0) < min(a1, b1)
    ]
    return min(firsts) if firsts else None


def nobody_schedule() -> ScheduleDoc:
    return ScheduleDoc(
        key=NOBODY,
        name="Opsgenie delay (nobody on call)",
        description="Made by the Opsgenie import: a level targeting it only waits, so later "
        "levels start at the minute Opsgenie's rules did.",
        time_zone="UTC",
        layers=[],
        overrides=[],
    )
