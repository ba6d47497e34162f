"""The admins' users page: who can sign in, the form that invites someone, and each user's
on-call person (what "Take this shift" and "Send me a test page" act for)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.access import accounts, invitations
from tocsin.access.api import Tokens
from tocsin.access.pages import PagePrincipal, Wiring
from tocsin.access.schemas import UserPatch
from tocsin.access.service import Principal
from tocsin.core.roles import AccessRole
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import Forbidden, InvalidInput, TocsinError
from tocsin.fields import Id
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=320)]


def _admin(principal: Principal) -> Principal:
    if not principal.role.allows(AccessRole.ADMIN):
        raise Forbidden(f"the users page needs the admin role; you have {principal.role}")
    return principal


def _render(request: Request, db: DbDep, principal: Principal, **values: Any) -> Response:
    context = {
        "principal": principal,
        "users": accounts.list_users(db),
        "roles": list(AccessRole),
        "error": None,
        "notice": None,
        **values,
    }
    status = 400 if values.get("error") else 200
    return templates.TemplateResponse(request, "users.html", context, status_code=status)


def _person_id(text: str) -> int | None:
    """A person id typed in a form; empty is none."""
    person = text.strip()
    if not person:
        return None
    if not person.isdigit() or int(person) < 1:
        raise InvalidInput(f"person_id: {person!r} is not a person id", field="person_id")
    return int(person)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    return _render(request, db, _admin(principal))


@router.post("/users")
def invite(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    wired: Wiring,
    principal: PagePrincipal,
    email: Text,
    role: Text,
    person_id: Text = "",
) -> Response:
    _admin(principal)
    try:
        if role not in set(AccessRole):
            raise InvalidInput(f"role: {role!r} is not viewer, responder or admin", field="role")
        user, problem = invitations.invite_user(
            db,
            settings,
            wired,
            email=email,
            role=AccessRole(role),
            person_id=_person_id(person_id),
            invited_by=principal.actor,
        )
    except TocsinError as exc:
        return _render(request, db, principal, error=exc.message)
    if problem:
        return _render(request, db, principal, error=f"{user.email} was added, but {problem}")
    return _render(request, db, principal, notice=f"Invitation mailed to {user.email}.")


@router.post("/users/{user_id}/person")
def link_person(
    request: Request,
    user_id: Id,
    db: DbDep,
    wired: Wiring,
    tokens: Tokens,
    principal: PagePrincipal,
    person_id: Text = "",
) -> Response:
    """Link a user to their on-call person (an empty id unlinks them), as PATCH
    /api/v1/users/{id} does."""
    _admin(principal)
    try:
        patch = UserPatch(person_id=_person_id(person_id))
        user = accounts.edit_user(db, user_id=user_id, patch=patch, person_name=wired.person_name)
    except TocsinError as exc:
        return _render(request, db, principal, error=exc.message)
    tokens.forget_user(user_id)
    linked = f"linked to person {user.person_id}" if user.person_id else "not linked to a person"
    return _render(request, db, principal, notice=f"{user.email} is {linked}.")
