"""Schedules: create, replace, read and delete them with their layers, and their overrides;
who is on call, in one schedule or in all of them at an instant, and the shifts of a span.

Layers are replaced as a whole on each change, checked first so that every hand-off the pure
schedule math will compute is well defined: known people, distinct positions, restriction
windows that do not overlap within a layer, an end after the start.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core import schedule as core
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.oncall.escalation.tables import EscalationLevel, EscalationTarget
from tocsin.oncall.people.schemas import PersonBrief
from tocsin.oncall.people.service import people_by_id, require_people
from tocsin.oncall.people.tables import Person
from tocsin.oncall.schedules import rosters, tables
from tocsin.oncall.schedules.rosters import core_layer
from tocsin.oncall.schedules.schemas import (
    LayerIn,
    LayerOut,
    LayerShiftsOut,
    OnCallOut,
    OverrideCreate,
    OverrideOut,
    ScheduleIn,
    ScheduleOut,
    ShiftOut,
    ShiftsOut,
    TimelineOut,
    WeeklyWindow,
    Window,
)
from tocsin.oncall.teams.tables import Team
from tocsin.storage import column_values, get_or_404

WEEK_MINUTES = 7 * 1440
MAX_SPAN = timedelta(days=60)
DEFAULT_SPAN = timedelta(days=7)
UNTIL_HORIZON = timedelta(days=14)
_WINDOWS = TypeAdapter(list[Window])


def schedule_out(session: Session, row: tables.Schedule) -> ScheduleOut:
    people = people_by_id(session, [p.person_id for la in row.layers for p in la.participants])
    layers = [
        LayerOut(
            position=layer.position,
            name=layer.name,
            kind=core.RotationKind(layer.rotation_kind),
            length=layer.length,
            start=layer.start.astimezone(UTC),
            end=layer.end.astimezone(UTC) if layer.end else None,
            participants=[
                PersonBrief.model_validate(people[p.person_id]) for p in layer.participants
            ],
            restrictions=_WINDOWS.validate_python(layer.restrictions),
        )
        for layer in row.layers
    ]
    return ScheduleOut.model_validate({**column_values(row), "layers": layers})


# ---------------------------------------------------------------- checking layers


def _week_intervals(window: Window) -> list[tuple[int, int]]:
    """The window's minutes of the week, split where they wrap past Sunday midnight."""
    start_minute = window.start_time.hour * 60 + window.start_time.minute
    days = [window.weekday] if isinstance(window, WeeklyWindow) else range(7)
    intervals = []
    for day in days:
        start = day * 1440 + start_minute
        end = start + window.duration_minutes
        intervals.append((start, min(end, WEEK_MINUTES)))
        if end > WEEK_MINUTES:
            intervals.append((0, end - WEEK_MINUTES))
    return intervals


def _check_windows(windows: Sequence[Window], field: str) -> None:
    for (i, first), (j, second) in itertools.combinations(enumerate(windows), 2):
        for a, b in itertools.product(_week_intervals(first), _week_intervals(second)):
            if a[0] < b[1] and b[0] < a[1]:
                raise InvalidInput(
                    f"{field}: windows {i} and {j} overlap; a layer's windows must not",
                    field=field,
                )


def _check_layer(index: int, layer: LayerIn) -> None:
    here = f"layers.{index}"
    if layer.end is not None and layer.end <= layer.start:
        raise InvalidInput(f"{here}.end: must be after start", field=f"{here}.end")
    _check_windows(layer.restrictions, f"{here}.restrictions")
    for window in layer.restrictions:
        if window.start_time.second or window.start_time.microsecond:
            field = f"{here}.restrictions"
            raise InvalidInput(f"{field}: start_time is to the minute", field=field)


def _positions(layers: Sequence[LayerIn]) -> list[int]:
    positions = [layer.position or index + 1 for index, layer in enumerate(layers)]
    for (i, first), (j, second) in itertools.combinations(enumerate(positions), 2):
        if first == second:
            raise InvalidInput(f"layers: layers {i} and {j} share position {first}", field="layers")
    return positions


def _check(session: Session, body: ScheduleIn) -> list[int]:
    if body.team_id is not None and session.get(Team, body.team_id) is None:
        raise InvalidInput(f"team_id: no team with id {body.team_id}", field="team_id")
    positions = _positions(body.layers)
    for index, layer in enumerate(body.layers):
        _check_layer(index, layer)
        require_people(session, layer.participants, field=f"layers.{index}.participants")
    return positions


def _window_json(window: Window) -> dict[str, object]:
    data = window.model_dump(mode="json")
    data["start_time"] = time(window.start_time.hour, window.start_time.minute).isoformat("minutes")
    return data


def _layer_rows(body: ScheduleIn, positions: list[int]) -> list[tables.Layer]:
    rows = []
    for index, (layer, position) in enumerate(zip(body.layers, positions, strict=True)):
        row = tables.Layer(
            position=position,
            name=layer.name,
            rotation_kind=layer.kind.value,
            length=layer.length,
            start=layer.start,
            end=layer.end,
            restrictions=[_window_json(w) for w in layer.restrictions],
            participants=[
                tables.LayerParticipant(position=i, person_id=person)
                for i, person in enumerate(layer.participants)
            ],
        )
        try:
            core_layer(row)
        except core.ScheduleError as exc:
            field = f"layers.{index}.{exc.field}"
            raise InvalidInput(f"{field}: {exc}", field=field) from None
        rows.append(row)
    return sorted(rows, key=lambda row: row.position)


# ---------------------------------------------------------------- use cases


def create_schedule(db: Database, *, body: ScheduleIn) -> ScheduleOut:
    with db.transaction() as session:
        positions = _check(session, body)
        now = clock.now()
        row = tables.Schedule(
            name=body.name,
            description=body.description,
            time_zone=body.time_zone,
            team_id=body.team_id,
            created_at=now,
            updated_at=now,
            layers=_layer_rows(body, positions),
        )
        session.add(row)
        session.flush()
        return schedule_out(session, row)


def replace_schedule(db: Database, *, schedule_id: int, body: ScheduleIn) -> ScheduleOut:
    with db.transaction() as session:
        row = get_or_404(session, tables.Schedule, schedule_id, "schedule")
        positions = _check(session, body)
        layers = _layer_rows(body, positions)
        row.layers.clear()
        session.flush()  # old layers go before new ones reuse their positions
        row.name, row.description = body.name, body.description
        row.time_zone, row.team_id = body.time_zone, body.team_id
        row.layers, row.updated_at = layers, clock.now()
        session.flush()
        return schedule_out(session, row)


def list_schedules(db: Database) -> list[ScheduleOut]:
    with db.reading() as session:
        rows = session.scalars(select(tables.Schedule).order_by(tables.Schedule.name)).all()
        return [schedule_out(session, row) for row in rows]


def get_schedule(db: Database, *, schedule_id: int) -> ScheduleOut:
    with db.reading() as session:
        return schedule_out(session, get_or_404(session, tables.Schedule, schedule_id, "schedule"))


def schedule_team(db: Database, *, schedule_id: int) -> int | None:
    """The team that owns the schedule (404 if there is no such schedule)."""
    with db.reading() as session:
        return get_or_404(session, tables.Schedule, schedule_id, "schedule").team_id


def delete_schedule(db: Database, *, schedule_id: int) -> None:
    """Refused while an escalation policy targets the schedule."""
    with db.transaction() as session:
        row = get_or_404(session, tables.Schedule, schedule_id, "schedule")
        policy = session.scalar(
            select(EscalationLevel.policy_id)
            .join(EscalationTarget)
            .where(EscalationTarget.schedule_id == schedule_id)
            .limit(1)
        )
        if policy is not None:
            raise Conflict(f"escalation policy {policy} targets this schedule", field="schedule_id")
        session.delete(row)


# ---------------------------------------------------------------- overrides


def _override_out(row: tables.Override, person: Person) -> OverrideOut:
    return OverrideOut(
        id=row.id,
        schedule_id=row.schedule_id,
        person=PersonBrief.model_validate(person),
        start=row.start.astimezone(UTC),
        end=row.end.astimezone(UTC),
        created_at=row.created_at,
        created_by=row.created_by,
    )


def create_override(
    db: Database, *, schedule_id: int, body: OverrideCreate, actor: str
) -> OverrideOut:
    if body.end <= body.start:
        raise InvalidInput("end: must be after start", field="end")
    with db.transaction() as session:
        get_or_404(session, tables.Schedule, schedule_id, "schedule")
        person = require_people(session, [body.person_id], field="person_id")[body.person_id]
        row = tables.Override(
            schedule_id=schedule_id,
            person_id=person.id,
            start=body.start,
            end=body.end,
            created_at=clock.now(),
            created_by=actor,
        )
        session.add(row)
        session.flush()
        return _override_out(row, person)


def list_overrides(
    db: Database, *, schedule_id: int, include_past: bool = False
) -> list[OverrideOut]:
    query = select(tables.Override, Person).join(Person)
    query = query.where(tables.Override.schedule_id == schedule_id)
    if not include_past:
        query = query.where(tables.Override.end > clock.now())
    with db.reading() as session:
        get_or_404(session, tables.Schedule, schedule_id, "schedule")
        rows = session.execute(query.order_by(tables.Override.start, tables.Override.id)).all()
        return [_override_out(row, person) for row, person in rows]


def delete_override(db: Database, *, schedule_id: int, override_id: int) -> None:
    with db.transaction() as session:
        row = session.get(tables.Override, override_id)
        if row is None or row.schedule_id != schedule_id:
            raise NotFound(
                f"schedule {schedule_id} has no override {override_id}", field="override_id"
            )
        session.delete(row)


# ---------------------------------------------------------------- who is on call


def _current(session: Session, schedule: tables.Schedule, at: datetime) -> OnCallOut:
    person_id = rosters.on_call_ids(session, [schedule], at)[schedule.id]
    person = people_by_id(session, [person_id]).get(person_id) if person_id else None
    until = None
    if person is not None:
        horizon = at + UNTIL_HORIZON
        shifts = rosters.final_shifts(session, schedule, at, horizon)
        if shifts and shifts[0].start == at and shifts[0].end < horizon:
            until = shifts[0].end
    return OnCallOut(
        schedule_id=schedule.id,
        schedule_name=schedule.name,
        time_zone=schedule.time_zone,
        at=at,
        person=PersonBrief.model_validate(person) if person else None,
        until=until,
    )


def on_call(db: Database, *, schedule_id: int, at: datetime) -> OnCallOut:
    at = at.astimezone(UTC)
    with db.reading() as session:
        schedule = get_or_404(session, tables.Schedule, schedule_id, "schedule")
        return _current(session, schedule, at)


def on_call_everywhere(db: Database, *, at: datetime) -> list[OnCallOut]:
    """Every schedule's on-call person at ``at``, by schedule name."""
    at = at.astimezone(UTC)
    with db.reading() as session:
        schedules = session.scalars(select(tables.Schedule).order_by(tables.Schedule.name)).all()
        return [_current(session, schedule, at) for schedule in schedules]


def check_span(since: datetime, until: datetime) -> None:
    if until <= since:
        raise InvalidInput("until: must be after since", field="until")
    if until - since > MAX_SPAN:
        raise InvalidInput(f"until: at most {MAX_SPAN.days} days after since", field="until")


def shifts_in(
    session: Session, schedule: tables.Schedule, since: datetime, until: datetime
) -> list[ShiftOut]:
    return _briefs(session, rosters.final_shifts(session, schedule, since, until))


def shifts(db: Database, *, schedule_id: int, since: datetime, until: datetime) -> ShiftsOut:
    """The final shifts (layers and overrides merged) across ``[since, until)``."""
    check_span(since, until)
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    with db.reading() as session:
        schedule = get_or_404(session, tables.Schedule, schedule_id, "schedule")
        return ShiftsOut(
            schedule_id=schedule.id,
            time_zone=schedule.time_zone,
            since=since,
            until=until,
            shifts=shifts_in(session, schedule, since, until),
        )


def _briefs(session: Session, shifts: Sequence[core.Shift]) -> list[ShiftOut]:
    people = people_by_id(session, {int(s.person) for s in shifts})
    return [
        ShiftOut(start=s.start, end=s.end, person=PersonBrief.model_validate(people[int(s.person)]))
        for s in shifts
        if int(s.person) in people
    ]


def timeline(db: Database, *, schedule_id: int, since: datetime, until: datetime) -> TimelineOut:
    """Each layer's shifts and the final ones across ``[since, until)``: the layered view."""
    check_span(since, until)
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    with db.reading() as session:
        schedule = get_or_404(session, tables.Schedule, schedule_id, "schedule")
        layers = [
            LayerShiftsOut(
                position=layer.position,
                name=layer.name,
                shifts=_briefs(
                    session, core.layer_shifts(core_layer(layer), schedule.time_zone, since, until)
                ),
            )
            for layer in schedule.layers
        ]
        return TimelineOut(
            schedule_id=schedule.id,
            time_zone=schedule.time_zone,
            since=since,
            until=until,
            layers=layers,
            final=shifts_in(session, schedule, since, until),
        )
