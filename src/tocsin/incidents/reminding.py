"""The one remind step of every overdue-deadline reminder (the incident's communication
deadlines, the postmortem's deadlines and action items): queue one outbox message per
contact method of the person's plan, each under its own idempotency key, and say on the
incident's timeline who was reminded, or that no one could be.

The caller chooses the person and holds the transaction (with its timer), so the messages
and the timeline event commit with the timer: a timer run again reminds nobody twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tocsin.incidents.writing import note_in
from tocsin.notify import render
from tocsin.notify import service as notify_service
from tocsin.oncall.service import PlannedContact


@dataclass(frozen=True)
class Recipient:
    person_id: int
    name: str
    role: str
    """As the message names it: "Communications Lead", "postmortem owner"."""
    plan: Sequence[PlannedContact]


@dataclass(frozen=True)
class Overdue:
    """What is overdue, and the key and group its messages are queued under."""

    incident: Mapping[str, Any]
    """The incident's fields as the message shows them (``id``, ``reference``, ``url`` ...)."""
    what: str
    due: datetime
    key: str
    """Each message's key is this, the person and the contact method."""
    group: str
    actor: str
    sent: str
    unsent: str
    """The timeline event kinds: reminded, or no one could be."""
    data: dict[str, Any] = field(default_factory=dict)
    """The timeline event's data, both ways."""


def remind_in(
    session: Session, overdue: Overdue, recipient: Recipient | None, *, unsent: str, now: datetime
) -> None:
    """Remind ``recipient`` on each contact method of their plan; with no recipient or an
    empty plan, record ``unsent`` (why no one could be reminded) instead."""
    data = dict(overdue.data)
    incident_id = int(overdue.incident["id"])
    if recipient is None or not recipient.plan:
        data["message"] = unsent
        kind = overdue.unsent
    else:
        _enqueue_in(session, overdue, recipient, incident_id=incident_id, now=now)
        data["contacts"] = len(recipient.plan)
        kind = overdue.sent
    note_in(session, incident_id=incident_id, actor=overdue.actor, kind=kind, data=data, at=now)


def _enqueue_in(
    session: Session, overdue: Overdue, recipient: Recipient, *, incident_id: int, now: datetime
) -> None:
    for contact in recipient.plan:
        key = f"{overdue.key}:{recipient.person_id}:{contact.contact_method_id}"
        message = render.reminder_message(
            idempotency_key=key,
            incident=overdue.incident,
            what=overdue.what,
            due=overdue.due.strftime("%Y-%m-%d %H:%M UTC"),
            role=recipient.role,
        )
        notify_service.enqueue_in(
            session,
            key=key,
            group=overdue.group,
            kind=contact.kind,
            target_label=f"{recipient.name} · {contact.label}",
            message=message,
            due_at=now + timedelta(minutes=contact.delay_minutes),
            incident_id=incident_id,
            person_id=recipient.person_id,
            contact_method_id=contact.contact_method_id,
        )
