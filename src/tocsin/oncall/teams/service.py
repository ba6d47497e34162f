"""Teams: who is in them; schedules and services name the team that owns them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.db import Database
from tocsin.errors import Conflict, NotFound
from tocsin.oncall.people.schemas import PersonBrief
from tocsin.oncall.people.service import require_people
from tocsin.oncall.people.tables import Person
from tocsin.oncall.teams import tables
from tocsin.oncall.teams.schemas import TeamCreate, TeamOut, TeamPatch
from tocsin.storage import column_values, flush_unique, get_or_404


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
    # Only who leaves and who joins is written, through the ORM: the audit log sees them.
    current = session.scalars(
        select(tables.TeamMember).where(tables.TeamMember.team_id == team_id)
    ).all()
    for member in current:
        if member.person_id not in unique:
            session.delete(member)
    kept = {member.person_id for member in current}
    session.add_all(
        tables.TeamMember(team_id=team_id, person_id=p) for p in unique if p not in kept
    )


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
