"""User routes: admins invite users and list them; anyone sees who they are."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from tocsin.access import accounts, invitations
from tocsin.access.api import Admin, Tokens, Viewer
from tocsin.access.schemas import UserCreate, UserOut, UserPatch
from tocsin.access.wiring import AccessWiring
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import Conflict, answers
from tocsin.fields import Id

router = APIRouter(prefix="/api/v1/users", tags=["access"])


class UserInvited(UserOut):
    mail_error: str | None = Field(
        description="Why the invitation mail was not sent (null once it was): resend it."
    )


class Me(BaseModel):
    name: str
    role: str
    user_id: int | None
    person_id: int | None
    token_id: int | None


@router.post("", status_code=201, responses=answers(Conflict))
def invite_user(
    body: UserCreate, request: Request, db: DbDep, settings: SettingsDep, principal: Admin
) -> UserInvited:
    wired: AccessWiring = request.app.state.tocsin.access
    user, problem = invitations.invite_user(
        db,
        settings,
        wired,
        email=body.email,
        role=body.role,
        person_id=body.person_id,
        invited_by=principal.actor,
    )
    return UserInvited(**user.model_dump(), mail_error=problem)


@router.post("/{user_id}/invitation", responses=answers(Conflict))
def resend_invitation(
    user_id: Id, request: Request, db: DbDep, settings: SettingsDep, principal: Admin
) -> UserInvited:
    wired: AccessWiring = request.app.state.tocsin.access
    problem = invitations.resend(db, settings, wired, user_id=user_id, invited_by=principal.actor)
    return UserInvited(**accounts.get_user(db, user_id=user_id).model_dump(), mail_error=problem)


@router.patch("/{user_id}")
def edit_user(
    user_id: Id, body: UserPatch, request: Request, db: DbDep, tokens: Tokens, _: Admin
) -> UserOut:
    """Change a user's role or person, or disable them (their sessions end; their tokens
    stop working, within seconds on other replicas)."""
    wired: AccessWiring = request.app.state.tocsin.access
    edited = accounts.edit_user(db, user_id=user_id, patch=body, person_name=wired.person_name)
    tokens.forget_user(user_id)
    return edited


@router.get("")
def list_users(db: DbDep, _: Admin) -> list[UserOut]:
    return accounts.list_users(db)


@router.get("/me")
def who_am_i(principal: Viewer) -> Me:
    return Me(
        name=principal.actor,
        role=principal.role.value,
        user_id=principal.user_id,
        person_id=principal.person_id,
        token_id=principal.token_id,
    )
