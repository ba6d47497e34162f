"""A maintenance's changes inside a transaction: its transitions, its timers, its events.

Every function here takes the session of a transaction that holds the status page's state
row (``service.lock_state_in``), so changes to one page are made one at a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import hooks
from tocsin.core.maintenance import (
    ACTIVE,
    Action,
    MaintenanceRuleViolation,
    MaintenanceStatus,
    NoticeKind,
    Window,
    notice_for,
    reminder_at,
    transition,
)
from tocsin.errors import Conflict, InvalidInput
from tocsin.statuspage.maintenance.hooks import MaintenanceNotice, MaintenanceWindowChanged
from tocsin.statuspage.maintenance.tables import Maintenance, MaintenanceUpdate
from tocsin.statuspage.service import changed_in, recompute_in
from tocsin.statuspage.snapshot import SnapshotStore
from tocsin.statuspage.tables import StatusComponent, StatusPageState
from tocsin.timers import service as timers_service

TIMER_KIND = "statuspage_maintenance"
AUTO_ACTOR = "statuspage:schedule"

DEFAULT_TEXTS = {
    Action.START: "The scheduled maintenance is in progress. We will post updates as it proceeds.",
    Action.VERIFY: "The maintenance work is done and we are verifying the results.",
    Action.COMPLETE: "The scheduled maintenance has been completed.",
    Action.CANCEL: "This scheduled maintenance has been cancelled.",
}


def window_of(row: Maintenance) -> Window:
    return Window(row.scheduled_for, row.scheduled_until)


def refused(violation: MaintenanceRuleViolation) -> InvalidInput | Conflict:
    """A lifecycle refusal as an answer: a wrong status is a 409, a wrong time a 422."""
    if violation.field == "status":
        return Conflict(violation.message, field="status")
    return InvalidInput(violation.message, field=violation.field)


def add_update(
    session: Session, row: Maintenance, body: str, *, actor: str, now: datetime
) -> MaintenanceUpdate:
    update = MaintenanceUpdate(
        maintenance_id=row.id, status=row.status, body=body, created_at=now, author=actor
    )
    session.add(update)
    row.updated_at = now
    return update


def apply(
    session: Session,
    state: StatusPageState,
    store: SnapshotStore,
    row: Maintenance,
    action: Action,
    *,
    body: str | None,
    actor: str,
    now: datetime,
) -> None:
    """Move ``row`` by ``action`` with a public update; components, timers and events follow."""
    old = MaintenanceStatus(row.status)
    try:
        new = transition(old, action, now=now, window=window_of(row))
    except MaintenanceRuleViolation as violation:
        raise refused(violation) from None
    row.status = new.value
    if new is MaintenanceStatus.IN_PROGRESS and row.started_at is None:
        row.started_at = now
    if new is MaintenanceStatus.VERIFYING and row.verifying_at is None:
        row.verifying_at = now
    if new is MaintenanceStatus.COMPLETED:
        row.completed_at = now
        if action is Action.CANCEL:
            row.cancelled_at = now
        timers_service.cancel_group_in(session, group=timer_group(row.id))
    text = body or DEFAULT_TEXTS[action]
    add_update(session, row, text, actor=actor, now=now)
    session.flush()
    kind = notice_for(old, new, action)
    if kind is not None:  # started and completed happen once: so does each notice
        notify(session, row, kind, body=text, now=now)
    if old in ACTIVE or new in ACTIVE:
        publish_window(session, row, now=now)
    recompute_in(session, state)
    changed_in(session, state, store)


# ------------------------------------------------------------------ events


def component_rows(session: Session, row: Maintenance) -> list[StatusComponent]:
    if not row.component_ids:
        return []
    found = session.scalars(
        select(StatusComponent).where(StatusComponent.id.in_(list(row.component_ids)))
    )
    by_id = {c.id: c for c in found}
    return [by_id[i] for i in row.component_ids if i in by_id]


def notify(
    session: Session, row: Maintenance, kind: NoticeKind, *, body: str, now: datetime
) -> None:
    """Publish a notice for subscribers (the caller makes sure each kind goes out once)."""
    affected = list(component_rows(session, row))
    notice = MaintenanceNotice(
        page_id=row.page_id,
        maintenance_id=row.id,
        kind=kind,
        name=row.name,
        status=MaintenanceStatus(row.status),
        scheduled_for=row.scheduled_for,
        scheduled_until=row.scheduled_until,
        components=tuple(c.name for c in affected),
        component_ids=tuple(c.id for c in affected),
        body=body,
        at=now,
    )
    hooks.publish(session, notice)


def publish_window(session: Session, row: Maintenance, *, now: datetime) -> None:
    """Tell whether this maintenance now holds its services' alerts back, and until when."""
    services = {name for c in component_rows(session, row) for name in c.services}
    running = MaintenanceStatus(row.status) in ACTIVE
    change = MaintenanceWindowChanged(
        page_id=row.page_id,
        maintenance_id=row.id,
        name=row.name,
        services=tuple(sorted(services)),
        silence=running and row.silence_alerts,
        until=row.scheduled_until,
        at=now,
    )
    hooks.publish(session, change)


# ------------------------------------------------------------------ timers


def timer_group(maintenance_id: int) -> str:
    return f"statuspage-maintenance:{maintenance_id}"


def schedule_timers(session: Session, row: Maintenance, *, now: datetime) -> None:
    """The timers of the current window and choices (under ``row.schedule_version``)."""
    status = MaintenanceStatus(row.status)
    due: dict[str, datetime] = {}
    if status is MaintenanceStatus.SCHEDULED and row.auto_start:
        due[Action.START.value] = row.scheduled_for
    if status is not MaintenanceStatus.COMPLETED and row.auto_complete:
        due[Action.COMPLETE.value] = row.scheduled_until
    if status is MaintenanceStatus.SCHEDULED and row.reminded_at is None:
        remind = timedelta(minutes=row.remind_before_minutes)
        at = reminder_at(row.scheduled_for, remind, announced_at=now)
        if at is not None:
            due["remind"] = at
    version = row.schedule_version
    for what, at in due.items():
        timers_service.schedule_in(
            session,
            key=f"{timer_group(row.id)}:{what}:{version}",
            kind=TIMER_KIND,
            due_at=at,
            payload={"maintenance_id": row.id, "action": what},
            group=timer_group(row.id),
            fence=version,
        )


def reschedule_timers(session: Session, row: Maintenance, *, now: datetime) -> None:
    """Drop the timers of the old window and choices, and schedule the new ones."""
    timers_service.cancel_group_in(session, group=timer_group(row.id))
    row.schedule_version += 1
    schedule_timers(session, row, now=now)
