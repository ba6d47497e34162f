"""Console pages for people: the directory, one person with their contact methods and
notification rules, and the forms that change them (the API's use cases and bodies)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.access.pages import PagePrincipal
from tocsin.access.service import Principal
from tocsin.core.roles import AccessRole
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import Forbidden, TocsinError, Unavailable
from tocsin.fields import Id
from tocsin.oncall.people import contacts, service
from tocsin.oncall.people.schemas import (
    ContactKind,
    ContactMethodCreate,
    NotificationRuleCreate,
    PersonCreate,
    PersonPatch,
)
from tocsin.oncall.teams import service as teams_service
from tocsin.page_forms import Form, attempt, back, or_none, refusal, text
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)


def may_change(principal: Principal) -> bool:
    """Whether the signed-in user may change people: the API's role for it (a responder).

    The one place these pages decide it; team-scoped rights would go here."""
    return principal.role.allows(AccessRole.RESPONDER)


def _require_change(principal: Principal) -> None:
    if not may_change(principal):
        raise Forbidden("viewers cannot change people")


def _page(request: Request, principal: Principal, name: str, **values: Any) -> Response:
    context = {
        "principal": principal,
        "can_change": may_change(principal),
        "error": request.query_params.get("error"),
        "notice": request.query_params.get("notice", "")[:200],
        **values,
    }
    return templates.TemplateResponse(request, name, context)


@router.get("/people", response_class=HTMLResponse)
def people_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    teams: dict[int, list[str]] = {}
    for team in teams_service.list_teams(db):
        for member in team.members:
            teams.setdefault(member.id, []).append(team.name)
    people, counts = service.list_people(db), contacts.contact_method_counts(db)
    return _page(request, principal, "people_list.html", people=people, teams=teams, counts=counts)


@router.post("/people")
def create_person_from_form(db: DbDep, principal: PagePrincipal, form: Form) -> Response:
    _require_change(principal)
    body = {
        "name": text(form, "name"),
        "handle": text(form, "handle"),
        "email": or_none(text(form, "email")),
        "time_zone": text(form, "time_zone") or "UTC",
    }
    try:
        created = service.create_person(db, body=PersonCreate.model_validate(body))
    except Unavailable:
        raise
    except (TocsinError, ValueError) as exc:
        return back("/people", error=refusal(exc))
    return back(f"/people/{created.id}", notice="Person created.")


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, person_id: Id, db: DbDep, principal: PagePrincipal) -> Response:
    return _person(request, db, principal, person_id)


def _person(
    request: Request, db: DbDep, principal: Principal, person_id: int, **values: Any
) -> Response:
    return _page(
        request,
        principal,
        "people_detail.html",
        person=service.get_person(db, person_id=person_id),
        methods=contacts.list_contact_methods(db, person_id=person_id),
        rules=contacts.list_rules(db, person_id=person_id),
        plan=contacts.notification_plan(db, person_id=person_id),
        kinds=list(ContactKind),
        is_me=principal.person_id == person_id,
        **values,
    )


@router.post("/people/{person_id}")
def edit_person_from_form(
    person_id: Id, db: DbDep, principal: PagePrincipal, form: Form
) -> Response:
    _require_change(principal)
    body = {
        "name": text(form, "name"),
        "handle": text(form, "handle"),
        "email": or_none(text(form, "email")),
        "time_zone": text(form, "time_zone"),
    }
    return attempt(
        f"/people/{person_id}",
        lambda: service.edit_person(
            db, person_id=person_id, patch=PersonPatch.model_validate(body)
        ),
        notice="Saved.",
    )


@router.post("/people/{person_id}/delete")
def delete_person_from_form(person_id: Id, db: DbDep, principal: PagePrincipal) -> Response:
    _require_change(principal)
    try:
        service.delete_person(db, person_id=person_id)
    except Unavailable:
        raise
    except TocsinError as exc:
        return back(f"/people/{person_id}", error=refusal(exc))
    return back("/people", notice="Person deleted.")


@router.post("/people/{person_id}/contact-methods", response_class=HTMLResponse)
def add_contact_from_form(
    request: Request,
    person_id: Id,
    db: DbDep,
    settings: SettingsDep,
    principal: PagePrincipal,
    form: Form,
) -> Response:
    """A webhook's signing secret is shown on the answer itself: once, never again."""
    _require_change(principal)
    body = {
        "kind": text(form, "kind"),
        "address": text(form, "address"),
        "label": or_none(text(form, "label")),
    }
    try:
        created = contacts.create_contact_method(
            db,
            person_id=person_id,
            body=ContactMethodCreate.model_validate(body),
            box=settings.secret_box,
            outbound_allow=settings.outbound_allow,
        )
    except Unavailable:
        raise
    except (TocsinError, ValueError) as exc:
        return back(f"/people/{person_id}", error=refusal(exc))
    if created.signing_secret is None:
        return back(f"/people/{person_id}", notice="Contact method added.")
    return _person(request, db, principal, person_id, secret=created)


@router.post("/people/{person_id}/contact-methods/{contact_method_id}/delete")
def remove_contact_from_form(
    person_id: Id, contact_method_id: Id, db: DbDep, principal: PagePrincipal
) -> Response:
    _require_change(principal)
    return attempt(
        f"/people/{person_id}",
        lambda: contacts.delete_contact_method(
            db, person_id=person_id, contact_method_id=contact_method_id
        ),
        notice="Contact method removed.",
    )


@router.post("/people/{person_id}/notification-rules")
def add_rule_from_form(person_id: Id, db: DbDep, principal: PagePrincipal, form: Form) -> Response:
    _require_change(principal)
    body = {
        "contact_method_id": text(form, "contact_method_id"),
        "delay_minutes": text(form, "delay_minutes"),
    }
    return attempt(
        f"/people/{person_id}",
        lambda: contacts.create_rule(
            db, person_id=person_id, body=NotificationRuleCreate.model_validate(body)
        ),
        notice="Rule added.",
    )


@router.post("/people/{person_id}/notification-rules/{rule_id}/delete")
def remove_rule_from_form(
    person_id: Id, rule_id: Id, db: DbDep, principal: PagePrincipal
) -> Response:
    _require_change(principal)
    return attempt(
        f"/people/{person_id}",
        lambda: contacts.delete_rule(db, person_id=person_id, rule_id=rule_id),
        notice="Rule removed.",
    )
