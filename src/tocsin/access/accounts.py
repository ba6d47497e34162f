"""Users: create and invite, sign in with a password, change it, reset it by mail.

A reset or an invitation is an :class:`AccountLink`: a one-time random token mailed to the
user, stored as its SHA-256 digest, that expires and works once. Using one sets the
password and ends every session of the user.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.access import passwords, sessions
from tocsin.access.schemas import UserOut, UserPatch
from tocsin.access.service import PersonName, digest
from tocsin.access.tables import AccountLink, User
from tocsin.core.roles import AccessRole
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound, Unauthorized
from tocsin.storage import get_or_404

Purpose = Literal["reset", "invite"]
WRONG = "the email address or the password is wrong"
LINK_UNUSABLE = "this link is unknown, used already or expired: ask for a new one"


def normal_email(email: str, *, field: str = "email") -> str:
    address = email.strip().lower()
    local, at, domain = address.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in address):
        raise InvalidInput(f"{field}: {email!r} is not a mail address", field=field)
    return address


def _out(row: User) -> UserOut:
    return UserOut(
        id=row.id,
        email=row.email,
        role=AccessRole(row.role),
        person_id=row.person_id,
        created_at=row.created_at,
        created_by=row.created_by,
        disabled_at=row.disabled_at,
        has_password=row.password_hash is not None,
    )


def create_user(
    db: Database,
    *,
    email: str,
    role: AccessRole,
    created_by: str,
    person_id: int | None = None,
    password: str | None = None,
    person_name: PersonName | None = None,
) -> UserOut:
    """A user; without a password, one who must be invited (:func:`make_link`) to sign in."""
    address = normal_email(email)
    if password is not None:
        passwords.check_policy(password)
    now = clock.now()
    with db.transaction() as session:
        if session.scalar(select(User.id).where(User.email == address)) is not None:
            raise Conflict(f"email: a user with {address} exists already", field="email")
        if person_id is not None and (person_name is None or not person_name(session, person_id)):
            raise InvalidInput(f"person_id: no person with id {person_id}", field="person_id")
        row = User(
            email=address,
            role=role.value,
            person_id=person_id,
            password_hash=passwords.hash_password(password) if password is not None else None,
            password_changed_at=now if password is not None else None,
            created_at=now,
            created_by=created_by,
        )
        session.add(row)
        session.flush()
        return _out(row)


def list_users(db: Database) -> list[UserOut]:
    with db.reading() as session:
        return [_out(row) for row in session.scalars(select(User).order_by(User.id))]


def get_user(db: Database, *, user_id: int) -> UserOut:
    with db.reading() as session:
        return _out(get_or_404(session, User, user_id, "user"))


def user_id_by_email(db: Database, *, email: str) -> int:
    address = email.strip().lower()
    with db.reading() as session:
        found = session.scalar(select(User.id).where(User.email == address))
    if found is None:
        raise NotFound(f"user: nobody has the address {address}", field="user")
    return found


def any_users(db: Database) -> bool:
    with db.reading() as session:
        return session.scalar(select(User.id).limit(1)) is not None


def edit_user(
    db: Database,
    *,
    user_id: int,
    patch: UserPatch,
    person_name: PersonName | None = None,
) -> UserOut:
    """Change a user's role, person or whether they may sign in; disabling one ends their
    sessions (and their tokens stop working)."""
    with db.transaction() as session:
        row = get_or_404(session, User, user_id, "user")
        given = patch.model_fields_set
        if "role" in given and patch.role is not None:
            row.role = patch.role.value
        if "person_id" in given:
            if patch.person_id is not None and (
                person_name is None or not person_name(session, patch.person_id)
            ):
                problem = f"person_id: no person with id {patch.person_id}"
                raise InvalidInput(problem, field="person_id")
            row.person_id = patch.person_id
        if "disabled" in given:
            row.disabled_at = (row.disabled_at or clock.now()) if patch.disabled else None
            if patch.disabled:
                sessions.end_all_in(session, user_id=row.id)
        return _out(row)


def set_time_zone(db: Database, *, user_id: int, time_zone: str) -> str | None:
    """Set the zone the console shows a user's times in ("" for their browser's)."""
    zone = time_zone.strip() or None
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            problem = f"time_zone: {zone!r} is not an IANA time zone (like Europe/Berlin)"
            raise InvalidInput(problem, field="time_zone") from None
    with db.transaction() as session:
        get_or_404(session, User, user_id, "user").time_zone = zone
    return zone


def check_password(db: Database, *, email: str, password: str) -> int:
    """The id of the user with this address and password, or one ``Unauthorized`` for any
    mismatch: an unknown address, a wrong password, a disabled or not yet invited user."""
    address = email.strip().lower()
    with db.reading() as session:
        row = session.scalar(select(User).where(User.email == address))
    stored = row.password_hash if row is not None else None
    if not passwords.verify(stored, password) or row is None or row.disabled_at is not None:
        raise Unauthorized(WRONG)
    return row.id


def change_password(
    db: Database, *, user_id: int, current: str, new: str, keep_session: int | None
) -> int:
    """Set a new password, given the current one; ends the user's other sessions (how many)."""
    passwords.check_policy(new, field="new_password")
    with db.transaction() as session:
        row = get_or_404(session, User, user_id, "user")
        if not passwords.verify(row.password_hash, current):
            problem = "current_password: that is not your password"
            raise InvalidInput(problem, field="current_password")
        _set_password(session, row, new)
        return sessions.end_all_in(session, user_id=user_id, but=keep_session)


def _set_password(session: Session, row: User, password: str) -> None:
    row.password_hash = passwords.hash_password(password)
    row.password_changed_at = clock.now()


def make_link_in(session: Session, *, user_id: int, purpose: Purpose, ttl: timedelta) -> str:
    """A new one-time link token (raw, for the mail only); earlier unused ones of the same
    purpose stop working."""
    now = clock.now()
    session.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user_id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
        )
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    session.add(
        AccountLink(
            digest=digest(raw),
            user_id=user_id,
            purpose=purpose,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return raw


def invite(db: Database, *, user_id: int, ttl: timedelta) -> tuple[str, str]:
    """An invitation link for a user who has no password yet: (their address, raw token)."""
    with db.transaction() as session:
        row = get_or_404(session, User, user_id, "user")
        if row.password_hash is not None:
            raise Conflict("the user has set a password already: send a reset instead")
        return row.email, make_link_in(session, user_id=row.id, purpose="invite", ttl=ttl)


def request_reset(db: Database, *, email: str, ttl: timedelta) -> tuple[str, str] | None:
    """A reset link for the user with this address: (address, raw token), or None when no
    active user has it (the caller answers the same either way)."""
    address = email.strip().lower()
    with db.transaction() as session:
        row = session.scalar(select(User).where(User.email == address))
        if row is None or row.disabled_at is not None:
            return None  # an invited user without a password yet may set one so too
        return row.email, make_link_in(session, user_id=row.id, purpose="reset", ttl=ttl)


def link_user(db: Database, *, raw: str, purpose: Purpose) -> UserOut:
    """The user a usable link is for (to greet them on its page), else ``NotFound``."""
    with db.reading() as session:
        link = _usable(session, raw, purpose)
        return _out(get_or_404(session, User, link.user_id, "user"))


def _usable(session: Session, raw: str, purpose: Purpose) -> AccountLink:
    link = session.scalar(select(AccountLink).where(AccountLink.digest == digest(raw)))
    if (
        link is None
        or link.purpose != purpose
        or link.used_at is not None
        or link.expires_at <= clock.now()
    ):
        raise NotFound(LINK_UNUSABLE)
    return link


def use_link(db: Database, *, raw: str, purpose: Purpose, password: str) -> int:
    """Set the password through a link, once; ends every session of the user. The user id."""
    passwords.check_policy(password)
    with db.transaction() as session:
        link = _usable(session, raw, purpose)
        claimed = session.execute(  # once, even when two requests race with the same link
            update(AccountLink)
            .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
            .values(used_at=clock.now())
        )
        if int(getattr(claimed, "rowcount", 0) or 0) != 1:
            raise NotFound(LINK_UNUSABLE)
        row = get_or_404(session, User, link.user_id, "user")
        _set_password(session, row, password)
        sessions.end_all_in(session, user_id=row.id)
        return row.id
