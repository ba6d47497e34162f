"""What on-call tells the metrics: who owns each service, who was on call when, and where
each person lives (their time zone, for pages at night)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Subquery, select
from sqlalchemy.orm import Session

from tocsin.core.oncall_load import Person, ShiftSpan
from tocsin.oncall.escalation.tables import Service
from tocsin.oncall.people.tables import Person as PersonRow
from tocsin.oncall.schedules import rosters
from tocsin.oncall.schedules.tables import Schedule
from tocsin.oncall.teams.tables import Team


def service_teams() -> Subquery:
    """``(service, team)`` of each catalog service that has a team, to join in a query."""
    return (
        select(Service.name.label("service"), Team.name.label("team"))
        .join(Team, Team.id == Service.team_id)
        .subquery("service_teams")
    )


def shifts_between_in(session: Session, since: datetime, until: datetime) -> list[ShiftSpan]:
    """Every final shift (layers and overrides merged) of every schedule in ``[since, until)``."""
    found = []
    for schedule in session.scalars(select(Schedule).order_by(Schedule.name)):
        for shift in rosters.final_shifts(session, schedule, since, until):
            found.append(ShiftSpan(schedule.name, int(shift.person), shift.start, shift.end))
    return found


def zones_in(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    """Name and time zone of each of these people that exists."""
    wanted = set(ids)
    if not wanted:
        return {}
    query = select(PersonRow.id, PersonRow.name, PersonRow.time_zone)
    return {
        row.id: Person(row.name, row.time_zone)
        for row in session.execute(query.where(PersonRow.id.in_(wanted)))
    }
