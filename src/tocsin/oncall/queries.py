"""Who is on call: in one schedule or in all of them at an instant, and the shifts of a span."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin.db import Database
from tocsin.errors import InvalidInput
from tocsin.oncall import rosters, tables
from tocsin.oncall.people.schemas import PersonBrief
from tocsin.oncall.people.service import people_by_id
from tocsin.oncall.schedule_schemas import OnCallOut, ShiftOut, ShiftsOut
from tocsin.storage import get_or_404

MAX_SPAN = timedelta(days=60)
DEFAULT_SPAN = timedelta(days=7)
UNTIL_HORIZON = timedelta(days=14)


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
    found = rosters.final_shifts(session, schedule, since, until)
    people = people_by_id(session, {int(s.person) for s in found})
    return [
        ShiftOut(start=s.start, end=s.end, person=PersonBrief.model_validate(people[int(s.person)]))
        for s in found
        if int(s.person) in people
    ]


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
