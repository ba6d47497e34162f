"""Rotations: who holds shift number k of a rotation and when that shift starts.

Daily, weekly and N-day rotations hand off at the local wall-clock time of the rotation
start; hour rotations count elapsed real hours. Finding the shift that contains an instant
is arithmetic on local dates, so a question about a time years after the start is as cheap
as one about the first week.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


class ScheduleError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


class RotationKind(StrEnum):
    """Shift unit. DAILY and DAYS both count local calendar days (PagerDuty names the
    one-day case "daily"); WEEKLY counts local weeks; HOURS counts elapsed real hours."""

    DAILY = "daily"
    WEEKLY = "weekly"
    DAYS = "days"
    HOURS = "hours"


def load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise ScheduleError("time_zone", f"unknown time zone {name!r}") from error


def require_aware(value: datetime, field_name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ScheduleError(field_name, "must be timezone-aware")


def require_person(person: str, field_name: str) -> None:
    if not person:
        raise ScheduleError(field_name, "person ids must be non-empty")


@dataclass(frozen=True)
class Rotation:
    """``participants`` take turns in shifts of ``length`` units; the first starts at ``start``."""

    kind: RotationKind
    length: int
    participants: tuple[str, ...]
    start: datetime

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", RotationKind(self.kind))
        except ValueError:
            raise ScheduleError("kind", f"unknown rotation kind {self.kind!r}") from None
        if self.length < 1:
            raise ScheduleError("length", "must be at least 1")
        object.__setattr__(self, "participants", tuple(self.participants))
        if not self.participants:
            raise ScheduleError("participants", "must not be empty")
        for person in self.participants:
            require_person(person, "participants")
        require_aware(self.start, "start")


@dataclass(frozen=True)
class Shift:
    start: datetime
    end: datetime
    person: str


def wall_time(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock reading of ``instant`` in ``zone``."""
    return instant.astimezone(zone).replace(tzinfo=None)


def resolve_wall_time(wall: datetime, zone: ZoneInfo) -> datetime:
    """UTC instant of a naive local wall time.

    A repeated wall time maps to its first occurrence, a skipped one to the first instant
    after the gap (02:30 on a spring-forward night in New York is 03:00 EDT).
    """
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if wall_time(first, zone) == wall:
        return first
    return _end_of_gap(wall, zone)


def _to_seconds(instant: datetime) -> int:
    return (instant - _EPOCH) // _SECOND


def _from_seconds(seconds: int) -> datetime:
    return _EPOCH + seconds * _SECOND


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    # Inside a gap the two folds read the wall time with the offsets on either side of the
    # jump, so they bracket the transition; bisect whole seconds (transitions are on them).
    guesses = [wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)]
    before, after = _to_seconds(min(guesses)), _to_seconds(max(guesses)) + 1
    while after - before > 1:
        middle = (before + after) // 2
        if wall_time(_from_seconds(middle), zone) > wall:
            after = middle
        else:
            before = middle
    return _from_seconds(after)


def _period_days(rotation: Rotation) -> int:
    return rotation.length * (7 if rotation.kind is RotationKind.WEEKLY else 1)


def handoff(rotation: Rotation, zone: ZoneInfo, number: int) -> datetime:
    """Start of shift ``number`` (≥ 0), in UTC.

    Shift 0 is clipped to the rotation start by every caller, which matters only when the
    start is the second occurrence of a repeated wall time.
    """
    start = rotation.start.astimezone(UTC)
    if rotation.kind is RotationKind.HOURS:
        return start + number * timedelta(hours=rotation.length)
    wall = wall_time(start, zone) + timedelta(days=number * _period_days(rotation))
    return resolve_wall_time(wall, zone)


def shift_number_at(rotation: Rotation, zone: ZoneInfo, at: datetime) -> int:
    """Number of the shift containing ``at``, which must not be before the rotation start."""
    start, at = rotation.start.astimezone(UTC), at.astimezone(UTC)
    if rotation.kind is RotationKind.HOURS:
        return (at - start) // timedelta(hours=rotation.length)
    elapsed_days = (wall_time(at, zone).date() - wall_time(start, zone).date()).days
    number = max(0, elapsed_days // _period_days(rotation))
    # On a hand-off day the estimate is one ahead until the hand-off time; stepping forward
    # only guards against zones whose clocks ever jump back across midnight.
    while number > 0 and handoff(rotation, zone, number) > at:
        number -= 1
    while handoff(rotation, zone, number + 1) <= at:
        number += 1
    return number


def person_on_shift(rotation: Rotation, number: int) -> str:
    return rotation.participants[number % len(rotation.participants)]


def rotation_shifts(
    rotation: Rotation, zone: ZoneInfo, start: datetime, end: datetime
) -> Iterator[Shift]:
    """The rotation's shifts clipped to ``[start, end)``; ``start`` not before the rotation's."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    number = shift_number_at(rotation, zone, start)
    shift_start = handoff(rotation, zone, number)
    while shift_start < end:
        shift_end = handoff(rotation, zone, number + 1)
        clipped = Shift(
            max(shift_start, start), min(shift_end, end), person_on_shift(rotation, number)
        )
        if clipped.start < clipped.end:
            yield clipped
        number += 1
        shift_start = shift_end
