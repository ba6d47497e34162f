"""Private incidents, the query side: the one filter every incident-reading query applies.

:func:`visible_to` is the SQL twin of :func:`tocsin.core.visibility.can_see`: a public
incident, or any incident for an admin, or a private one the reader is a member of (as a
user or as their linked directory person). A query that reads incidents (or rows that name
one) for someone adds ``.where(visible_to(reader))``, or ``visible_ids(reader)`` for rows
keyed by an incident id; a detail read goes through :func:`load_visible`, which answers a
hidden incident exactly as a missing one (404), never 403.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from tocsin.access.service import Principal
from tocsin.core.roles import AccessRole
from tocsin.core.visibility import Members, Reader, can_see
from tocsin.errors import NotFound
from tocsin.incidents.tables import Incident, IncidentMember


def reader_of(principal: Principal) -> Reader:
    """The facts of ``principal`` the rule reads: admin or not, its user and person."""
    return Reader(
        admin=principal.role.allows(AccessRole.ADMIN),
        user_id=principal.user_id,
        person_id=principal.person_id,
    )


def _member_of(reader: Reader) -> ColumnElement[bool]:
    """Membership rows of ``reader`` (by user or by linked person)."""
    clauses: list[ColumnElement[bool]] = []
    if reader.user_id is not None:
        clauses.append(IncidentMember.user_id == reader.user_id)
    if reader.person_id is not None:
        clauses.append(IncidentMember.person_id == reader.person_id)
    return or_(*clauses) if clauses else false()


def visible_to(reader: Reader) -> ColumnElement[bool]:
    """A condition on :class:`Incident` rows: those ``reader`` may see."""
    if reader.admin:
        return true()
    mine = select(IncidentMember.incident_id).where(_member_of(reader))
    return or_(Incident.private.is_(False), Incident.id.in_(mine))


def visible_ids(reader: Reader) -> Select[Any]:
    """The ids of the incidents ``reader`` may see, to filter rows that name an incident."""
    return select(Incident.id).where(visible_to(reader))


def hidden_ids(reader: Reader) -> Select[Any]:
    """The ids of the private incidents ``reader`` may not see (cheap: private ones only)."""
    if reader.admin:
        return select(Incident.id).where(false())
    mine = select(IncidentMember.incident_id).where(_member_of(reader))
    return select(Incident.id).where(Incident.private.is_(True), Incident.id.not_in(mine))


def hidden_among_in(session: Session, reader: Reader, ids: list[int]) -> set[int]:
    """Which of ``ids`` are private incidents hidden from ``reader``."""
    if reader.admin or not ids:
        return set()
    return set(session.scalars(hidden_ids(reader).where(Incident.id.in_(ids))))


def members_in(session: Session, incident_id: int) -> Members:
    rows = session.execute(
        select(IncidentMember.user_id, IncidentMember.person_id).where(
            IncidentMember.incident_id == incident_id
        )
    ).all()
    return Members(
        user_ids={u for u, _ in rows if u is not None},
        person_ids={p for _, p in rows if p is not None},
    )


def may_see_in(session: Session, reader: Reader, incident_id: int) -> bool:
    """The core rule for one incident; a missing incident is not seen."""
    private = session.scalar(select(Incident.private).where(Incident.id == incident_id))
    if private is None:
        return False
    return can_see(reader, private=private, members=members_in(session, incident_id))


def refuse_hidden_in(session: Session, reader: Reader, incident_id: int) -> None:
    """404 (as for a missing incident) unless ``reader`` may see it."""
    if not may_see_in(session, reader, incident_id):
        raise NotFound(f"no incident with id {incident_id}", field="incident_id")
