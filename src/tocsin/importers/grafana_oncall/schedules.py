"""Grafana OnCall schedules as Tocsin schedules: each shift a layer (or an override), the
layers stacked by level. How a shift's turns are computed is in :mod:`.rotations`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tocsin.config_as_code.document import LayerDoc, OverrideDoc, ScheduleDoc
from tocsin.core.schedule import ScheduleError, load_zone
from tocsin.importers.grafana_oncall.rotations import (
    UNIT_DAYS,
    Shift,
    rotation_layers,
    shift_zone,
    single_layer,
    turns,
)
from tocsin.importers.keys import source_key
from tocsin.importers.report import ImportReport

PREFIX = "go"
MAX_LAYERS = 20


def schedule_key(schedule_id: str) -> str:
    return source_key(PREFIX, "schedule", schedule_id)


@dataclass
class _Layer:
    level: int
    order: datetime  # rotation start: at one level the earlier one sits higher
    doc: dict[str, Any]  # LayerDoc fields but position


def _layer_for(shift: Shift, keys: Mapping[str, str], report: ImportReport) -> list[dict[str, Any]]:
    kind = shift.raw.get("type")
    if kind == "single_event":
        return single_layer(shift, keys, report)
    if kind == "rolling_users":
        groups = [list(g) for g in shift.raw.get("rolling_users") or [] if g]
        index = int(shift.raw.get("start_rotation_from_user_index") or 0)
        if groups and index:
            index %= len(groups)
            groups = groups[index:] + groups[:index]
        if shift.frequency is None:
            groups = groups[:1]
            return single_layer(_with_users(shift, groups), keys, report)
        return rotation_layers(shift, groups, keys, report)
    if kind == "recurrent_event":
        if shift.frequency is None:
            return single_layer(shift, keys, report)
        return rotation_layers(shift, [list(shift.raw.get("users") or [])], keys, report)
    report.lost(shift.what, f"shift type {kind!r} is not known; skipped")
    return []


def _with_users(shift: Shift, groups: list[list[Any]]) -> Shift:
    return Shift({**shift.raw, "users": groups[0] if groups else []}, shift.zone_name, shift.web)


def _overrides(shift: Shift, keys: Mapping[str, str], report: ImportReport) -> list[OverrideDoc]:
    users = list(shift.raw.get("users") or [])
    if not users:
        users = [u for g in shift.raw.get("rolling_users") or [] for u in g]
    people = turns([users], keys, shift.what, report)
    if not people:
        return []
    return [OverrideDoc(person=people[0], start=shift.at(shift.wall), end=shift.end_of(shift.wall))]


def convert_schedule(
    schedule: Mapping[str, Any],
    shifts: Sequence[Mapping[str, Any]],
    keys: Mapping[str, str],
    report: ImportReport,
) -> ScheduleDoc | None:
    what = f"schedule {schedule['id']} ({schedule.get('name')})"
    if schedule.get("type") == "ical":
        report.lost(
            what,
            "its shifts live in an iCal feed Tocsin does not read; no schedule was made "
            "(recreate its rotations as layers)",
        )
        return None
    if schedule.get("ical_url_overrides"):
        report.lost(what, "overrides from its iCal feed were not read; add them as overrides")
    parsed: list[Shift] = []
    for raw in sorted(shifts, key=lambda s: str(s["id"])):
        zone = shift_zone(raw, schedule)
        try:
            parsed.append(Shift(raw, zone, schedule.get("type") == "web"))
        except (ScheduleError, ValueError, KeyError, TypeError) as error:
            report.lost(f"shift {raw.get('id')}", f"cannot be read ({error}); skipped")
    rotating = [s for s in parsed if s.frequency in UNIT_DAYS and s.raw.get("type") != "override"]
    zone = rotating[0].zone_name if rotating else str(schedule.get("time_zone") or "UTC")
    try:
        load_zone(zone)
    except ScheduleError:
        report.changed(what, f"time zone {zone!r} is unknown; UTC was used")
        zone = "UTC"
    for shift in rotating:
        if shift.zone_name != zone:
            report.changed(
                shift.what,
                f"hands off at wall times in {shift.zone_name}; the schedule's layers follow "
                f"{zone}, so hand-offs move by an hour across daylight-saving changes",
            )
    if schedule.get("time_zone") and schedule["time_zone"] != zone:
        report.note(
            what,
            f"shown in {schedule['time_zone']} by OnCall; its rotations keep wall times in "
            f"{zone}, so the Tocsin schedule uses {zone}",
        )
    layers: list[_Layer] = []
    overrides: list[OverrideDoc] = []
    for shift in parsed:
        if shift.raw.get("type") == "override":
            overrides += _overrides(shift, keys, report)
            continue
        try:
            made = _layer_for(shift, keys, report)
        except (KeyError, TypeError, ValueError) as error:
            report.lost(shift.what, f"cannot be carried ({error}); skipped")
            continue
        for fields in made:
            if fields["end"] is not None and fields["end"] <= fields["start"]:
                report.note(shift.what, "ends before it covers anyone; not carried")
                continue
            layers.append(_Layer(int(shift.raw.get("level") or 0), fields["start"], fields))
    if len(layers) > MAX_LAYERS:
        report.lost(what, f"{len(layers) - MAX_LAYERS} shifts beyond Tocsin's {MAX_LAYERS} layers")
    # Higher level on top; at one level the earlier rotation sits higher, as OnCall lets the
    # shift that started first win (a web rotation's older version above its newer one).
    ordered = sorted(layers, key=lambda x: (x.level, -x.order.timestamp()))[-MAX_LAYERS:]
    docs = [LayerDoc(position=n, **layer.doc) for n, layer in enumerate(ordered, start=1)]
    overrides.sort(key=lambda o: (o.start, o.end, o.person))
    return ScheduleDoc(
        key=schedule_key(str(schedule["id"])),
        name=str(schedule.get("name") or schedule["id"])[:200],
        time_zone=zone,
        layers=docs,
        overrides=overrides,
    )
