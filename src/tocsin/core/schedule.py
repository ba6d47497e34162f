"""On-call schedules: restriction windows, stacked layers and overrides.

Time rules (the spec; ``tests/core/test_schedule.py`` checks each one):

* a shift runs from one hand-off up to the next, half-open ``[start, end)``: at the hand-off
  instant the incoming person is on call;
* daily, weekly and N-day rotations hand off at the local wall-clock time of the rotation
  start in the schedule zone, so a daily shift across a DST change lasts 23 or 25 hours;
* a hand-off wall time skipped by a DST gap happens at the first instant after the gap; one
  that occurs twice happens at its first occurrence (``fold=0``);
* hour rotations count elapsed real hours from the start;
* a layer covers nobody before its rotation start, from its end, or outside its restrictions,
  and there the layer below shows through; overrides sit above all layers;
* every datetime returned is aware and in UTC.

Zones come from :mod:`zoneinfo`. The project depends on the PyPI ``tzdata`` package, but
zoneinfo prefers the system database (``zoneinfo.TZPATH``) and only falls back to ``tzdata``
when the system has none, so two hosts can disagree after a rule change.
"""

from __future__ import annotations

import heapq
import importlib.metadata
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from tocsin.core.rotation import (
    Rotation,
    RotationKind,
    ScheduleError,
    Shift,
    load_zone,
    person_on_shift,
    require_aware,
    require_person,
    resolve_wall_time,
    rotation_shifts,
    shift_number_at,
    wall_time,
)

__all__ = [
    "DailyRestriction",
    "Layer",
    "Override",
    "Restriction",
    "Rotation",
    "RotationKind",
    "Schedule",
    "ScheduleError",
    "Shift",
    "WeeklyRestriction",
    "final_shifts",
    "layer_on_call_at",
    "layer_shifts",
    "load_zone",
    "on_call_at",
    "resolve_wall_time",
    "tz_database_version",
]

_TICK = timedelta(microseconds=1)


def tz_database_version() -> str:
    """Version of the installed PyPI ``tzdata`` package, else ``"system"``.

    This names the package, not necessarily the data in use: zoneinfo reads the system
    database first when one exists.
    """
    try:
        return importlib.metadata.version("tzdata")
    except importlib.metadata.PackageNotFoundError:
        return "system"


def _validate_window(start_time: time, duration: timedelta, period: timedelta) -> None:
    if start_time.tzinfo is not None:
        raise ScheduleError("start_time", "must be a local (naive) time")
    if duration <= timedelta(0):
        raise ScheduleError("duration", "must be positive")
    if duration > period:
        raise ScheduleError("duration", f"must not exceed {period}")


@dataclass(frozen=True)
class DailyRestriction:
    """Coverage every day from ``start_time`` for ``duration`` of local wall-clock time."""

    start_time: time
    duration: timedelta

    def __post_init__(self) -> None:
        _validate_window(self.start_time, self.duration, timedelta(days=1))


@dataclass(frozen=True)
class WeeklyRestriction:
    """Coverage each week from ``weekday`` (Monday is 0) at ``start_time`` for ``duration``.

    The duration is wall-clock time, so 09:00 + 8h always closes at 17:00 local, and a
    window as long as its period covers everything even across DST changes.
    """

    weekday: int
    start_time: time
    duration: timedelta

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ScheduleError("weekday", "must be 0 (Monday) to 6 (Sunday)")
        _validate_window(self.start_time, self.duration, timedelta(days=7))


Restriction: TypeAlias = DailyRestriction | WeeklyRestriction


def restriction_from_window(window: Mapping[str, Any]) -> Restriction:
    """A restriction from its stored and file form: ``kind``, ``start_time`` (``HH:MM``),
    ``duration_minutes`` and, for weekly ones, ``weekday``."""
    start = window["start_time"]
    start = start if isinstance(start, time) else time.fromisoformat(start)
    duration = timedelta(minutes=window["duration_minutes"])
    if window["kind"] == "weekly":
        return WeeklyRestriction(window["weekday"], start, duration)
    return DailyRestriction(start, duration)


def _is_not_after(end: datetime, start: datetime) -> bool:
    # Aware datetimes sharing a tzinfo compare by wall time, which misorders the repeated hour.
    return end.astimezone(UTC) <= start.astimezone(UTC)


@dataclass(frozen=True)
class Layer:
    """A rotation, optionally limited to restriction windows and ending at ``end``."""

    rotation: Rotation
    restrictions: tuple[Restriction, ...] = ()
    end: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "restrictions", tuple(self.restrictions))
        if self.end is not None:
            require_aware(self.end, "end")
            if _is_not_after(self.end, self.rotation.start):
                raise ScheduleError("end", "must be after the rotation start")


@dataclass(frozen=True)
class Override:
    start: datetime
    end: datetime
    person: str

    def __post_init__(self) -> None:
        require_aware(self.start, "start")
        require_aware(self.end, "end")
        if _is_not_after(self.end, self.start):
            raise ScheduleError("end", "must be after start")
        require_person(self.person, "person")


@dataclass(frozen=True)
class Schedule:
    """Layers stack upwards (the last one wins where it has someone); overrides sit above
    all layers, the last matching override winning."""

    time_zone: str
    layers: tuple[Layer, ...] = ()
    overrides: tuple[Override, ...] = ()

    def __post_init__(self) -> None:
        load_zone(self.time_zone)
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "overrides", tuple(self.overrides))

    @property
    def zone(self) -> ZoneInfo:
        return load_zone(self.time_zone)


# --- restrictions ----------------------------------------------------------------------


def _window_openings(restriction: Restriction, first: date, last: date) -> Iterator[datetime]:
    day, step = first, 1
    if isinstance(restriction, WeeklyRestriction):
        day += timedelta(days=(restriction.weekday - first.weekday()) % 7)
        step = 7
    while day <= last:
        yield datetime.combine(day, restriction.start_time)
        day += timedelta(days=step)


def _merge_intervals(
    intervals: list[tuple[datetime, datetime]],
) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _restriction_windows(
    restrictions: Sequence[Restriction], zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Sorted, disjoint UTC windows within ``[start, end)`` where the layer may cover."""
    # A window opens at most 7 local days before it closes; one spare day absorbs gaps.
    first = wall_time(start, zone).date() - timedelta(days=8)
    last = wall_time(end, zone).date() + timedelta(days=1)
    windows = []
    for restriction in restrictions:
        for opening in _window_openings(restriction, first, last):
            opens = max(resolve_wall_time(opening, zone), start)
            closes = min(resolve_wall_time(opening + restriction.duration, zone), end)
            if opens < closes:
                windows.append((opens, closes))
    return _merge_intervals(windows)


def _clip_to_windows(shifts: list[Shift], windows: list[tuple[datetime, datetime]]) -> list[Shift]:
    clipped: list[Shift] = []
    shift_index = window_index = 0
    while shift_index < len(shifts) and window_index < len(windows):
        shift = shifts[shift_index]
        opens, closes = windows[window_index]
        start, end = max(shift.start, opens), min(shift.end, closes)
        if start < end:
            clipped.append(Shift(start, end, shift.person))
        if shift.end <= closes:
            shift_index += 1
        else:
            window_index += 1
    return clipped


# --- layers, schedules -----------------------------------------------------------------


def _utc(value: datetime, field_name: str) -> datetime:
    require_aware(value, field_name)
    return value.astimezone(UTC)


def _utc_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = _utc(start, "start"), _utc(end, "end")
    if end < start:
        raise ScheduleError("end", "must not be before start")
    return start, end


def _as_zone(zone: ZoneInfo | str) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else load_zone(zone)


def _active_span(layer: Layer, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    active_end = end if layer.end is None else min(end, layer.end.astimezone(UTC))
    return max(start, layer.rotation.start.astimezone(UTC)), active_end


def layer_shifts(layer: Layer, zone: ZoneInfo | str, start: datetime, end: datetime) -> list[Shift]:
    """The layer's own shifts clipped to ``[start, end)``, restrictions applied."""
    zone = _as_zone(zone)
    active_start, active_end = _active_span(layer, *_utc_range(start, end))
    if active_start >= active_end:
        return []
    shifts = list(rotation_shifts(layer.rotation, zone, active_start, active_end))
    if not layer.restrictions:
        return shifts
    windows = _restriction_windows(layer.restrictions, zone, active_start, active_end)
    return _clip_to_windows(shifts, windows)


def layer_on_call_at(layer: Layer, zone: ZoneInfo | str, at: datetime) -> str | None:
    zone, at = _as_zone(zone), _utc(at, "at")
    active_start, active_end = _active_span(layer, at, at + _TICK)
    if active_start >= active_end:
        return None
    if layer.restrictions and not _restriction_windows(layer.restrictions, zone, at, at + _TICK):
        return None
    return person_on_shift(layer.rotation, shift_number_at(layer.rotation, zone, at))


def on_call_at(schedule: Schedule, at: datetime) -> str | None:
    at = _utc(at, "at")
    for override in reversed(schedule.overrides):
        if override.start.astimezone(UTC) <= at < override.end.astimezone(UTC):
            return override.person
    for layer in reversed(schedule.layers):
        person = layer_on_call_at(layer, schedule.zone, at)
        if person is not None:
            return person
    return None


def _clipped_override(override: Override, start: datetime, end: datetime) -> list[Shift]:
    clipped_start = max(override.start.astimezone(UTC), start)
    clipped_end = min(override.end.astimezone(UTC), end)
    return (
        [Shift(clipped_start, clipped_end, override.person)] if clipped_start < clipped_end else []
    )


def final_shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """Who is on call across ``[start, end)`` after layers and overrides.

    Adjacent shifts of one person are merged; times with nobody on call are left out.
    """
    start, end = _utc_range(start, end)
    levels = [layer_shifts(layer, schedule.zone, start, end) for layer in schedule.layers]
    levels += [_clipped_override(override, start, end) for override in schedule.overrides]
    return _stack(levels)


def _stack(levels: Sequence[Sequence[Shift]]) -> list[Shift]:
    """Flatten levels of shifts, a later level winning wherever it has someone."""
    pieces = sorted(
        (shift.start, -rank, shift.end, shift.person)
        for rank, shifts in enumerate(levels)
        for shift in shifts
    )
    boundaries = sorted({moment for piece in pieces for moment in (piece[0], piece[2])})
    covering: list[tuple[int, datetime, str]] = []  # heap: highest level first
    stacked: list[Shift] = []
    next_piece = 0
    for here, following in itertools.pairwise(boundaries):
        while next_piece < len(pieces) and pieces[next_piece][0] <= here:
            _, negative_rank, piece_end, person = pieces[next_piece]
            heapq.heappush(covering, (negative_rank, piece_end, person))
            next_piece += 1
        while covering and covering[0][1] <= here:
            heapq.heappop(covering)
        if covering:
            _append_merged(stacked, Shift(here, following, covering[0][2]))
    return stacked


def _append_merged(shifts: list[Shift], shift: Shift) -> None:
    if shifts and shifts[-1].person == shift.person and shifts[-1].end == shift.start:
        shifts[-1] = Shift(shifts[-1].start, shift.end, shift.person)
    else:
        shifts.append(shift)
