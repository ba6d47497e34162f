"""JSON routes for people and teams; the router of the whole on-call feature.

Viewers read; responders and admins change. The iCalendar feeds take a signed link instead of
a token, because calendar apps cannot send headers.
"""

from __future__ import annotations

from fastapi import APIRouter

from tocsin.access.api import Responder, Viewer
from tocsin.deps import DbDep
from tocsin.errors import Conflict, answers
from tocsin.fields import Id
from tocsin.oncall import catalog
from tocsin.oncall.api_escalation import router as escalation_router
from tocsin.oncall.api_schedules import router as schedules_router
from tocsin.oncall.people.api import router as people_router
from tocsin.oncall.schemas import (
    TeamCreate,
    TeamOut,
    TeamPatch,
)

router = APIRouter(prefix="/api/v1", tags=["on-call"])
router.include_router(people_router)


# ---------------------------------------------------------------- teams


@router.post("/teams", status_code=201, responses=answers(Conflict))
def create_team(body: TeamCreate, db: DbDep, _: Responder) -> TeamOut:
    return catalog.create_team(db, body=body)


@router.get("/teams")
def list_teams(db: DbDep, _: Viewer) -> list[TeamOut]:
    return catalog.list_teams(db)


@router.get("/teams/{team_id}")
def get_team(team_id: Id, db: DbDep, _: Viewer) -> TeamOut:
    return catalog.get_team(db, team_id=team_id)


@router.patch("/teams/{team_id}", responses=answers(Conflict))
def edit_team(team_id: Id, body: TeamPatch, db: DbDep, _: Responder) -> TeamOut:
    """``members``, when sent, replaces the whole list."""
    return catalog.edit_team(db, team_id=team_id, patch=body)


@router.put("/teams/{team_id}/members/{person_id}")
def add_member(team_id: Id, person_id: Id, db: DbDep, _: Responder) -> TeamOut:
    return catalog.add_member(db, team_id=team_id, person_id=person_id)


@router.delete("/teams/{team_id}/members/{person_id}")
def remove_member(team_id: Id, person_id: Id, db: DbDep, _: Responder) -> TeamOut:
    return catalog.remove_member(db, team_id=team_id, person_id=person_id)


@router.delete("/teams/{team_id}", status_code=204)
def delete_team(team_id: Id, db: DbDep, _: Responder) -> None:
    """The team's schedules and services stay, without a team."""
    catalog.delete_team(db, team_id=team_id)


router.include_router(schedules_router)
router.include_router(escalation_router)
