"""An admin invites a user: the user is created without a password and mailed a link."""

from __future__ import annotations

from datetime import timedelta

from tocsin.access import accounts
from tocsin.access.schemas import UserOut
from tocsin.access.wiring import AccessWiring
from tocsin.config import Settings
from tocsin.core.roles import AccessRole
from tocsin.db import Database


def invitation_url(settings: Settings, raw: str) -> str:
    return f"{settings.base_url}/invite/{raw}"


def invitation_text(settings: Settings, address: str, url: str, invited_by: str) -> str:
    hours = round(settings.invitation_hours)
    return (
        f"{invited_by} invited you ({address}) to Tocsin, where your team handles incidents.\n\n"
        f"Choose your password: {url}\n\nThe link works once, for {hours} hours."
    )


def invite_user(
    db: Database,
    settings: Settings,
    wired: AccessWiring,
    *,
    email: str,
    role: AccessRole,
    person_id: int | None,
    invited_by: str,
) -> tuple[UserOut, str | None]:
    """The new user, and why the invitation mail was not sent (None once it was)."""
    user = accounts.create_user(
        db,
        email=email,
        role=role,
        person_id=person_id,
        created_by=invited_by,
        person_name=wired.person_name,
    )
    return user, resend(db, settings, wired, user_id=user.id, invited_by=invited_by)


def resend(
    db: Database, settings: Settings, wired: AccessWiring, *, user_id: int, invited_by: str
) -> str | None:
    ttl = timedelta(hours=settings.invitation_hours)
    address, raw = accounts.invite(db, user_id=user_id, ttl=ttl)
    text = invitation_text(settings, address, invitation_url(settings, raw), invited_by)
    return wired.send_mail(address, "You are invited to Tocsin", text)
