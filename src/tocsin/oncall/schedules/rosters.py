"""Stored schedules as ``tocsin.core.schedule`` values, and the questions asked of them.

Person ids travel through the pure schedule math as strings (``"17"``) and come back as ints.
Only the overrides that touch the window asked about are loaded, so a long history of
overrides does not slow every question down.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocsin.core import schedule as core
from tocsin.errors import InvalidInput
from tocsin.oncall.schedules import tables

_TICK = timedelta(microseconds=1)
_FIRST_LOOK_BACK = timedelta(days=31)


def core_layer(layer: tables.Layer) -> core.Layer:
    rotation = core.Rotation(
        kind=core.RotationKind(layer.rotation_kind),
        length=layer.length,
        participants=tuple(str(p.person_id) for p in layer.participants),
        start=layer.start,
    )
    restrictions = tuple(core.restriction_from_window(w) for w in layer.restrictions)
    return core.Layer(rotation=rotation, restrictions=restrictions, end=layer.end)


def core_schedule(
    schedule: tables.Schedule, overrides: Sequence[tables.Override] = ()
) -> core.Schedule:
    """Layers bottom to top by position; overrides oldest first, so the newest wins."""
    try:
        return core.Schedule(
            time_zone=schedule.time_zone,
            layers=tuple(core_layer(layer) for layer in schedule.layers),
            overrides=tuple(
                core.Override(start=o.start, end=o.end, person=str(o.person_id)) for o in overrides
            ),
        )
    except core.ScheduleError as exc:  # stored data the tz database no longer accepts
        raise InvalidInput(f"schedule {schedule.id}: {exc}", field=exc.field) from None


def overrides_between(
    session: Session, schedule_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[tables.Override]]:
    """Overrides of these schedules that overlap ``[start, end)``, oldest first."""
    found: dict[int, list[tables.Override]] = {i: [] for i in schedule_ids}
    if not schedule_ids:
        return found
    rows = session.scalars(
        select(tables.Override)
        .where(
            tables.Override.schedule_id.in_(schedule_ids),
            tables.Override.start < end,
            tables.Override.end > start,
        )
        .order_by(tables.Override.id)
    )
    for row in rows:
        found[row.schedule_id].append(row)
    return found


def on_call_ids(
    session: Session, schedules: Sequence[tables.Schedule], at: datetime
) -> dict[int, int | None]:
    """Who is on call in each schedule at ``at``: schedule id → person id (or None)."""
    overrides = overrides_between(session, [s.id for s in schedules], at, at + _TICK)
    result: dict[int, int | None] = {}
    for schedule in schedules:
        person = core.on_call_at(core_schedule(schedule, overrides[schedule.id]), at)
        result[schedule.id] = int(person) if person is not None else None
    return result


def final_shifts(
    session: Session, schedule: tables.Schedule, start: datetime, end: datetime
) -> list[core.Shift]:
    """Merged shifts across ``[start, end)``; ``Shift.person`` is the person id as a string."""
    overrides = overrides_between(session, [schedule.id], start, end)[schedule.id]
    return core.final_shifts(core_schedule(schedule, overrides), start, end)


def _earliest_cover(session: Session, schedule: tables.Schedule) -> datetime | None:
    """Before this instant no layer and no override of the schedule covers anyone."""
    starts = [layer.start for layer in schedule.layers]
    first_override = session.scalar(
        select(func.min(tables.Override.start)).where(tables.Override.schedule_id == schedule.id)
    )
    if first_override is not None:
        starts.append(first_override)
    return min(starts, default=None)


def run_start(session: Session, schedule: tables.Schedule, at: datetime, person: str) -> datetime:
    """When the final shift of ``person`` under way at ``at`` began, however long ago.

    A shift asked for from ``at`` on comes back cut to start at ``at``; this looks back in
    doubling spans until the run of that person ends, so a feed can give the shift its real
    start (and so a UID that stays the same from one fetch to the next).
    """
    floor = _earliest_cover(session, schedule)
    start, span = at, _FIRST_LOOK_BACK
    while floor is not None and start > floor:
        since = max(start - span, floor)
        before = final_shifts(session, schedule, since, start)
        if not before or before[-1].end != start or before[-1].person != person:
            return start
        start = before[-1].start
        if start > since:  # the run began inside this span
            return start
        span *= 2
    return start
