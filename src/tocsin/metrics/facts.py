"""Keeping ``incident_facts`` and ``incident_service_facts`` (:mod:`tocsin.metrics.tables`)
exact.

Every flush that adds, changes or deletes an incident, an internal update or an affected
service rewrites the facts of those incidents, in SQL, in the same transaction: a report
never reads facts older than the incidents. Rows written around the ORM (bulk inserts: the
demo, a bench, the migration that creates the tables) call :func:`refresh` or
:func:`refresh_all` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Executable,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.sql.elements import ColumnElement

from tocsin.incidents.hooks import IncidentChanged
from tocsin.incidents.tables import Incident, IncidentService, IncidentUpdate
from tocsin.metrics import sql
from tocsin.metrics.tables import IncidentFacts, IncidentServiceFacts

COLUMNS = tuple(c.name for c in IncidentFacts.__table__.columns)
SERVICE_COLUMNS = (*COLUMNS, "service")
_CHUNK = 500  # ids per statement (SQLite's bound parameters)


def tally(condition: ColumnElement[bool], label: str) -> Any:
    return func.sum(case((condition, 1), else_=0)).label(label)


def update_tallies(ids: Any) -> Any:
    """Per incident of ``ids`` (a subquery or a list; None: every incident) with updates:
    when the first was posted, the promises already kept or broken (each update's
    ``next_update_due_at`` against the next update's time) and the last update's promise
    (``last_due``), still open to the clock."""
    order = (IncidentUpdate.posted_at, IncidentUpdate.id)
    numbered = select(
        IncidentUpdate.incident_id,
        IncidentUpdate.posted_at,
        IncidentUpdate.next_update_due_at.label("due"),
        func.lead(IncidentUpdate.posted_at)
        .over(partition_by=IncidentUpdate.incident_id, order_by=order)
        .label("done"),
    )
    if ids is not None:
        numbered = numbered.where(IncidentUpdate.incident_id.in_(ids))
    each = numbered.subquery("numbered")
    due, done = each.c.due, each.c.done
    decided = and_(due.is_not(None), done.is_not(None))
    return (
        select(
            each.c.incident_id,
            func.min(each.c.posted_at).label("first_posted"),
            tally(and_(decided, done <= due), "kept"),
            tally(and_(decided, done > due), "broken"),
            func.max(case((done.is_(None), due))).label("last_due"),
        )
        .group_by(each.c.incident_id)
        .subquery("update_tallies")
    )


def facts_of(ids: Any, *, sqlite: bool) -> Any:
    """The facts rows of the incidents ``ids`` (None: all), in :data:`COLUMNS` order."""

    def secs(start: Any, end: Any) -> ColumnElement[float]:
        return sql.seconds(start, end, sqlite=sqlite)

    tallies = update_tallies(ids)
    services = select(IncidentService.incident_id, func.count().label("n"))
    if ids is not None:
        services = services.where(IncidentService.incident_id.in_(ids))
    counted = services.group_by(IncidentService.incident_id).subquery("service_counts")
    known_impact = Incident.impact_started_at < Incident.detected_at
    query = select(
        Incident.id,
        Incident.detected_at,
        Incident.severity,
        Incident.created_at,
        Incident.resolved_at,
        Incident.public_ack_due_at,
        Incident.first_public_at,
        case((known_impact, secs(Incident.impact_started_at, Incident.detected_at))),
        secs(Incident.created_at, Incident.acknowledged_at),
        secs(Incident.detected_at, Incident.mitigated_at),
        secs(Incident.detected_at, Incident.resolved_at),
        tallies.c.incident_id.is_not(None),
        tallies.c.first_posted,
        func.coalesce(tallies.c.kept, 0),
        func.coalesce(tallies.c.broken, 0),
        tallies.c.last_due,
        func.coalesce(counted.c.n, 0),
    ).select_from(
        Incident.__table__.outerjoin(tallies, tallies.c.incident_id == Incident.id).outerjoin(
            counted, counted.c.incident_id == Incident.id
        )
    )
    return query if ids is None else query.where(Incident.id.in_(ids))


def service_facts_of(ids: Any) -> Any:
    """The incidents' facts (already written) once per affected service."""
    facts = IncidentFacts.__table__
    query = select(*(facts.c[c] for c in COLUMNS), IncidentService.service).join(
        IncidentService, IncidentService.incident_id == facts.c.incident_id
    )
    return query if ids is None else query.where(facts.c.incident_id.in_(ids))


def refresh(connection: Connection | Session, ids: Iterable[int], *, new: bool = False) -> None:
    """Rewrite the facts of the incidents ``ids`` (an incident gone loses its row); ``new``:
    the incidents were just made, so they have no rows to delete."""
    statements = _statements(_is_sqlite(connection))
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), _CHUNK):
        chunk = {"ids": wanted[start : start + _CHUNK]}
        for statement in statements[2 if new else 0 :]:
            connection.execute(statement, chunk)


@cache
def _statements(sqlite: bool) -> tuple[Executable, ...]:
    """Built and compiled once: this runs in every transaction that changes incidents, the
    alert writer's among them. The deletes come first; a refresh of new incidents skips them."""
    ids: Any = bindparam("ids", expanding=True)
    facts: Any = IncidentFacts.__table__
    per_service: Any = IncidentServiceFacts.__table__
    return (
        delete(per_service).where(per_service.c.incident_id.in_(ids)),
        delete(facts).where(facts.c.incident_id.in_(ids)),
        insert(facts).from_select(COLUMNS, facts_of(ids, sqlite=sqlite)),
        insert(per_service).from_select(SERVICE_COLUMNS, service_facts_of(ids)),
    )


def refresh_all(connection: Connection | Session) -> None:
    """Rewrite every incident's facts (the backfill)."""
    sqlite = _is_sqlite(connection)
    connection.execute(delete(IncidentServiceFacts))
    connection.execute(delete(IncidentFacts))
    connection.execute(insert(IncidentFacts).from_select(COLUMNS, facts_of(None, sqlite=sqlite)))
    each = service_facts_of(None)
    connection.execute(insert(IncidentServiceFacts).from_select(SERVICE_COLUMNS, each))


def _is_sqlite(connection: Connection | Session) -> bool:
    bind = connection if isinstance(connection, Connection) else connection.get_bind()
    return bind.dialect.name == "sqlite"


def on_incident_changed(session: Session, change: IncidentChanged) -> None:
    """One incident's change goes through the ORM: ``_after_flush`` keeps its facts."""


def on_incidents_opened(session: Session, changes: Sequence[IncidentChanged]) -> None:
    """Incidents opened together (an alert batch) are written by statements, which the
    ORM's flush never sees: their facts are written here, in the same transaction."""
    refresh(session, [change.incident_id for change in changes], new=True)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    ids: set[int] = set()
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, Incident) and row.id is not None:
            ids.add(row.id)
        elif isinstance(row, IncidentUpdate | IncidentService) and row.incident_id is not None:
            ids.add(row.incident_id)
    if ids:
        refresh(session.connection(), ids)
