"""JSON routes for teams and their members."""

from __future__ import annotations

from fastapi import APIRouter

from tocsin.access.api import Responder, Viewer
from tocsin.deps import DbDep
from tocsin.errors import Conflict, answers
from tocsin.fields import Id
from tocsin.oncall.teams import service
from tocsin.oncall.teams.schemas import TeamCreate, TeamOut, TeamPatch

router = APIRouter()  # the feature's router (tocsin.oncall.api) adds the prefix and the tag


@router.post("/teams", status_code=201, responses=answers(Conflict))
def create_team(body: TeamCreate, db: DbDep, _: Responder) -> TeamOut:
    return service.create_team(db, body=body)


@router.get("/teams")
def list_teams(db: DbDep, _: Viewer) -> list[TeamOut]:
    return service.list_teams(db)


@router.get("/teams/{team_id}")
def get_team(team_id: Id, db: DbDep, _: Viewer) -> TeamOut:
    return service.get_team(db, team_id=team_id)


@router.patch("/teams/{team_id}", responses=answers(Conflict))
def edit_team(team_id: Id, body: TeamPatch, db: DbDep, _: Responder) -> TeamOut:
    """``members``, when sent, replaces the whole list."""
    return service.edit_team(db, team_id=team_id, patch=body)


@router.put("/teams/{team_id}/members/{person_id}")
def add_member(team_id: Id, person_id: Id, db: DbDep, _: Responder) -> TeamOut:
    return service.add_member(db, team_id=team_id, person_id=person_id)


@router.delete("/teams/{team_id}/members/{person_id}")
def remove_member(team_id: Id, person_id: Id, db: DbDep, _: Responder) -> TeamOut:
    return service.remove_member(db, team_id=team_id, person_id=person_id)


@router.delete("/teams/{team_id}", status_code=204)
def delete_team(team_id: Id, db: DbDep, _: Responder) -> None:
    """The team's schedules and services stay, without a team."""
    service.delete_team(db, team_id=team_id)
