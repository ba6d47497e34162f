"""Scheduled maintenance use cases: announce, edit, post updates, start, complete, cancel,
and the timer handler that starts, completes and reminds on schedule.

Each change runs in one transaction holding the status page's state row, so the page's
version, its components' statuses, the timers and the published events commit together.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.maintenance import (
    ACTIVE,
    Action,
    MaintenanceRuleViolation,
    MaintenanceStatus,
    NoticeKind,
    Window,
    action_for,
    auto_action,
    check_window,
    reschedule,
)
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput
from tocsin.statuspage.maintenance import lifecycle
from tocsin.statuspage.maintenance.schemas import (
    MaintenanceCreate,
    MaintenanceOut,
    MaintenancePatch,
    MaintenanceUpdateCreate,
    MaintenanceUpdateOut,
)
from tocsin.statuspage.maintenance.tables import Maintenance, MaintenanceUpdate
from tocsin.statuspage.publishing import check_components
from tocsin.statuspage.service import changed_in, lock_state_in, page_in, recompute_in
from tocsin.statuspage.snapshot import SnapshotStore
from tocsin.storage import get_or_404
from tocsin.timers import service as timers_service
from tocsin.timers.service import DueTimer

WHAT = "maintenance"


def _out(session: Session, row: Maintenance) -> MaintenanceOut:
    updates = session.scalars(
        select(MaintenanceUpdate)
        .where(MaintenanceUpdate.maintenance_id == row.id)
        .order_by(MaintenanceUpdate.id.desc())
    )
    return MaintenanceOut(
        id=row.id,
        page_id=row.page_id,
        name=row.name,
        status=MaintenanceStatus(row.status),
        cancelled=row.cancelled_at is not None,
        components=list(row.component_ids),
        scheduled_for=row.scheduled_for,
        scheduled_until=row.scheduled_until,
        auto_start=row.auto_start,
        auto_complete=row.auto_complete,
        remind_before_minutes=row.remind_before_minutes,
        silence_alerts=row.silence_alerts,
        created_at=row.created_at,
        updated_at=row.updated_at,
        reminded_at=row.reminded_at,
        started_at=row.started_at,
        verifying_at=row.verifying_at,
        completed_at=row.completed_at,
        cancelled_at=row.cancelled_at,
        updates=[
            MaintenanceUpdateOut(
                id=u.id,
                status=MaintenanceStatus(u.status),
                body=u.body,
                created_at=u.created_at,
                author=u.author,
            )
            for u in updates
        ],
    )


def _checked_window(window: Window) -> Window:
    try:
        check_window(window)
    except MaintenanceRuleViolation as violation:
        raise lifecycle.refused(violation) from None
    return window


def announce(
    db: Database, store: SnapshotStore, *, body: MaintenanceCreate, actor: str
) -> MaintenanceOut:
    """Put a maintenance on the page (``scheduled``), with its announcement as first update."""
    window = _checked_window(Window(body.scheduled_for, body.scheduled_until))
    now = clock.now()
    if window.scheduled_until <= now:
        raise InvalidInput("scheduled_until: must be in the future", field="scheduled_until")
    with db.transaction() as session:
        state = lock_state_in(session)
        page_in(session, body.page_id)
        row = Maintenance(
            page_id=body.page_id,
            name=body.name,
            status=MaintenanceStatus.SCHEDULED.value,
            component_ids=check_components(session, body.components, body.page_id),
            scheduled_for=window.scheduled_for,
            scheduled_until=window.scheduled_until,
            auto_start=body.auto_start,
            auto_complete=body.auto_complete,
            remind_before_minutes=body.remind_before_minutes,
            silence_alerts=body.silence_alerts,
            schedule_version=1,
            created_at=now,
            updated_at=now,
            created_by=actor,
        )
        session.add(row)
        session.flush()
        lifecycle.add_update(session, row, body.body, actor=actor, now=now)
        lifecycle.schedule_timers(session, row, now=now)
        lifecycle.notify(session, row, NoticeKind.ANNOUNCED, body=body.body, now=now)
        changed_in(session, state, store)
        session.flush()
        return _out(session, row)


def edit(
    db: Database, store: SnapshotStore, *, maintenance_id: int, body: MaintenancePatch
) -> MaintenanceOut:
    """Change what was sent; a new window or new choices reschedule its timers."""
    sent = body.model_fields_set
    with db.transaction() as session:
        state = lock_state_in(session)
        row = get_or_404(session, Maintenance, maintenance_id, WHAT)
        now = clock.now()
        status = MaintenanceStatus(row.status)
        if sent - {"name"} and status is MaintenanceStatus.COMPLETED:
            message = "status: a completed maintenance only changes its name"
            raise Conflict(message, field="status")
        old = lifecycle.window_of(row)
        new = Window(
            body.scheduled_for if "scheduled_for" in sent else old.scheduled_for,
            body.scheduled_until if "scheduled_until" in sent else old.scheduled_until,
        )
        try:
            new = reschedule(status, old, new, now=now)
        except MaintenanceRuleViolation as violation:
            raise lifecycle.refused(violation) from None
        row.scheduled_for, row.scheduled_until = new.scheduled_for, new.scheduled_until
        if "components" in sent:
            row.component_ids = check_components(session, body.components, row.page_id)
        for name in (
            "name",
            "auto_start",
            "auto_complete",
            "remind_before_minutes",
            "silence_alerts",
        ):
            if name in sent:
                setattr(row, name, getattr(body, name))
        row.updated_at = now
        timing = {"scheduled_for", "scheduled_until", "auto_start", "auto_complete"}
        if sent & (timing | {"remind_before_minutes"}):
            lifecycle.reschedule_timers(session, row, now=now)
        if status in ACTIVE:
            session.flush()
            lifecycle.publish_window(session, row, now=now)
            recompute_in(session, state)
        changed_in(session, state, store)
        session.flush()
        return _out(session, row)


def post_update(
    db: Database,
    store: SnapshotStore,
    *,
    maintenance_id: int,
    body: MaintenanceUpdateCreate,
    actor: str,
) -> MaintenanceOut:
    """A public update; a new ``status`` moves the maintenance as start/complete would."""
    with db.transaction() as session:
        state = lock_state_in(session)
        row = get_or_404(session, Maintenance, maintenance_id, WHAT)
        now = clock.now()
        current = MaintenanceStatus(row.status)
        try:
            action = action_for(current, body.status or current)
        except MaintenanceRuleViolation as violation:
            raise lifecycle.refused(violation) from None
        if action is None:
            lifecycle.add_update(session, row, body.body, actor=actor, now=now)
            changed_in(session, state, store)
        else:
            lifecycle.apply(
                session, state, store, row, action, body=body.body, actor=actor, now=now
            )
        session.flush()
        return _out(session, row)


def act(
    db: Database,
    store: SnapshotStore,
    *,
    maintenance_id: int,
    action: Action,
    body: str | None,
    actor: str,
) -> MaintenanceOut:
    """Start, verify, complete or cancel by hand (``body``: the update's text, or a default)."""
    with db.transaction() as session:
        state = lock_state_in(session)
        row = get_or_404(session, Maintenance, maintenance_id, WHAT)
        lifecycle.apply(session, state, store, row, action, body=body, actor=actor, now=clock.now())
        session.flush()
        return _out(session, row)


def fire(db: Database, store: SnapshotStore, *, timer: DueTimer) -> None:
    """Run one maintenance timer: start, complete or remind, if that still applies."""
    with db.transaction() as session:
        now = clock.now()
        state = lock_state_in(session)
        row = session.get(Maintenance, int(timer.payload["maintenance_id"]), with_for_update=True)
        if not timers_service.hold_in(session, timer=timer):
            return  # no longer ours: another worker has it, or has run it already
        timers_service.finish_in(session, timer_id=timer.id, fired_at=now)
        if row is None or row.schedule_version != timer.fence:
            return  # deleted, or its window or choices changed since: a newer timer exists
        status = MaintenanceStatus(row.status)
        if timer.payload["action"] == "remind":
            if status is MaintenanceStatus.SCHEDULED and row.reminded_at is None:
                row.reminded_at = now
                body = _newest_body(session, row)
                lifecycle.notify(session, row, NoticeKind.REMINDER, body=body, now=now)
            return
        action = auto_action(
            status,
            Action(timer.payload["action"]),
            now=now,
            window=lifecycle.window_of(row),
            auto_start=row.auto_start,
            auto_complete=row.auto_complete,
        )
        if action is not None:
            lifecycle.apply(
                session, state, store, row, action, body=None, actor=lifecycle.AUTO_ACTOR, now=now
            )


def _newest_body(session: Session, row: Maintenance) -> str:
    newest = session.scalar(
        select(MaintenanceUpdate.body)
        .where(MaintenanceUpdate.maintenance_id == row.id)
        .order_by(MaintenanceUpdate.id.desc())
        .limit(1)
    )
    return newest or ""


def list_maintenances(
    db: Database, *, page_id: int | None = None, status: MaintenanceStatus | None = None
) -> list[MaintenanceOut]:
    """Newest window first (at most 200)."""
    query = select(Maintenance).order_by(Maintenance.scheduled_for.desc(), Maintenance.id.desc())
    if page_id is not None:
        query = query.where(Maintenance.page_id == page_id)
    if status is not None:
        query = query.where(Maintenance.status == status.value)
    with db.reading() as session:
        return [_out(session, row) for row in session.scalars(query.limit(200))]


def get_maintenance(db: Database, *, maintenance_id: int) -> MaintenanceOut:
    with db.reading() as session:
        return _out(session, get_or_404(session, Maintenance, maintenance_id, WHAT))
