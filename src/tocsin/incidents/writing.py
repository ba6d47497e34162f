"""The write path every incident change shares: state in and out of the row, the version
bump, and the one timeline event that tells the listeners.

Used by :mod:`~tocsin.incidents.commands` (lifecycle moves and edits), :mod:`~tocsin.incidents.
roles`, :mod:`~tocsin.incidents.reminders` and :mod:`~tocsin.incidents.stakeholders`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tocsin.core import lifecycle
from tocsin.core.lifecycle import EventDraft, IncidentState, LearningState, Status
from tocsin.core.severity import Severity
from tocsin.incidents import hooks
from tocsin.incidents.queries import services_of
from tocsin.incidents.tables import Incident, IncidentEvent

STATE_FIELDS = [f.name for f in fields(IncidentState)]


def refuse_if_closed(row: Incident, what: str) -> None:
    if row.status == Status.CLOSED:
        raise lifecycle.IncidentClosed(what)


def touch(row: Incident, now: datetime) -> None:
    row.updated_at = max(now, row.updated_at)
    row.version += 1


def append(
    session: Session,
    row: Incident,
    actor: str,
    at: datetime,
    event: EventDraft,
    *,
    services: Sequence[str] | None = None,
) -> None:
    """Write one timeline event and tell the listeners, in the change's transaction."""
    session.add(
        IncidentEvent(incident_id=row.id, at=at, actor=actor, kind=event.kind, data=event.data)
    )
    if services is None:
        services = services_of(session, [row.id])[row.id]
    change = hooks.IncidentChanged(
        incident_id=row.id,
        kind=event.kind,
        status=Status(row.status),
        severity=Severity(row.severity),
        services=tuple(services),
        actor=actor,
        at=at,
        version=row.version,
        data=event.data,
        private=bool(row.private),
    )
    hooks.publish(session, change)


def state_of(row: Incident) -> IncidentState:
    values = {name: getattr(row, name) for name in STATE_FIELDS}
    values["status"] = Status(row.status)
    values["severity"] = Severity(row.severity)
    values["learning"] = LearningState(row.learning)
    return IncidentState(**values)


def state_columns(state: IncidentState) -> dict[str, Any]:
    values = {name: getattr(state, name) for name in STATE_FIELDS}
    for name in ("status", "severity", "learning"):
        values[name] = values[name].value
    return values


def note_in(
    session: Session, *, incident_id: int, actor: str, kind: str, data: dict[str, Any], at: datetime
) -> None:
    """Add an event that changes no incident state (listeners are not told about it)."""
    session.add(IncidentEvent(incident_id=incident_id, at=at, actor=actor, kind=kind, data=data))
