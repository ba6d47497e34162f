"""Reading incidents: one incident, filtered lists, the timeline and the posted updates.

Also the read helpers the commands share inside their transaction: :func:`load` (a row or
404, optionally locked) and :func:`to_out` (rows as the API shows them, with their services
and roles loaded in one query per kind).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.comms import overdue_since
from tocsin.core.lifecycle import ACTIVE, TRANSITIONS, Status
from tocsin.core.severity import Severity
from tocsin.core.visibility import NOBODY, Reader
from tocsin.db import Database
from tocsin.incidents.schemas import EventOut, IncidentOut, PersonBrief, RoleOut, UpdateOut
from tocsin.incidents.tables import (
    Incident,
    IncidentEvent,
    IncidentRole,
    IncidentService,
    IncidentUpdate,
)
from tocsin.incidents.visibility import refuse_hidden_in, visible_to
from tocsin.oncall import service as oncall_service
from tocsin.storage import Page, column_values, get_or_404, keyset_page


def reference(incident_id: int) -> str:
    return f"INC-{incident_id}"


@dataclass(frozen=True)
class IncidentFilter:
    statuses: Sequence[Status] = ()
    severities: Sequence[Severity] = ()
    service: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def get_incident(db: Database, *, incident_id: int, reader: Reader) -> IncidentOut:
    with db.reading() as session:
        refuse_hidden_in(session, reader, incident_id)
        return to_out(session, [load(session, incident_id)])[0]


def list_incidents(
    db: Database,
    *,
    where: IncidentFilter,
    limit: int,
    reader: Reader,
    cursor: str | None = None,
) -> Page[IncidentOut]:
    """Newest first, paginated by id so pages stay stable while incidents are declared."""
    query = select(Incident).where(visible_to(reader))
    if where.statuses:
        query = query.where(Incident.status.in_([s.value for s in where.statuses]))
    if where.severities:
        query = query.where(Incident.severity.in_([s.value for s in where.severities]))
    if where.service:
        affected = select(IncidentService.incident_id).where(
            IncidentService.service == where.service
        )
        query = query.where(Incident.id.in_(affected))
    if where.since:
        query = query.where(Incident.created_at >= where.since)
    if where.until:
        query = query.where(Incident.created_at < where.until)
    with db.reading() as session:
        return keyset_page(
            session,
            query,
            Incident.id,
            limit=limit,
            cursor=cursor,
            descending=True,
            out=lambda rows: to_out(session, rows),
        )


def timeline(
    db: Database, *, incident_id: int, limit: int, reader: Reader, cursor: str | None = None
) -> Page[EventOut]:
    """Oldest first: the story of the incident in order."""
    query = select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
    with db.reading() as session:
        page = keyset_page(
            session,
            query,
            IncidentEvent.id,
            limit=limit,
            cursor=cursor,
            descending=False,
            out=lambda rows: [EventOut.model_validate(row) for row in rows],
        )
        load(session, incident_id)  # after the page, so a bad cursor is named before a 404
        refuse_hidden_in(session, reader, incident_id)
    return page


def events_in(
    session: Session, *, incident_id: int, kinds: Sequence[str] | None = None
) -> list[EventOut]:
    """The timeline events of the incident (of ``kinds``, else every one), oldest first, read
    in the caller's transaction."""
    query = select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
    if kinds is not None:
        query = query.where(IncidentEvent.kind.in_(list(kinds)))
    rows = session.scalars(query.order_by(IncidentEvent.id))
    return [EventOut.model_validate(row) for row in rows]


def affecting(services: Sequence[str]) -> Select[Any]:
    """The ids of the incidents that affect any of ``services``, as a subquery to filter by."""
    return select(IncidentService.incident_id).where(IncidentService.service.in_(list(services)))


def list_updates(db: Database, *, incident_id: int, reader: Reader) -> list[UpdateOut]:
    with db.reading() as session:
        refuse_hidden_in(session, reader, incident_id)
        rows = session.scalars(
            select(IncidentUpdate)
            .where(IncidentUpdate.incident_id == incident_id)
            .order_by(IncidentUpdate.id.desc())
        )
        return [UpdateOut.model_validate(row) for row in rows]


def snapshot(session: Session, *, incident_id: int) -> IncidentOut:
    """The incident as the API shows it, read inside the caller's transaction."""
    return to_out(session, [load(session, incident_id)])[0]


def load(session: Session, incident_id: int, *, for_update: bool = False) -> Incident:
    """The incident row, else 404; ``for_update`` locks it until the transaction ends."""
    return get_or_404(session, Incident, incident_id, "incident", for_update=for_update)


@dataclass(frozen=True)
class IncidentBrief:
    """What likeness needs of an incident, read in two small queries (not the API's view)."""

    id: int
    title: str
    created_at: datetime
    services: list[str]


def brief_in(session: Session, *, incident_id: int) -> IncidentBrief:
    row = load(session, incident_id)
    services = services_of(session, [incident_id])[incident_id]
    return IncidentBrief(row.id, row.title, row.created_at, services)


def services_of(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    rows = session.execute(
        select(IncidentService.incident_id, IncidentService.service)
        .where(IncidentService.incident_id.in_(ids))
        .order_by(IncidentService.service)
    )
    for incident_id, service in rows:
        found[incident_id].append(service)
    return found


def open_severities_by_service(session: Session) -> dict[str, list[Severity]]:
    """The severities of the open incidents on each service (one query; for the status page)."""
    found: dict[str, list[Severity]] = {}
    rows = session.execute(
        select(IncidentService.service, Incident.severity)
        .join(Incident, Incident.id == IncidentService.incident_id)
        .where(Incident.status.in_([status.value for status in ACTIVE]))
        .where(visible_to(NOBODY))  # nothing public follows from a private incident
    )
    for service, severity in rows:
        found.setdefault(service, []).append(Severity(severity))
    return found


def roles_of(session: Session, ids: list[int]) -> dict[int, list[RoleOut]]:
    found: dict[int, list[RoleOut]] = {i: [] for i in ids}
    rows = list(
        session.scalars(
            select(IncidentRole).where(IncidentRole.incident_id.in_(ids)).order_by(IncidentRole.id)
        )
    )
    people = people_briefs(session, [row.person_id for row in rows if row.person_id])
    for row in rows:
        out = RoleOut(
            role=row.role,
            holder=row.holder,
            person=people.get(row.person_id) if row.person_id else None,
            assigned_at=row.assigned_at,
            assigned_by=row.assigned_by,
        )
        found[row.incident_id].append(out)
    return found


def people_briefs(session: Session, ids: Sequence[int]) -> dict[int, PersonBrief]:
    """The directory people of ``ids`` (their names as they are now), by id."""
    found = oncall_service.people_in(session, ids)
    return {i: PersonBrief(id=p.id, name=p.name) for i, p in found.items()}


def to_out(session: Session, rows: Sequence[Incident]) -> list[IncidentOut]:
    """The rows as the API shows them: their columns plus services, roles and what follows."""
    if not rows:
        return []
    session.flush()
    ids = [row.id for row in rows]
    services = services_of(session, ids)
    roles = roles_of(session, ids)
    now = clock.now()
    return [
        IncidentOut.model_validate(
            {
                **column_values(row),
                "reference": reference(row.id),
                "services": services[row.id],
                "roles": roles[row.id],
                "allowed_transitions": TRANSITIONS[Status(row.status)],
                "update_overdue": overdue_since(row.next_update_due_at, now) is not None,
                "update_overdue_since": overdue_since(row.next_update_due_at, now),
                "public_ack_overdue_since": _public_ack_overdue(row, now),
            }
        )
        for row in rows
    ]


def _public_ack_overdue(row: Incident, now: datetime) -> datetime | None:
    if row.first_public_at is not None or row.private or Status(row.status) not in ACTIVE:
        return None
    return overdue_since(row.public_ack_due_at, now)
