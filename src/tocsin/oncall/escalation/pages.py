"""Console pages for escalation policies: the list, one policy's levels in a form, and
delete; each change goes through the API's use cases with the API's ``PolicyCreate`` body."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from tocsin.access.pages import PagePrincipal
from tocsin.access.service import Principal
from tocsin.core.roles import AccessRole
from tocsin.db import Database
from tocsin.deps import DbDep
from tocsin.errors import Forbidden, TocsinError, Unavailable
from tocsin.fields import Id
from tocsin.oncall.escalation import service
from tocsin.oncall.escalation.schemas import LevelOut, PolicyCreate, PolicyOut, TargetType
from tocsin.oncall.people import service as people_service
from tocsin.oncall.schedules import service as schedules_service
from tocsin.page_forms import Form, attempt, back, refusal, text, texts
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
MAX_LEVELS = 20  # PolicyCreate's bound
BLANK_TIMEOUT = 30


def may_change(principal: Principal) -> bool:
    """Whether the signed-in user may change policies: the API's role for it (a responder).

    The one place these pages decide it; team-scoped rights would go here."""
    return principal.role.allows(AccessRole.RESPONDER)


def _require_change(principal: Principal) -> None:
    if not may_change(principal):
        raise Forbidden("viewers cannot change escalation policies")


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
        "levels": levels,
    }
    return PolicyCreate.model_validate(body)


def _page(request: Request, principal: Principal, name: str, **values: Any) -> Response:
    context = {
        "principal": principal,
        "can_change": may_change(principal),
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
        principal,
        "policies_form.html",
        policy=policy,
        levels=[*levels, blank] if len(levels) < MAX_LEVELS else levels,
        people=people_service.list_people(db),
        schedules=schedules_service.list_schedules(db),
    )


@router.get("/policies", response_class=HTMLResponse)
def policies_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    return _page(request, principal, "policies_list.html", policies=service.list_policies(db))


@router.get("/policies/new", response_class=HTMLResponse)
def new_policy_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    _require_change(principal)
    return _form_page(request, db, principal, None)


@router.post("/policies")
def create_policy_from_form(db: DbDep, principal: PagePrincipal, form: Form) -> Response:
    _require_change(principal)
    try:
        created = service.create_policy(db, body=policy_body(form))
    except Unavailable:
        raise
    except (TocsinError, ValueError) as exc:
        return back("/policies/new", error=refusal(exc))
    return back(f"/policies/{created.id}", notice="Policy created.")


@router.get("/policies/{policy_id}", response_class=HTMLResponse)
def policy_page(request: Request, policy_id: Id, db: DbDep, principal: PagePrincipal) -> Response:
    policy = service.get_policy(db, policy_id=policy_id)
    if not may_change(principal):
        return _page(request, principal, "policies_form.html", policy=policy, levels=policy.levels)
    return _form_page(request, db, principal, policy)


@router.post("/policies/{policy_id}")
def replace_policy_from_form(
    policy_id: Id, db: DbDep, principal: PagePrincipal, form: Form
) -> Response:
    _require_change(principal)
    return attempt(
        f"/policies/{policy_id}",
        lambda: service.replace_policy(db, policy_id=policy_id, body=policy_body(form)),
        notice="Saved.",
    )


@router.post("/policies/{policy_id}/delete")
def delete_policy_from_form(policy_id: Id, db: DbDep, principal: PagePrincipal) -> Response:
    _require_change(principal)
    try:
        service.delete_policy(db, policy_id=policy_id)
    except Unavailable:
        raise
    except TocsinError as exc:
        return back(f"/policies/{policy_id}", error=refusal(exc))
    return back("/policies", notice="Policy deleted.")
