"""Teams: who is in them; schedules and services name the team that owns them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.roles import TeamRole
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.oncall.people.service import require_people
from tocsin.oncall.people.tables import Person
from tocsin.oncall.teams import tables
from tocsin.oncall.teams.schemas import TeamCreate, TeamMemberOut, TeamOut, TeamPatch
from tocsin.storage import column_values, flush_unique, get_or_404


def _team_out(session: Session, row: tables.Team) -> TeamOut:
    members = session.execute(
        select(Person, tables.TeamMember.role)
        .join(tables.TeamMember, tables.TeamMember.person_id == Person.id)
        .where(tables.TeamMember.team_id == row.id)
        .order_by(Person.name)
    )
    people = [
        TeamMemberOut(id=person.id, name=person.name, handle=person.handle, role=TeamRole(role))
        for person, role in members
    ]
    return TeamOut.model_validate({**column_values(row), "members": people})


def _name_taken(session: Session, name: str, but: int | None = None) -> None:
    found = session.scalar(select(tables.Team.id).where(tables.Team.name == name))
    if found not in (None, but):
        raise Conflict(f"a team is already named {name!r}", field="name")


def _set_members(session: Session, team_id: int, members: Sequence[int]) -> None:
    """The team's members become ``members``; those who stay keep their team role."""
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


def _set_admins(session: Session, team_id: int, admins: Sequence[int]) -> None:
    """The team's admins become ``admins`` (each a member); every other member a member."""
    wanted = set(admins)
    current = session.scalars(
        select(tables.TeamMember).where(tables.TeamMember.team_id == team_id)
    ).all()
    outside = sorted(wanted - {member.person_id for member in current})
    if outside:
        raise InvalidInput(
            f"admins: person {outside[0]} is not a member of the team", field="admins"
        )
    for member in current:
        role = TeamRole.ADMIN if member.person_id in wanted else TeamRole.MEMBER
        if member.role != role.value:
            member.role = role.value


def create_team(db: Database, *, body: TeamCreate) -> TeamOut:
    with db.transaction() as session:
        _name_taken(session, body.name)
        row = tables.Team(name=body.name, description=body.description, created_at=clock.now())
        session.add(row)
        flush_unique(session, field="name", message=f"a team is already named {body.name!r}")
        _set_members(session, row.id, body.members)
        session.flush()
        _set_admins(session, row.id, body.admins)
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
            session.flush()
        if patch.admins is not None:
            _set_admins(session, team_id, patch.admins)
        flush_unique(session, field="name", message="a team is already named so")
        return _team_out(session, row)


def add_member(
    db: Database, *, team_id: int, person_id: int, role: TeamRole | None = None
) -> TeamOut:
    """Add a person (as a ``member`` unless ``role`` says); already in, only ``role`` changes."""
    with db.transaction() as session:
        row = get_or_404(session, tables.Team, team_id, "team")
        get_or_404(session, Person, person_id, "person")
        member = session.get(tables.TeamMember, (team_id, person_id))
        if member is None:
            role = role or TeamRole.MEMBER
            session.add(tables.TeamMember(team_id=team_id, person_id=person_id, role=role.value))
        elif role is not None:
            member.role = role.value
        session.flush()
        return _team_out(session, row)


def set_member_role(db: Database, *, team_id: int, person_id: int, role: TeamRole) -> TeamOut:
    with db.transaction() as session:
        row = get_or_404(session, tables.Team, team_id, "team")
        member = session.get(tables.TeamMember, (team_id, person_id))
        if member is None:
            raise NotFound(f"person {person_id} is not in team {team_id}", field="person_id")
        member.role = role.value
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
