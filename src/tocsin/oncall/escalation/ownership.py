"""Which team owns a service, and the time zone it works in (for business-day deadlines)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin.oncall.escalation.tables import Service
from tocsin.oncall.schedules.tables import Schedule
from tocsin.oncall.teams.tables import Team


@dataclass(frozen=True)
class OwningTeam:
    id: int
    name: str
    time_zone: str | None  # the zone of the team's first schedule; None without one


def owning_team_in(session: Session, *, services: Sequence[str]) -> OwningTeam | None:
    """The team of the first of ``services`` (by name) that the catalog gives a team."""
    if not services:
        return None
    row = session.execute(
        select(Team.id, Team.name)
        .join(Service, Service.team_id == Team.id)
        .where(Service.name.in_(list(services)))
        .order_by(Service.name)
        .limit(1)
    ).first()
    if row is None:
        return None
    zone = session.scalar(
        select(Schedule.time_zone).where(Schedule.team_id == row.id).order_by(Schedule.id).limit(1)
    )
    return OwningTeam(id=row.id, name=row.name, time_zone=zone)


def services_of_team_in(session: Session, *, team_id: int) -> list[str]:
    """The names of the catalog's services owned by the team."""
    return list(
        session.scalars(
            select(Service.name).where(Service.team_id == team_id).order_by(Service.name)
        )
    )
