"""Console pages for escalation policies: the list, one policy's levels in a form, and
delete; each change goes through the API's use cases with the API's ``PolicyCreate`` body."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from tocsin.access.api import check_role
from tocsin.access.pages import PagePrincipal
from tocsin.access.service import Principal
from tocsin.core.roles import AccessRole
from tocsin.db import Database
from tocsin.deps import DbDep
from tocsin.fields import Id
from tocsin.oncall.escalation import service
from tocsin.oncall.escalation.schemas import LevelOut, PolicyCreate, PolicyOut, TargetType
from tocsin.oncall.people import service as people_service
from tocsin.oncall.schedules import service as schedules_service
from tocsin.oncall.teams import access
from tocsin.oncall.teams import service as teams_service
from tocsin.page_forms import Form, attempt, or_none, text, texts
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
MAX_LEVELS = 20  # PolicyCreate's bound
BLANK_TIMEOUT = 30


def _responder(principal: Principal) -> None:
    """The role every changing route of the API asks first (a viewer is refused before
    the form is read); a policy also needs the right on its team (``require_change``)."""
    check_role(principal, AccessRole.RESPONDER)


def policy_body(form: FormData) -> PolicyCreate:
    """The API's body from the form: ``levels-N-timeout``, ``levels-N-person`` and
    ``levels-N-schedule`` (multiple) per level; a level without targets is left out."""
    levels = []
    for index in range(MAX_LEVELS + 1):
        here = f"levels-{index}"
        people = texts(form, f"{here}-person")
        targets = [{"type": TargetType.PERSON.value, "id": i} for i in people]
        targets += [
            {"type": TargetType.SCHEDULE.value, "id": i} for i in texts(form, f"{here}-schedule")
        ]
        if targets:
            levels.append({"timeout_minutes": text(form, f"{here}-timeout"), "targets": targets})
    body = {
        "name": text(form, "name"),
        "description": text(form, "description"),
        "repeat": text(form, "repeat") or "0",
        "team_id": or_none(text(form, "team_id")),
        "levels": levels,
    }
    return PolicyCreate.model_validate(body)


def _page(
    request: Request, db: Database, principal: Principal, name: str, **values: Any
) -> Response:
    """A page; its forms show as the API would allow (``rights``: per policy, its team)."""
    context = {
        "principal": principal,
        "rights": access.rights(db, principal),
        "error": request.query_params.get("error"),
        "notice": request.query_params.get("notice", "")[:200],
        **values,
    }
    return templates.TemplateResponse(request, name, context)


def _form_page(
    request: Request, db: Database, principal: Principal, policy: PolicyOut | None
) -> Response:
    levels = list(policy.levels) if policy else []
    blank = LevelOut(position=len(levels) + 1, timeout_minutes=BLANK_TIMEOUT, targets=[])
    return _page(
        request,
        db,
        principal,
        "policies_form.html",
        policy=policy,
        levels=[*levels, blank] if len(levels) < MAX_LEVELS else levels,
        teams=access.rights(db, principal).teams(teams_service.list_teams(db)),
        people=people_service.list_people(db),
        schedules=schedules_service.list_schedules(db),
    )


@router.get("/policies", response_class=HTMLResponse)
def policies_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    policies = service.list_policies(db)
    return _page(request, db, principal, "policies_list.html", policies=policies)


@router.get("/policies/new", response_class=HTMLResponse)
def new_policy_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    if not access.rights(db, principal).any:
        access.require_change(db, principal, None)
    return _form_page(request, db, principal, None)


@router.post("/policies")
def create_policy_from_form(db: DbDep, principal: PagePrincipal, form: Form) -> Response:
    _responder(principal)
    access.require_new(db, principal, text(form, "team_id"))

    def create() -> PolicyOut:  # its team is the one require_new checked
        body = policy_body(form)
        return service.create_policy(db, body=body)

    return attempt(
        "/policies/new", create, notice="Policy created.", then=lambda p: f"/policies/{p.id}"
    )


@router.get("/policies/{policy_id}", response_class=HTMLResponse)
def policy_page(request: Request, policy_id: Id, db: DbDep, principal: PagePrincipal) -> Response:
    policy = service.get_policy(db, policy_id=policy_id)
    if not access.may_change(db, principal, policy.team_id):
        return _page(
            request, db, principal, "policies_form.html", policy=policy, levels=policy.levels
        )
    return _form_page(request, db, principal, policy)


@router.post("/policies/{policy_id}")
def replace_policy_from_form(
    policy_id: Id, db: DbDep, principal: PagePrincipal, form: Form
) -> Response:
    _responder(principal)
    old_team = service.policy_team(db, policy_id=policy_id)
    access.require_change(db, principal, old_team)

    def replace() -> None:
        body = policy_body(form)
        access.require_change(db, principal, old_team, body.team_id)
        service.replace_policy(db, policy_id=policy_id, body=body)

    return attempt(f"/policies/{policy_id}", replace, notice="Saved.")


@router.post("/policies/{policy_id}/delete")
def delete_policy_from_form(policy_id: Id, db: DbDep, principal: PagePrincipal) -> Response:
    _responder(principal)
    access.require_change(db, principal, service.policy_team(db, policy_id=policy_id))
    return attempt(
        f"/policies/{policy_id}",
        lambda: service.delete_policy(db, policy_id=policy_id),
        notice="Policy deleted.",
        then="/policies",
    )
