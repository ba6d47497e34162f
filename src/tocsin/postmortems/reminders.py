"""Reminders of overdue postmortem deadlines and overdue action items, on durable timers.

Each postmortem deadline (the draft, the review meeting) and each action item's due date has a
timer in a group of its own, scheduled in the transaction that sets it; a change that meets
the deadline (or moves the due date, or finishes the item) cancels the group. When a timer
fires and its deadline is still unmet and unchanged, the owner is reminded through the outbox
(one message per contact method, each with its own key) and the incident's timeline says so:
the timer, the messages and the event commit together, so a timer run twice reminds once.
An owner who is a name only, not a person of the directory, cannot be reminded; the timeline
says that too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.config import Settings
from tocsin.core.postmortems import ITEM_UNFINISHED, Deadline, ItemStatus, PostmortemStatus
from tocsin.db import Database
from tocsin.incidents import service as incidents_service
from tocsin.notify import service as notify_service
from tocsin.oncall import service as oncall_service
from tocsin.postmortems.tables import ActionItem, Postmortem
from tocsin.timers import service as timers_service
from tocsin.timers.service import DueTimer

TIMER_KIND = "postmortem_reminder"
ACTOR = "tocsin:postmortems"


def deadline_group(postmortem_id: int, deadline: Deadline) -> str:
    return f"postmortem:{postmortem_id}:{deadline.value}"


def item_group(item_id: int) -> str:
    return f"action-item:{item_id}"


def schedule_deadlines_in(session: Session, row: Postmortem) -> None:
    for deadline, due in ((Deadline.DRAFT, row.draft_due_at), (Deadline.REVIEW, row.review_due_at)):
        timers_service.schedule_in(
            session,
            key=f"{TIMER_KIND}:{row.id}:{deadline.value}:{due.isoformat()}",
            kind=TIMER_KIND,
            due_at=due,
            payload={
                "postmortem_id": row.id,
                "deadline": deadline.value,
                "due_at": due.isoformat(),
            },
            group=deadline_group(row.id, deadline),
        )


def settle_deadlines_in(session: Session, row: Postmortem) -> None:
    """Stop the reminders of every deadline the postmortem's status has met."""
    for deadline in Deadline:
        if deadline.met(PostmortemStatus(row.status)):
            _cancel(session, deadline_group(row.id, deadline))


def item_due_at(due_on: date) -> datetime:
    """An item due on a date is overdue once that day has ended (UTC)."""
    return datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=UTC)


def sync_item_in(session: Session, item: ActionItem) -> None:
    """Reschedule the item's reminder after a change (none once it is finished)."""
    _cancel(session, item_group(item.id))
    if item.due_on is None or ItemStatus(item.status) not in ITEM_UNFINISHED:
        return
    timers_service.schedule_in(
        session,
        key=f"{TIMER_KIND}:item:{item.id}:{item.version}",
        kind=TIMER_KIND,
        due_at=item_due_at(item.due_on),
        payload={"action_item_id": item.id, "due_on": item.due_on.isoformat()},
        group=item_group(item.id),
    )


def _cancel(session: Session, group: str) -> None:
    timers_service.cancel_group_in(session, group=group)
    notify_service.cancel_group_in(session, group=group)


def fire(db: Database, *, timer: DueTimer, settings: Settings) -> None:
    """Run one reminder timer: remind the owner if the deadline is still unmet."""
    with db.transaction() as session:
        if "action_item_id" in timer.payload:
            _fire_item(session, timer, settings)
        else:
            _fire_deadline(session, timer, settings)


def _fire_deadline(session: Session, timer: DueTimer, settings: Settings) -> None:
    row = session.scalar(
        select(Postmortem)
        .where(Postmortem.id == int(timer.payload["postmortem_id"]))
        .with_for_update()
    )
    if not timers_service.hold_in(session, timer=timer):
        return
    now = clock.now()
    deadline = Deadline(timer.payload["deadline"])
    due = datetime.fromisoformat(timer.payload["due_at"])
    if row is not None and _unmet(row, deadline, due):
        _remind_in(
            session,
            settings,
            _Reminder(
                incident_id=row.incident_id,
                person_id=row.owner_person_id,
                owner=row.owner_name,
                what=deadline.label,
                role="postmortem owner",
                group=deadline_group(row.id, deadline),
                key=f"{TIMER_KIND}:{row.id}:{deadline.value}:{due.isoformat()}",
                due=due,
                url=f"{settings.base_url}/postmortems/{row.id}",
                data={"postmortem_id": row.id, "deadline": deadline.value},
            ),
        )
    timers_service.finish_in(session, timer_id=timer.id, fired_at=now)


def _unmet(row: Postmortem, deadline: Deadline, due: datetime) -> bool:
    """Still unmet, and still the deadline the timer was set for."""
    if deadline is Deadline.DRAFT:
        return row.review_started_at is None and row.draft_due_at == due
    return not deadline.met(PostmortemStatus(row.status)) and row.review_due_at == due


def _fire_item(session: Session, timer: DueTimer, settings: Settings) -> None:
    item = session.scalar(
        select(ActionItem)
        .where(ActionItem.id == int(timer.payload["action_item_id"]))
        .with_for_update()
    )
    if not timers_service.hold_in(session, timer=timer):
        return
    now = clock.now()
    due_on = date.fromisoformat(timer.payload["due_on"])
    if item is not None and ItemStatus(item.status) in ITEM_UNFINISHED and item.due_on == due_on:
        incident_id = session.scalar(
            select(Postmortem.incident_id).where(Postmortem.id == item.postmortem_id)
        )
        assert incident_id is not None
        _remind_in(
            session,
            settings,
            _Reminder(
                incident_id=incident_id,
                person_id=item.owner_person_id,
                owner=item.owner_name,
                what=f"action item {item.title!r}",
                role="action item owner",
                group=item_group(item.id),
                key=f"{TIMER_KIND}:item:{item.id}:{item.version}",
                due=item_due_at(due_on),
                url=f"{settings.base_url}/postmortems/{item.postmortem_id}",
                data={"action_item_id": item.id, "postmortem_id": item.postmortem_id},
            ),
        )
    timers_service.finish_in(session, timer_id=timer.id, fired_at=now)


@dataclass(frozen=True)
class _Reminder:
    """Who to remind of what, and the group and key its messages are queued under."""

    incident_id: int
    person_id: int | None
    owner: str
    what: str
    role: str
    group: str
    key: str
    due: datetime
    url: str
    data: dict[str, Any]


def _remind_in(session: Session, settings: Settings, reminder: _Reminder) -> None:
    incident = incidents_service.snapshot(session, incident_id=reminder.incident_id)
    recipient: incidents_service.Recipient | None = None
    if reminder.person_id is not None:
        plan = oncall_service.notification_plan_in(session, person_id=reminder.person_id)
        recipient = incidents_service.Recipient(
            person_id=reminder.person_id, name=reminder.owner, role=reminder.role, plan=plan
        )
    overdue = incidents_service.Overdue(
        incident={
            "id": incident.id,
            "reference": incident.reference,
            "title": incident.title,
            "severity": incident.severity.value,
            "status": incident.status.value,
            "url": reminder.url,
        },
        what=reminder.what,
        due=reminder.due,
        key=reminder.key,
        group=reminder.group,
        actor=ACTOR,
        sent="postmortem_reminder_sent",
        unsent="postmortem_reminder_unsent",
        data={
            **reminder.data,
            "reminder": reminder.what,
            "due_at": reminder.due.isoformat(),
            "owner": reminder.owner,
        },
    )
    unsent = (
        "no one could be reminded: the owner has no contact method"
        if reminder.person_id is not None
        else "no one could be reminded: the owner is a name, not a person of the directory"
    )
    incidents_service.remind_in(session, overdue, recipient, unsent=unsent, now=clock.now())
