"""Changing incidents: declare, move, re-grade, post updates and notes, mark published.

Every lifecycle move goes through ``_change_in``: it locks the incident row, applies the pure
rule from ``tocsin.core.lifecycle``, writes the new state and one timeline event, and
reschedules the reminders of the deadlines it moved (:mod:`tocsin.incidents.reminders`).
Every change, moves and edits alike, writes its event through ``writing.append``, which also
tells the
listeners of :mod:`tocsin.incidents.hooks` (paging timers, outbox messages) in the same
transaction, so a change and its consequences commit together or not at all. The ``*_in``
variants run inside a caller's transaction (alerts open and resolve incidents that way).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core import lifecycle
from tocsin.core.comms import Reminder
from tocsin.core.lifecycle import EventDraft, IncidentState, LearningState, Status
from tocsin.core.roles import Role
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.core.visibility import Reader
from tocsin.db import Database
from tocsin.errors import InvalidInput
from tocsin.incidents import reminders, stakeholders
from tocsin.incidents.members import add_reader_in
from tocsin.incidents.queries import load, services_of, to_out
from tocsin.incidents.roles import assign_in
from tocsin.incidents.schemas import IncidentCreate, IncidentOut, IncidentPatch, UpdateCreate
from tocsin.incidents.tables import Incident, IncidentService, IncidentUpdate
from tocsin.incidents.writing import append, note_in, state_columns, state_of, touch

Policies = Mapping[Severity, SeverityPolicy]


def declare(
    db: Database,
    *,
    actor: str,
    incident: IncidentCreate,
    policies: Policies,
    declarer: Reader | None = None,
) -> IncidentOut:
    """Declare; ``declarer`` (the user who declares, and their person) becomes a member."""
    with db.transaction() as session:
        row = declare_in(session, actor=actor, incident=incident, policies=policies)
        if declarer is not None:
            add_reader_in(session, incident_id=row.id, reader=declarer, actor=actor)
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
        private=incident.private,
        updated_at=now,
        version=1,
        **state_columns(state),
    )
    session.add(row)
    session.flush()
    services = _unique(incident.services)
    session.add_all(IncidentService(incident_id=row.id, service=s) for s in services)
    data = {**event.data, "title": incident.title, "services": services}
    data["detection_source"] = incident.detection_source.value
    append(session, row, actor, now, EventDraft(event.kind, data), services=services)
    reminders.sync_in(session, row, reminders.NO_DEADLINES)
    if incident.commander:
        commander = Role.INCIDENT_COMMANDER
        assign_in(
            session,
            row,
            commander,
            holder=incident.commander,
            person_id=None,
            actor=actor,
            now=now,
            reason=None,
        )
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


def learning_done_in(session: Session, *, incident_id: int, actor: str, reason: str) -> bool:
    """The learning phase is done (a postmortem was published), in the caller's transaction.

    False, changing nothing, when it was done already or the incident is closed (closed on a
    waiver before the postmortem was finished: closed is final).
    """
    row = load(session, incident_id, for_update=True)
    if row.learning == LearningState.DONE or row.status == Status.CLOSED:
        return False

    def rule(state: IncidentState, _now: datetime) -> lifecycle.Outcome:
        return lifecycle.settle_learning(state, LearningState.DONE, reason=reason)

    _change_in(session, incident_id, actor, rule)
    return True


def post_update(
    db: Database,
    *,
    incident_id: int,
    actor: str,
    update: UpdateCreate,
    policies: Policies,
    base_url: str = "",
) -> IncidentOut:
    """Post an internal update; each stakeholder gets it by mail once (``base_url``: where
    the mail links the incident's page)."""
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
        posted = IncidentUpdate(
            incident_id=row.id,
            posted_at=row.last_update_at or now,
            author=actor,
            next_update_due_at=row.next_update_due_at,
            **content,
        )
        session.add(posted)
        session.flush()
        stakeholders.send_update_in(session, row, posted, base_url=base_url, now=now)

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
        touch(row, now)
        append(
            session,
            row,
            actor,
            now,
            EventDraft("details_changed", {"from": before, "to": changes}),
        )
        return to_out(session, [row])[0]


def record_event(
    session: Session, *, incident_id: int, actor: str, kind: str, data: dict[str, Any]
) -> None:
    """Add an event from another feature (an alert repeated, a page delivered) to the timeline.

    It changes no incident state, so listeners are not told about it.
    """
    load(session, incident_id)
    note_in(session, incident_id=incident_id, actor=actor, kind=kind, data=data, at=clock.now())


def mark_published_in(
    session: Session, *, incident_id: int, at: datetime, actor: str = "tocsin:statuspage"
) -> bool:
    """The incident is on the status page (the status page calls this when it publishes one):
    the first time, record ``first_public_at`` and stop the public acknowledgement's reminders.

    False when there is no such incident. Locks the incident row: call it before taking the
    status page's own lock, the order every incident change takes them in.
    """
    row = session.scalar(select(Incident).where(Incident.id == incident_id).with_for_update())
    if row is None:
        return False
    published = lifecycle.mark_published(state_of(row), at=at)
    if published is None:
        return True  # published before: the deadline was met then
    row.first_public_at = published.first_public_at
    touch(row, at)
    due = row.public_ack_due_at
    data = {"due_at": due.isoformat() if due else None, "met": due is None or at <= due}
    note_in(session, incident_id=row.id, actor=actor, kind="first_published", data=data, at=at)
    reminders.stop_in(session, Reminder.PUBLIC_ACK, row.id)
    return True


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
    before = reminders.deadlines(row)
    state, event = rule(state_of(row), now)
    for name, value in state_columns(state).items():
        setattr(row, name, value)
    touch(row, now)
    if after is not None:
        after(session, row, now)
    append(session, row, actor, now, event)
    reminders.sync_in(session, row, before)
    return row


def _unique(names: Sequence[str]) -> list[str]:
    return sorted(set(names))
