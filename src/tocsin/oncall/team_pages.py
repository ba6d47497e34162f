"""The teams pages: each team's members and their team role, what the team owns, and the
forms with which admins and the team's own admins manage its members.

The forms show only to whoever :func:`tocsin.oncall.teams.access.may_change` lets change the
team; the posts check again (``require_change``, a 403 naming the team), as the API does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.access.pages import PagePrincipal
from tocsin.access.service import Principal
from tocsin.core.roles import TeamRole
from tocsin.deps import DbDep
from tocsin.errors import InvalidInput
from tocsin.fields import Id
from tocsin.oncall.escalation import service as escalation
from tocsin.oncall.people import service as people
from tocsin.oncall.schedules import service as schedules
from tocsin.oncall.teams import access
from tocsin.oncall.teams import service as teams
from tocsin.page_forms import attempt
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=20)]


def _role(value: str) -> TeamRole:
    if value not in set(TeamRole):
        raise InvalidInput(f"role: {value!r} is not member or admin", field="role")
    return TeamRole(value)


def _person(value: str) -> int:
    if not value.strip().isdigit():
        raise InvalidInput(f"person_id: {value!r} is not a person id", field="person_id")
    return int(value)


def _attempt(db: DbDep, principal: Principal, team_id: int, action: Callable[[], Any]) -> Response:
    """Check the right (a 403 naming the team, as the API's), run the form's action, come
    back to the team's page (with the reason of a refusal shown)."""
    access.require_change(db, principal, team_id)
    return attempt(f"/teams/{team_id}", action)


@router.get("/teams", response_class=HTMLResponse)
def teams_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    context = {"principal": principal, "teams": teams.list_teams(db)}
    return templates.TemplateResponse(request, "teams_list.html", context)


@router.get("/teams/{team_id}", response_class=HTMLResponse)
def team_page(
    request: Request, team_id: Id, db: DbDep, principal: PagePrincipal, error: str = ""
) -> Response:
    team = teams.get_team(db, team_id=team_id)
    members = {m.id for m in team.members}
    context = {
        "principal": principal,
        "team": team,
        "may_change": access.may_change(db, principal, team_id),
        "schedules": [s for s in schedules.list_schedules(db) if s.team_id == team_id],
        "policies": [p for p in escalation.list_policies(db) if p.team_id == team_id],
        "services": [s for s in escalation.list_services(db) if s.team_id == team_id],
        "others": [p for p in people.list_people(db) if p.id not in members],
        "roles": list(TeamRole),
        "error": error[:300] or None,
    }
    return templates.TemplateResponse(request, "teams_detail.html", context)


@router.post("/teams/{team_id}/members")
def add_member(
    team_id: Id, db: DbDep, principal: PagePrincipal, person_id: Field, role: Field = "member"
) -> Response:
    def action() -> None:
        person, chosen = _person(person_id), _role(role)
        teams.add_member(db, team_id=team_id, person_id=person, role=chosen)

    return _attempt(db, principal, team_id, action)


@router.post("/teams/{team_id}/members/{person_id}/role")
def set_role(
    team_id: Id, person_id: Id, db: DbDep, principal: PagePrincipal, role: Field
) -> Response:
    def action() -> None:
        teams.set_member_role(db, team_id=team_id, person_id=person_id, role=_role(role))

    return _attempt(db, principal, team_id, action)


@router.post("/teams/{team_id}/members/{person_id}/remove")
def remove_member(team_id: Id, person_id: Id, db: DbDep, principal: PagePrincipal) -> Response:
    return _attempt(
        db,
        principal,
        team_id,
        lambda: teams.remove_member(db, team_id=team_id, person_id=person_id),
    )
