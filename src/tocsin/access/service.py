"""Create, list, revoke and check API tokens."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.access.schemas import TokenCreated, TokenOut
from tocsin.access.tables import ApiToken, User
from tocsin.core.roles import AccessRole
from tocsin.db import Database
from tocsin.errors import Forbidden, Unauthorized, Unavailable
from tocsin.storage import get_or_404

TOKEN_PREFIX = "tcn_"
# A revoked token keeps working on other replicas for at most this long.
CACHE_SECONDS = 10.0
LAST_USED_RESOLUTION = timedelta(minutes=1)


PersonName = Callable[[Session, int], str | None]
"""The name of the on-call person with an id (wired in by ``tocsin.assembly``)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling, as recorded on the timeline: a user (by a web session or one of
    their tokens), or a token that belongs to nobody (made before users existed)."""

    name: str
    role: AccessRole
    token_id: int | None = None
    user_id: int | None = None
    email: str | None = None
    person_id: int | None = None
    person_name: str | None = None
    session_id: int | None = None
    time_zone: str | None = None
    """The zone the user chose for the console (None: their browser's)."""

    @property
    def form_zone(self) -> str:
        """The zone a date and time typed in a console form is read in: the user's, else
        UTC (the server does not know the browser's)."""
        return self.time_zone or "UTC"

    @property
    def actor(self) -> str:
        """The person's name where the user is linked to one; else the token or address."""
        if self.person_name:
            return self.person_name
        if self.token_id is not None:
            return f"token:{self.name}"
        return self.email or self.name


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenCache:
    """Recently checked tokens and their principals, each for :data:`CACHE_SECONDS`.

    One per application (``tocsin.assembly``): every request checks its token, and most
    checks need no database read. Revoking through the same application forgets at once.
    """

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Principal | None:
        with self._lock:
            hit = self._entries.get(key)
        return hit[0] if hit and hit[1] > time.monotonic() else None

    def put(self, key: str, principal: Principal) -> None:
        with self._lock:
            self._entries[key] = (principal, time.monotonic() + self.seconds)

    def forget_user(self, user_id: int) -> None:
        """Forget every token of a user (their role changed, or they were disabled)."""
        with self._lock:
            for key in [k for k, (p, _) in self._entries.items() if p.user_id == user_id]:
                del self._entries[key]

    def forget(self, token_id: int) -> None:
        with self._lock:
            for key in [k for k, (p, _) in self._entries.items() if p.token_id == token_id]:
                del self._entries[key]


def create_token(
    db: Database, *, name: str, role: AccessRole, created_by: str, user_id: int | None = None
) -> TokenCreated:
    """A new token; one owned by a user may not carry more than the user's role."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        role=role.value,
        digest=digest(token),
        prefix=token[: len(TOKEN_PREFIX) + 4],
        created_at=clock.now(),
        created_by=created_by,
        user_id=user_id,
    )
    with db.transaction() as session:
        if user_id is not None:
            owner = session.get(User, user_id)
            if owner is None:
                raise Unauthorized("the token's user no longer exists")
            if not AccessRole(owner.role).allows(role):
                raise Forbidden(
                    f"role: a token carries at most its user's role ({owner.role}), not {role}",
                    field="role",
                )
        session.add(row)
        session.flush()
        out = TokenOut.model_validate(row)
    return TokenCreated(**out.model_dump(), token=token)


def list_tokens(db: Database) -> list[TokenOut]:
    with db.reading() as session:
        rows = session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
        return [TokenOut.model_validate(row) for row in rows]


def count_active_tokens(db: Database) -> int:
    with db.reading() as session:
        query = select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))
        return int(session.scalar(query) or 0)


def revoke_token(db: Database, *, token_id: int, cache: TokenCache | None = None) -> TokenOut:
    with db.transaction() as session:
        row = get_or_404(session, ApiToken, token_id, "token")
        if row.revoked_at is None:
            row.revoked_at = clock.now()
        out = TokenOut.model_validate(row)
    if cache is not None:
        cache.forget(token_id)
    return out


def authenticate(
    db: Database,
    token: str | None,
    *,
    cache: TokenCache | None = None,
    person_name: PersonName | None = None,
) -> Principal:
    """The principal behind a token, or ``Unauthorized``."""
    if not token:
        raise Unauthorized("an API token is required: send 'Authorization: Bearer <token>'")
    key = digest(token)
    if cache is not None and (known := cache.get(key)) is not None:
        return known
    principal = _load_principal(db, key, person_name)
    if cache is not None:
        cache.put(key, principal)
    return principal


def user_principal(
    session: Session, user: User, person_name: PersonName | None, *, session_id: int | None = None
) -> Principal:
    """A user's principal: their person's name on the timeline, else their address."""
    name = None
    if user.person_id is not None and person_name is not None:
        name = person_name(session, user.person_id)
    return Principal(
        name=name or user.email,
        role=AccessRole(user.role),
        user_id=user.id,
        email=user.email,
        person_id=user.person_id,
        person_name=name,
        session_id=session_id,
        time_zone=user.time_zone,
    )


def _load_principal(db: Database, key: str, person_name: PersonName | None) -> Principal:
    now = clock.now()
    with db.reading() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.digest == key))
        if row is None or row.revoked_at is not None:
            raise Unauthorized("the API token is unknown or revoked")
        owner = session.get(User, row.user_id) if row.user_id is not None else None
        if row.user_id is not None and (owner is None or owner.disabled_at is not None):
            raise Unauthorized("the API token's user is disabled")
        principal = Principal(name=row.name, role=AccessRole(row.role), token_id=row.id)
        if owner is not None:
            of_user = user_principal(session, owner, person_name)
            principal = replace(
                of_user, name=row.name, role=principal.role.capped(of_user.role), token_id=row.id
            )
        stale = row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION
    if stale:
        try:
            with db.transaction() as session:
                session.execute(
                    update(ApiToken)
                    .where(ApiToken.id == principal.token_id)
                    .values(last_used_at=now)
                )
        except Unavailable:
            pass  # a read-only database still serves reads; the use is recorded next time
    return principal
