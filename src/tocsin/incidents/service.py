"""Incident use cases.

Every change goes through ``_change``: it locks the incident row, applies the pure rule from
``tocsin.core.lifecycle``, and writes the new state and exactly one timeline event in the same
transaction. Later features (paging timers, outbox messages) hook in at the same place, so a
change and its consequences commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core import lifecycle
from tocsin.core.lifecycle import (
    TRANSITIONS,
    DetectionSource,
    EventDraft,
    IncidentState,
    LearningState,
    Status,
)
from tocsin.core.roles import Role
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.incidents import hooks
from tocsin.incidents.schemas import (
    EventOut,
    IncidentCreate,
    IncidentOut,
    IncidentPatch,
    RoleOut,
    UpdateCreate,
    UpdateOut,
)
from tocsin.incidents.tables import (
    Incident,
    IncidentEvent,
    IncidentRole,
    IncidentService,
    IncidentUpdate,
)
from tocsin.storage import Page, keyset_page

Policies = Mapping[Severity, SeverityPolicy]
STATE_FIELDS = [f.name for f in fields(IncidentState)]


def reference(incident_id: int) -> str:
    return f"INC-{incident_id}"


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class IncidentFilter:
    statuses: Sequence[Status] = ()
    severities: Sequence[Severity] = ()
    service: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def get_incident(db: Database, *, incident_id: int) -> IncidentOut:
    with db.reading() as session:
        return _to_out(session, [_load(session, incident_id)])[0]


def list_incidents(
    db: Database, *, where: IncidentFilter, limit: int, cursor: str | None = None
) -> Page[IncidentOut]:
    """Newest first, paginated by id so pages stay stable while incidents are declared."""
    query = select(Incident)
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
            out=lambda rows: _to_out(session, rows),
        )


def timeline(
    db: Database, *, incident_id: int, limit: int, cursor: str | None = None
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
        _load(session, incident_id)  # after the page, so a bad cursor is named before a 404
    return page


def list_updates(db: Database, *, incident_id: int) -> list[UpdateOut]:
    with db.reading() as session:
        _load(session, incident_id)
        rows = session.scalars(
            select(IncidentUpdate)
            .where(IncidentUpdate.incident_id == incident_id)
            .order_by(IncidentUpdate.id.desc())
        )
        return [UpdateOut.model_validate(row) for row in rows]


# ---------------------------------------------------------------- changing


def declare(
    db: Database, *, actor: str, incident: IncidentCreate, policies: Policies
) -> IncidentOut:
    with db.transaction() as session:
        row = declare_in(session, actor=actor, incident=incident, policies=policies)
        return _to_out(session, [row])[0]


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
        return _to_out(session, [row])[0]


def change_status_in(
    session: Session, *, incident_id: int, actor: str, status: Status, message: str | None = None
) -> Incident:
    """Move an incident inside the caller's transaction (alerts resolve incidents this way)."""

    def rule(state: IncidentState, now: datetime) -> lifecycle.Outcome:
        new, event = lifecycle.move(state, status, now=now)
        return new, EventDraft(event.kind, {**event.data, "message": message or None})

    return _change_in(session, incident_id, actor, rule)


def record_event(
    session: Session, *, incident_id: int, actor: str, kind: str, data: dict[str, Any]
) -> None:
    """Add an event from another feature (an alert repeated, a page delivered) to the timeline.

    It changes no incident state, so listeners are not told about it.
    """
    _load(session, incident_id)
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


def snapshot(session: Session, *, incident_id: int) -> IncidentOut:
    """The incident as the API shows it, read inside the caller's transaction."""
    return _to_out(session, [_load(session, incident_id)])[0]


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
        row = _load(session, incident_id, for_update=True)
        now = clock.now()
        before: dict[str, Any] = {}
        if "services" in changes:
            changes["services"] = _unique(changes["services"])
            before["services"] = _services_of(session, [row.id])[row.id]
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
        return _to_out(session, [row])[0]


def assign_role(
    db: Database, *, incident_id: int, actor: str, role: Role, holder: str, reason: str | None
) -> IncidentOut:
    with db.transaction() as session:
        row = _load(session, incident_id, for_update=True)
        _refuse_if_closed(row, "assigning roles")
        _assign(session, row, role, holder, actor, clock.now(), reason)
        return _to_out(session, [row])[0]


def unassign_role(
    db: Database, *, incident_id: int, actor: str, role: Role, holder: str | None
) -> IncidentOut:
    with db.transaction() as session:
        row = _load(session, incident_id, for_update=True)
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
        return _to_out(session, [row])[0]


# ---------------------------------------------------------------- internals


def _change(
    db: Database,
    incident_id: int,
    actor: str,
    rule: Callable[[IncidentState, datetime], lifecycle.Outcome],
    after: Callable[[Session, Incident, datetime], None] | None = None,
) -> IncidentOut:
    with db.transaction() as session:
        row = _change_in(session, incident_id, actor, rule, after)
        return _to_out(session, [row])[0]


def _change_in(
    session: Session,
    incident_id: int,
    actor: str,
    rule: Callable[[IncidentState, datetime], lifecycle.Outcome],
    after: Callable[[Session, Incident, datetime], None] | None = None,
) -> Incident:
    row = _load(session, incident_id, for_update=True)
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


def _load(session: Session, incident_id: int, *, for_update: bool = False) -> Incident:
    query = select(Incident).where(Incident.id == incident_id)
    if for_update:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"no incident with id {incident_id}", field="incident_id")
    return row


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
        services = _services_of(session, [row.id])[row.id]
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


def _services_of(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    rows = session.execute(
        select(IncidentService.incident_id, IncidentService.service)
        .where(IncidentService.incident_id.in_(ids))
        .order_by(IncidentService.service)
    )
    for incident_id, service in rows:
        found[incident_id].append(service)
    return found


def _roles_of(session: Session, ids: list[int]) -> dict[int, list[RoleOut]]:
    found: dict[int, list[RoleOut]] = {i: [] for i in ids}
    rows = session.scalars(
        select(IncidentRole).where(IncidentRole.incident_id.in_(ids)).order_by(IncidentRole.id)
    )
    for row in rows:
        found[row.incident_id].append(RoleOut.model_validate(row))
    return found


def _to_out(session: Session, rows: Sequence[Incident]) -> list[IncidentOut]:
    if not rows:
        return []
    session.flush()
    ids = [row.id for row in rows]
    services = _services_of(session, ids)
    roles = _roles_of(session, ids)
    now = clock.now()
    return [
        IncidentOut(
            id=row.id,
            reference=reference(row.id),
            title=row.title,
            summary=row.summary,
            status=Status(row.status),
            severity=Severity(row.severity),
            detection_source=DetectionSource(row.detection_source),
            learning=LearningState(row.learning),
            services=services[row.id],
            roles=roles[row.id],
            allowed_transitions=list(TRANSITIONS[Status(row.status)]),
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            impact_started_at=row.impact_started_at,
            detected_at=row.detected_at,
            acknowledged_at=row.acknowledged_at,
            mitigated_at=row.mitigated_at,
            resolved_at=row.resolved_at,
            closed_at=row.closed_at,
            last_update_at=row.last_update_at,
            next_update_due_at=row.next_update_due_at,
            update_overdue=row.next_update_due_at is not None and row.next_update_due_at < now,
            version=row.version,
        )
        for row in rows
    ]


def _unique(names: Sequence[str]) -> list[str]:
    return sorted(set(names))
