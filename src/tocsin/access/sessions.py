"""Web sessions: a random id in the browser's cookie, only its SHA-256 digest stored.

A session ends at its lifetime, after its idle timeout, at sign-out, and when its user's
password changes or is reset (every session of the user but, for a change, the one that
made it).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.access.service import PersonName, Principal, digest, user_principal
from tocsin.access.tables import User, UserSession
from tocsin.db import Database
from tocsin.errors import Unauthorized, Unavailable

COOKIE = "tocsin_session"
SEEN_RESOLUTION = timedelta(minutes=1)
ENDED = "your session has ended: sign in again"


def start(db: Database, *, user_id: int, lifetime: timedelta) -> str:
    """A new session for the user; the raw id, for the cookie only."""
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    with db.transaction() as session:
        session.add(
            UserSession(
                digest=digest(raw),
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + lifetime,
            )
        )
    return raw


def principal_of(
    db: Database, raw: str | None, *, idle: timedelta, person_name: PersonName | None = None
) -> Principal:
    """The signed-in user of a session cookie, or ``Unauthorized``."""
    if not raw:
        raise Unauthorized("sign in first")
    now = clock.now()
    with db.reading() as session:
        row = session.scalar(select(UserSession).where(UserSession.digest == digest(raw)))
        if row is None or row.ended_at is not None or row.expires_at <= now:
            raise Unauthorized(ENDED)
        if now - row.last_seen_at >= idle:
            raise Unauthorized(ENDED)
        user = session.get(User, row.user_id)
        if user is None or user.disabled_at is not None:
            raise Unauthorized(ENDED)
        principal = user_principal(session, user, person_name, session_id=row.id)
        stale = now - row.last_seen_at > SEEN_RESOLUTION
    if stale:
        try:
            with db.transaction() as session:
                session.execute(
                    update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
                )
        except Unavailable:
            pass  # a read-only database still serves reads
    return principal


def end(db: Database, raw: str | None) -> None:
    """Sign-out: the session of this cookie ends (an unknown one is ended already)."""
    if not raw:
        return
    with db.transaction() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.digest == digest(raw), UserSession.ended_at.is_(None))
            .values(ended_at=clock.now())
        )


def end_all_in(session: Session, *, user_id: int, but: int | None = None) -> int:
    """End every open session of the user, except the session with id ``but``."""
    query = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None)
    )
    if but is not None:
        query = query.where(UserSession.id != but)
    result = session.execute(query.values(ended_at=clock.now()))
    return int(getattr(result, "rowcount", 0) or 0)
