"""Reminders of overdue communication: the internal update and the first public
acknowledgement.

Each deadline has durable timers (``tocsin.timers``) in a group of its own, scheduled by
:func:`sync_in` in the transaction of the change that sets the deadline: a change that moves
it cancels the group and schedules anew, one that clears it (resolving, publishing) only
cancels. When a deadline passes, :func:`fire` (the assembly's handler for ``TIMER_KIND``)
reminds stage 0 of the chain in ``tocsin.core.comms`` (the Communications Lead) and
schedules stage 1 (the Incident Commander) a grace period later. The timer, the outbox
messages (an idempotency key per stage, person and contact method) and the timeline event
commit together, so a timer run again after a crash reminds nobody twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.config import Settings
from tocsin.core.comms import CHAIN, Holder, Reminder, choose_recipient
from tocsin.core.lifecycle import ACTIVE, IncidentState, Status
from tocsin.core.roles import Role
from tocsin.db import Database
from tocsin.incidents.queries import reference
from tocsin.incidents.reminding import Overdue, Recipient, remind_in
from tocsin.incidents.tables import Incident, IncidentRole
from tocsin.notify import service as notify_service
from tocsin.oncall import service as oncall_service
from tocsin.oncall.service import PlannedContact
from tocsin.timers import service as timers_service
from tocsin.timers.service import DueTimer

TIMER_KIND = "incident_reminder"
ACTOR = "tocsin:reminders"
Deadlines = dict[Reminder, datetime | None]


def group(kind: Reminder, incident_id: int) -> str:
    """The timers and outbox messages of one deadline of one incident, cancelled together."""
    return f"remind:{kind.value}:{incident_id}"


def deadlines(row: Incident | IncidentState) -> Deadlines:
    """The deadlines being watched: none once resolved; the public one until it is met (and
    none for a private incident: it is never published)."""
    active = Status(row.status) in ACTIVE
    unmet = active and row.first_public_at is None and not getattr(row, "private", False)
    return {
        Reminder.UPDATE: row.next_update_due_at if active else None,
        Reminder.PUBLIC_ACK: row.public_ack_due_at if unmet else None,
    }


NO_DEADLINES: Deadlines = dict.fromkeys(Reminder)


def sync_in(session: Session, row: Incident, before: Deadlines) -> None:
    """Reschedule the reminders of each deadline the change moved (in its transaction)."""
    for kind, due in deadlines(row).items():
        if due == before[kind]:
            continue
        timers_service.cancel_group_in(session, group=group(kind, row.id))
        notify_service.cancel_group_in(session, group=group(kind, row.id))
        if due is not None:
            _schedule(session, row.id, kind, version=row.version, stage=0, at=due, due=due)


def opened_in(session: Session, opened: Sequence[tuple[int, int, IncidentState]]) -> None:
    """:func:`sync_in` from no deadlines, for many new incidents (id, version, state) at once.

    There is nothing to cancel first: incidents are never deleted, so no earlier incident
    had a new one's id (SQLite reuses only the id of a deleted highest row), and a rolled-back
    incident's reminders rolled back with it. On the alert writer's path the two cancels
    cost an eighth of its time.
    """
    timers = [
        _timer(incident_id, kind, version=version, stage=0, at=due, due=due)
        for incident_id, version, state in opened
        for kind, due in deadlines(state).items()
        if due is not None
    ]
    timers_service.schedule_many_in(session, timers)


def stop_in(session: Session, kind: Reminder, incident_id: int) -> None:
    timers_service.cancel_group_in(session, group=group(kind, incident_id))
    notify_service.cancel_group_in(session, group=group(kind, incident_id))


def _schedule(
    session: Session,
    incident_id: int,
    kind: Reminder,
    *,
    version: int,
    stage: int,
    at: datetime,
    due: datetime,
) -> None:
    timer = _timer(incident_id, kind, version=version, stage=stage, at=at, due=due)
    timers_service.schedule_in(
        session,
        key=timer.key,
        kind=timer.kind,
        due_at=timer.due_at,
        payload=timer.payload,
        group=timer.group,
        fence=timer.fence,
    )


def _timer(
    incident_id: int, kind: Reminder, *, version: int, stage: int, at: datetime, due: datetime
) -> timers_service.Scheduled:
    return timers_service.Scheduled(
        key=f"{TIMER_KIND}:{kind.value}:{incident_id}:{version}:{stage}",
        kind=TIMER_KIND,
        due_at=at,
        payload={
            "incident_id": incident_id,
            "reminder": kind.value,
            "version": version,
            "stage": stage,
            "due_at": due.isoformat(),
        },
        group=group(kind, incident_id),
        fence=version,
    )


@dataclass(frozen=True)
class _Stage:
    """One stage of one deadline's reminders, as its timer carries it."""

    kind: Reminder
    stage: int
    version: int  # the incident's version when the deadline was set: part of every key
    due: datetime

    @classmethod
    def of(cls, timer: DueTimer) -> _Stage:
        payload = timer.payload
        return cls(
            kind=Reminder(payload["reminder"]),
            stage=int(payload["stage"]),
            version=int(payload["version"]),
            due=datetime.fromisoformat(payload["due_at"]),
        )

    def key(self, incident_id: int) -> str:
        return f"remind:{self.kind.value}:{incident_id}:{self.version}:{self.stage}"


def fire(db: Database, *, timer: DueTimer, settings: Settings) -> None:
    """Run one reminder timer: remind this stage's person, schedule the next stage."""
    with db.transaction() as session:
        incident_id = int(timer.payload["incident_id"])
        row = session.scalar(select(Incident).where(Incident.id == incident_id).with_for_update())
        # after the incident's lock, like a change that reschedules (incident, then timers)
        if not timers_service.hold_in(session, timer=timer):
            return  # no longer ours: another worker has it, or has run it already
        now = clock.now()
        stage = _Stage.of(timer)
        if row is not None and deadlines(row)[stage.kind] == stage.due:  # unmet, still this one
            _remind_in(session, row, stage, now, settings)
            if stage.stage + 1 < len(CHAIN):
                grace = timedelta(minutes=settings.reminder_grace_minutes)
                _schedule(
                    session,
                    row.id,
                    stage.kind,
                    version=stage.version,
                    stage=stage.stage + 1,
                    at=now + grace,
                    due=stage.due,
                )
        timers_service.finish_in(session, timer_id=timer.id, fired_at=now)


def _holders_in(session: Session, incident_id: int) -> dict[Role, IncidentRole]:
    rows = session.scalars(
        select(IncidentRole).where(
            IncidentRole.incident_id == incident_id,
            IncidentRole.role.in_([role.value for role in CHAIN]),
        )
    )
    return {Role(row.role): row for row in rows}


def _remind_in(
    session: Session, row: Incident, stage: _Stage, now: datetime, settings: Settings
) -> None:
    """Remind whoever is in line at this stage, and say so (or that no one could be)."""
    plans: dict[int, list[PlannedContact]] = {}
    holders: dict[Role, Holder] = {}
    for role, held in _holders_in(session, row.id).items():
        if held.person_id is not None and held.person_id not in plans:
            plans[held.person_id] = oncall_service.notification_plan_in(
                session, person_id=held.person_id
            )
        reachable = held.person_id is not None and bool(plans[held.person_id])
        holders[role] = Holder(person_id=held.person_id, reachable=reachable)
    choice = choose_recipient(stage.stage, holders)
    data: dict[str, Any] = {
        "reminder": stage.kind.value,
        "stage": stage.stage,
        "due_at": stage.due.isoformat(),
        "skipped": [{"role": r.value, "reason": why} for r, why in choice.skipped],
    }
    recipient = None
    if choice.role is not None and choice.person_id is not None:
        person = oncall_service.people_in(session, [choice.person_id])[choice.person_id]
        plan = plans[choice.person_id]
        recipient = Recipient(
            person_id=person.id, name=person.name, role=choice.role.label, plan=plan
        )
        data.update(role=choice.role.value, person={"id": person.id, "name": person.name})
    incident = {
        "id": row.id,
        "reference": reference(row.id),
        "title": row.title,
        "severity": row.severity,
        "status": row.status,
        "url": f"{settings.base_url}/incidents/{row.id}",
    }
    overdue = Overdue(
        incident=incident,
        what=stage.kind.label,
        due=stage.due,
        key=stage.key(row.id),
        group=group(stage.kind, row.id),
        actor=ACTOR,
        sent="reminder_sent",
        unsent="reminder_unsent",
        data=data,
    )
    remind_in(session, overdue, recipient, unsent="no one could be reminded", now=now)
