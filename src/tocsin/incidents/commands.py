"""Changing incidents: declare, move, re-grade, post updates and notes, assign roles.

Every lifecycle move goes through ``_change_in``: it locks the incident row, applies the pure
rule from ``tocsin.core.lifecycle`` and writes the new state and one timeline event. Every
change, moves and edits alike, writes its event through ``_append``, which also tells the
listeners of :mod:`tocsin.incidents.hooks` (paging timers, outbox messages) in the same
transaction, so a change and its consequences commit together or not at all. The ``*_in``
variants run inside a caller's transaction (alerts open and resolve incidents that way).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core import lifecycle
from tocsin.core.lifecycle import EventDraft, IncidentState, LearningState, Status
from tocsin.core.roles import Role
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.incidents import hooks
from tocsin.incidents.queries import load, services_of, to_out
from tocsin.incidents.schemas import IncidentCreate, IncidentOut, IncidentPatch, UpdateCreate
from tocsin.incidents.tables import (
    Incident,
    IncidentEvent,
    IncidentRole,
    IncidentService,
    IncidentUpdate,
)

Policies = Mapping[Severity, SeverityPolicy]
STATE_FIELDS = [f.name for f in fields(IncidentState)]


def declare(
    db: Database, *, actor: str, incident: IncidentCreate, policies: Policies
) -> IncidentOut:
    with db.transaction() as session:
        row = declare_in(session, actor=actor, incident=incident, policies=policies)
        return to_out(session, [row])[0]


def declare_in(
    session: Session, *, actor: str, incident: IncidentCreate, policies: Policies
) -> Incident:
    """Declare inside the caller's transaction (alerts open incidents this way)."""
    now = clock.now()
    state, event = lifecycle.open_incident(
        policy=policies[incident.severity],
        now=now,
        impact_started_at=incident.impact_started_at,
        detected_at=incident.detected_at,
        status=incident.status,
    )
    row = Incident(
        title=incident.title,
        summary=incident.summary,
        detection_source=incident.detection_source.value,
        created_by=actor,
        created_at=now,
        updated_at=now,
        version=1,
        **_state_columns(state),
    )
    session.add(row)
    session.flush()
    services = _unique(incident.services)
    session.add_all(IncidentService(incident_id=row.id, service=s) for s in services)
    data = {**event.data, "title": incident.title, "services": services}
    data["detection_source"] = incident.detection_source.value
    _append(session, row, actor, now, EventDraft(event.kind, data), services=services)
    if incident.commander:
        _assign(session, row, Role.INCIDENT_COMMANDER, incident.commander, actor, now, None)
    return row


def change_status(
    db: Database, *, incident_id: int, actor: str, status: Status, message: str | None = None
) -> IncidentOut:
    with db.transaction() as session:
        row = change_status_in(
            session, incident_id=incident_id, actor=actor, status=status, message=message
        )
        return to_out(session, [row])[0]


def change_status_in(
    session: Session, *, incident_id: int, actor: str, status: Status, message: str | None = None
) -> Incident:
    """Move an incident inside the caller's transaction (alerts resolve incidents this way)."""

    def rule(state: IncidentState, now: datetime) -> lifecycle.Outcome:
        new, event = lifecycle.move(state, status, now=now)
        return new, EventDraft(event.kind, {**event.data, "message": message or None})

    return _change_in(session, incident_id, actor, rule)


def change_severity(
    db: Database,
    *,
    incident_id: int,
    actor: str,
    severity: Severity,
    reason: str,
    policies: Policies,
) -> IncidentOut:
    return _change(
        db,
        incident_id,
        actor,
        lambda state, now: lifecycle.change_severity(
            state, policies[severity], reason=reason, now=now
        ),
    )


def settle_learning(
    db: Database, *, incident_id: int, actor: str, outcome: LearningState, reason: str | None
) -> IncidentOut:
    return _change(
        db,
        incident_id,
        actor,
        lambda state, _now: lifecycle.settle_learning(state, outcome, reason=reason),
    )


def post_update(
    db: Database, *, incident_id: int, actor: str, update: UpdateCreate, policies: Policies
) -> IncidentOut:
    content = {"status": update.status, "impact": update.impact, "actions": update.actions}
    minutes = update.next_update_in_minutes

    def rule(state: IncidentState, now: datetime) -> lifecycle.Outcome:
        return lifecycle.post_update(
            state,
            policies[state.severity],
            now=now,
            next_update_in=timedelta(minutes=minutes) if minutes else None,
            content=content,
        )

    def record(session: Session, row: Incident, now: datetime) -> None:
        session.add(
            IncidentUpdate(
                incident_id=row.id,
                posted_at=row.last_update_at or now,
                author=actor,
                next_update_due_at=row.next_update_due_at,
                **content,
            )
        )

    return _change(db, incident_id, actor, rule, after=record)


def add_note(db: Database, *, incident_id: int, actor: str, body: str) -> IncidentOut:
    def rule(state: IncidentState, _now: datetime) -> lifecycle.Outcome:
        return state, EventDraft("note_added", {"body": body})

    return _change(db, incident_id, actor, rule)


def edit_details(
    db: Database, *, incident_id: int, actor: str, patch: IncidentPatch
) -> IncidentOut:
    changes = patch.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        raise InvalidInput("nothing to change: give title, summary or services", field="body")
    with db.transaction() as session:
        row = load(session, incident_id, for_update=True)
        now = clock.now()
        before: dict[str, Any] = {}
        if "services" in changes:
            changes["services"] = _unique(changes["services"])
            before["services"] = services_of(session, [row.id])[row.id]
            session.execute(delete(IncidentService).where(IncidentService.incident_id == row.id))
            session.add_all(
                IncidentService(incident_id=row.id, service=s) for s in changes["services"]
            )
        for name in ("title", "summary"):
            if name in changes:
                before[name] = getattr(row, name)
                setattr(row, name, changes[name])
        _touch(row, now)
        _append(
            session,
            row,
            actor,
            now,
            EventDraft("details_changed", {"from": before, "to": changes}),
        )
        return to_out(session, [row])[0]


def assign_role(
    db: Database, *, incident_id: int, actor: str, role: Role, holder: str, reason: str | None
) -> IncidentOut:
    with db.transaction() as session:
        row = load(session, incident_id, for_update=True)
        _refuse_if_closed(row, "assigning roles")
        _assign(session, row, role, holder, actor, clock.now(), reason)
        return to_out(session, [row])[0]


def unassign_role(
    db: Database, *, incident_id: int, actor: str, role: Role, holder: str | None
) -> IncidentOut:
    with db.transaction() as session:
        row = load(session, incident_id, for_update=True)
        _refuse_if_closed(row, "changing roles")
        query = select(IncidentRole).where(
            IncidentRole.incident_id == row.id, IncidentRole.role == role.value
        )
        if holder:
            query = query.where(IncidentRole.holder == holder)
        held = list(session.scalars(query))
        if not held:
            who = f" by {holder}" if holder else ""
            raise NotFound(f"the {role.label} role is not held{who}", field="role")
        now = clock.now()
        for assignment in held:
            session.delete(assignment)
        _touch(row, now)
        data = {"role": role.value, "holders": [a.holder for a in held]}
        _append(session, row, actor, now, EventDraft("role_unassigned", data))
        session.flush()
        return to_out(session, [row])[0]


def record_event(
    session: Session, *, incident_id: int, actor: str, kind: str, data: dict[str, Any]
) -> None:
    """Add an event from another feature (an alert repeated, a page delivered) to the timeline.

    It changes no incident state, so listeners are not told about it.
    """
    load(session, incident_id)
    session.add(
        IncidentEvent(incident_id=incident_id, at=clock.now(), actor=actor, kind=kind, data=data)
    )


def lock_if_open_in(session: Session, *, incident_id: int) -> bool:
    """Lock the incident until the caller commits; True if it is still open.

    Whoever attaches something to an incident (an alert joining its group) takes this lock,
    so a concurrent resolution either sees the attachment or is seen by it.
    """
    status = session.scalar(
        select(Incident.status).where(Incident.id == incident_id).with_for_update()
    )
    return status is not None and Status(status) in lifecycle.ACTIVE


def _change(
    db: Database,
    incident_id: int,
    actor: str,
    rule: Callable[[IncidentState, datetime], lifecycle.Outcome],
    after: Callable[[Session, Incident, datetime], None] | None = None,
) -> IncidentOut:
    with db.transaction() as session:
        row = _change_in(session, incident_id, actor, rule, after)
        return to_out(session, [row])[0]


def _change_in(
    session: Session,
    incident_id: int,
    actor: str,
    rule: Callable[[IncidentState, datetime], lifecycle.Outcome],
    after: Callable[[Session, Incident, datetime], None] | None = None,
) -> Incident:
    row = load(session, incident_id, for_update=True)
    now = clock.now()
    state, event = rule(_state_of(row), now)
    for name, value in _state_columns(state).items():
        setattr(row, name, value)
    _touch(row, now)
    if after is not None:
        after(session, row, now)
    _append(session, row, actor, now, event)
    return row


def _assign(
    session: Session,
    row: Incident,
    role: Role,
    holder: str,
    actor: str,
    now: datetime,
    reason: str | None,
) -> None:
    current = list(
        session.scalars(
            select(IncidentRole).where(
                IncidentRole.incident_id == row.id, IncidentRole.role == role.value
            )
        )
    )
    if any(a.holder == holder for a in current):
        raise Conflict(f"{holder} already holds the {role.label} role", field="holder")
    previous = [a.holder for a in current] if role.single_holder else []
    if role.single_holder:
        for assignment in current:
            session.delete(assignment)
        session.flush()
    session.add(
        IncidentRole(
            incident_id=row.id, role=role.value, holder=holder, assigned_at=now, assigned_by=actor
        )
    )
    _touch(row, now)
    data = {"role": role.value, "holder": holder, "previous": previous[0] if previous else None}
    if reason:
        data["reason"] = reason
    _append(session, row, actor, now, EventDraft("role_assigned", data))
    session.flush()


def _refuse_if_closed(row: Incident, what: str) -> None:
    if row.status == Status.CLOSED:
        raise lifecycle.IncidentClosed(what)


def _touch(row: Incident, now: datetime) -> None:
    row.updated_at = max(now, row.updated_at)
    row.version += 1


def _append(
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
    )
    hooks.publish(session, change)


def _state_of(row: Incident) -> IncidentState:
    values = {name: getattr(row, name) for name in STATE_FIELDS}
    values["status"] = Status(row.status)
    values["severity"] = Severity(row.severity)
    values["learning"] = LearningState(row.learning)
    return IncidentState(**values)


def _state_columns(state: IncidentState) -> dict[str, Any]:
    values = {name: getattr(state, name) for name in STATE_FIELDS}
    for name in ("status", "severity", "learning"):
        values[name] = values[name].value
    return values


def _unique(names: Sequence[str]) -> list[str]:
    return sorted(set(names))
