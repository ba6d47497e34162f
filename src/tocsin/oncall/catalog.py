"""Teams (people who own schedules and services) and the services catalog."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.oncall import tables
from tocsin.oncall.people.schemas import PersonBrief
from tocsin.oncall.people.service import require_people
from tocsin.oncall.people.tables import Person
from tocsin.oncall.schemas import (
    ServiceCreate,
    ServiceOut,
    ServicePatch,
    TeamCreate,
    TeamOut,
    TeamPatch,
)
from tocsin.storage import column_values, flush_unique, get_or_404

# ---------------------------------------------------------------- teams


def _team_out(session: Session, row: tables.Team) -> TeamOut:
    members = session.scalars(
        select(Person)
        .join(tables.TeamMember, tables.TeamMember.person_id == Person.id)
        .where(tables.TeamMember.team_id == row.id)
        .order_by(Person.name)
    )
    people = [PersonBrief.model_validate(person) for person in members]
    return TeamOut.model_validate({**column_values(row), "members": people})


def _name_taken(session: Session, name: str, but: int | None = None) -> None:
    found = session.scalar(select(tables.Team.id).where(tables.Team.name == name))
    if found not in (None, but):
        raise Conflict(f"a team is already named {name!r}", field="name")


def _set_members(session: Session, team_id: int, members: Sequence[int]) -> None:
    unique = list(dict.fromkeys(members))
    require_people(session, unique, field="members")
    session.execute(delete(tables.TeamMember).where(tables.TeamMember.team_id == team_id))
    session.add_all(tables.TeamMember(team_id=team_id, person_id=p) for p in unique)


def create_team(db: Database, *, body: TeamCreate) -> TeamOut:
    with db.transaction() as session:
        _name_taken(session, body.name)
        row = tables.Team(name=body.name, description=body.description, created_at=clock.now())
        session.add(row)
        flush_unique(session, field="name", message=f"a team is already named {body.name!r}")
        _set_members(session, row.id, body.members)
        session.flush()
        return _team_out(session, row)


def edit_team(db: Database, *, team_id: int, patch: TeamPatch) -> TeamOut:
    with db.transaction() as session:
        row = get_or_404(session, tables.Team, team_id, "team")
        if patch.name is not None:
            _name_taken(session, patch.name, but=team_id)
            row.name = patch.name
        if patch.description is not None:
            row.description = patch.description
        if patch.members is not None:
            _set_members(session, team_id, patch.members)
        flush_unique(session, field="name", message="a team is already named so")
        return _team_out(session, row)


def add_member(db: Database, *, team_id: int, person_id: int) -> TeamOut:
    with db.transaction() as session:
        row = get_or_404(session, tables.Team, team_id, "team")
        get_or_404(session, Person, person_id, "person")
        if session.get(tables.TeamMember, (team_id, person_id)) is None:
            session.add(tables.TeamMember(team_id=team_id, person_id=person_id))
            session.flush()
        return _team_out(session, row)


def remove_member(db: Database, *, team_id: int, person_id: int) -> TeamOut:
    with db.transaction() as session:
        row = get_or_404(session, tables.Team, team_id, "team")
        member = session.get(tables.TeamMember, (team_id, person_id))
        if member is None:
            raise NotFound(f"person {person_id} is not in team {team_id}", field="person_id")
        session.delete(member)
        session.flush()
        return _team_out(session, row)


def list_teams(db: Database) -> list[TeamOut]:
    with db.reading() as session:
        rows = session.scalars(select(tables.Team).order_by(tables.Team.name)).all()
        return [_team_out(session, row) for row in rows]


def get_team(db: Database, *, team_id: int) -> TeamOut:
    with db.reading() as session:
        return _team_out(session, get_or_404(session, tables.Team, team_id, "team"))


def delete_team(db: Database, *, team_id: int) -> None:
    """Its schedules and services stay, without a team."""
    with db.transaction() as session:
        session.delete(get_or_404(session, tables.Team, team_id, "team"))


# ---------------------------------------------------------------- services


def _check_links(session: Session, team_id: int | None, policy_id: int | None) -> None:
    if team_id is not None and session.get(tables.Team, team_id) is None:
        raise InvalidInput(f"team_id: no team with id {team_id}", field="team_id")
    if policy_id is not None and session.get(tables.EscalationPolicy, policy_id) is None:
        field = "escalation_policy_id"
        raise InvalidInput(f"{field}: no escalation policy with id {policy_id}", field=field)


def service_by_name(session: Session, name: str) -> tables.Service:
    row = session.scalar(select(tables.Service).where(tables.Service.name == name))
    if row is None:
        raise NotFound(f"no service named {name!r}", field="name")
    return row


def create_service(db: Database, *, body: ServiceCreate) -> ServiceOut:
    with db.transaction() as session:
        if session.scalar(select(tables.Service.id).where(tables.Service.name == body.name)):
            raise Conflict(f"a service is already named {body.name!r}", field="name")
        _check_links(session, body.team_id, body.escalation_policy_id)
        now = clock.now()
        row = tables.Service(**body.model_dump(), created_at=now, updated_at=now)
        session.add(row)
        flush_unique(session, field="name", message=f"a service is already named {body.name!r}")
        return ServiceOut.model_validate(row)


def edit_service(db: Database, *, name: str, patch: ServicePatch) -> ServiceOut:
    changes = patch.model_dump(exclude_unset=True)
    if "description" in changes and changes["description"] is None:
        raise InvalidInput("description: must not be null", field="description")
    with db.transaction() as session:
        row = service_by_name(session, name)
        _check_links(session, changes.get("team_id"), changes.get("escalation_policy_id"))
        for field, value in changes.items():
            setattr(row, field, value)
        row.updated_at = clock.now()
        session.flush()
        return ServiceOut.model_validate(row)


def list_services(db: Database) -> list[ServiceOut]:
    with db.reading() as session:
        rows = session.scalars(select(tables.Service).order_by(tables.Service.name))
        return [ServiceOut.model_validate(row) for row in rows]


def get_service(db: Database, *, name: str) -> ServiceOut:
    with db.reading() as session:
        return ServiceOut.model_validate(service_by_name(session, name))


def delete_service(db: Database, *, name: str) -> None:
    """Incidents keep naming the service; only its catalog entry goes."""
    with db.transaction() as session:
        session.delete(service_by_name(session, name))
