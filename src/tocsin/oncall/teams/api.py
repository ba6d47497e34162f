"""JSON routes for teams and their members.

Making and deleting a team needs the admin role; a team's admins (and admins) change its
name, description, members and their team roles (:mod:`tocsin.oncall.teams.access`).
"""

from __future__ import annotations

from fastapi import APIRouter

from tocsin.access.api import Admin, Responder, Viewer
from tocsin.deps import DbDep
from tocsin.errors import Conflict, Forbidden, answers
from tocsin.fields import Id
from tocsin.oncall.teams import access, service
from tocsin.oncall.teams.schemas import MemberRole, TeamCreate, TeamOut, TeamPatch

router = APIRouter()  # the feature's router (tocsin.oncall.api) adds the prefix and the tag


@router.post("/teams", status_code=201, responses=answers(Conflict))
def create_team(body: TeamCreate, db: DbDep, _: Admin) -> TeamOut:
    return service.create_team(db, body=body)


@router.get("/teams")
def list_teams(db: DbDep, _: Viewer) -> list[TeamOut]:
    return service.list_teams(db)


@router.get("/teams/{team_id}")
def get_team(team_id: Id, db: DbDep, _: Viewer) -> TeamOut:
    return service.get_team(db, team_id=team_id)


@router.patch("/teams/{team_id}", responses=answers(Conflict, Forbidden))
def edit_team(team_id: Id, body: TeamPatch, db: DbDep, principal: Responder) -> TeamOut:
    """``members``, when sent, replaces the whole list (those who stay keep their role)."""
    access.require_change(db, principal, team_id)
    return service.edit_team(db, team_id=team_id, patch=body)


@router.put("/teams/{team_id}/members/{person_id}", responses=answers(Forbidden))
def add_member(
    team_id: Id, person_id: Id, db: DbDep, principal: Responder, body: MemberRole | None = None
) -> TeamOut:
    """Add a person as a ``member``, or with the body's ``role``; a member already in keeps
    their role unless the body names one."""
    access.require_change(db, principal, team_id)
    role = body.role if body is not None else None
    return service.add_member(db, team_id=team_id, person_id=person_id, role=role)


@router.patch("/teams/{team_id}/members/{person_id}", responses=answers(Forbidden))
def set_member_role(
    team_id: Id, person_id: Id, body: MemberRole, db: DbDep, principal: Responder
) -> TeamOut:
    """Make a member a team ``admin`` (manages the team's configuration) or a ``member``."""
    access.require_change(db, principal, team_id)
    return service.set_member_role(db, team_id=team_id, person_id=person_id, role=body.role)


@router.delete("/teams/{team_id}/members/{person_id}", responses=answers(Forbidden))
def remove_member(team_id: Id, person_id: Id, db: DbDep, principal: Responder) -> TeamOut:
    access.require_change(db, principal, team_id)
    return service.remove_member(db, team_id=team_id, person_id=person_id)


@router.delete("/teams/{team_id}", status_code=204)
def delete_team(team_id: Id, db: DbDep, _: Admin) -> None:
    """The team's schedules, policies and services stay, without a team."""
    service.delete_team(db, team_id=team_id)
