"""Reporters are told once when their incident resolves.

:func:`on_incident_changed` (subscribed in ``tocsin.assembly``) runs in the transaction of
the resolution: every distinct contact of the incident's reports gets one mail through the
outbox, keyed by incident × contact. The key makes it once ever, not once per resolution:
an incident resolved, reopened and resolved again mails a reporter once, and a reporter
attached only before the second resolution is mailed then. The mail uses the public wording
(the public incident's newest update and its link on the status page) and never an internal
note; an unpublished incident gets a neutral text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.lifecycle import Status
from tocsin.incidents.hooks import IncidentChanged
from tocsin.notify import service as notify_service
from tocsin.notify.channels.base import Message
from tocsin.notify.render import one_line
from tocsin.reports import service
from tocsin.statuspage import support

EVENT = "report.resolved"
NEUTRAL = "The problem you reported has been resolved. Thank you for telling us about it."


@dataclass(frozen=True)
class MailSettings:
    base_url: str
    statuspage_name: str


def key_of(incident_id: int, contact: str) -> str:
    digest = hashlib.sha256(contact.casefold().encode()).hexdigest()[:32]
    return f"report-resolved:{incident_id}:{digest}"


def message_for(key: str, contact: str, wording: support.PublicWording | None) -> Message:
    if wording is None:
        subject, lines = "Resolved: the problem you reported", [NEUTRAL]
    else:
        subject = one_line(f"Resolved: {wording.name}")
        lines = [f"The problem you reported is resolved: {wording.name}."]
        if wording.latest_update:
            lines += ["", wording.latest_update]
        lines += ["", f"Details: {wording.url}"]
    lines += ["", "You are receiving this once, because you reported the problem to us."]
    return Message(
        idempotency_key=key,
        subject=subject,
        text="\n".join(lines),
        event=EVENT,
        data={"url": wording.url if wording else None},
        to=contact,
    )


def on_incident_changed(session: Session, change: IncidentChanged, *, mail: MailSettings) -> None:
    if change.kind != "status_changed" or change.status is not Status.RESOLVED:
        return
    if change.private:  # customers are no members: they hear nothing of a private incident
        return
    contacts = service.contacts_in(session, incident_id=change.incident_id)
    if not contacts:
        return
    wording = support.wording_in(
        session,
        incident_id=change.incident_id,
        base_url=mail.base_url,
        default_name=mail.statuspage_name,
    )
    now = clock.now()
    for contact in contacts:
        key = key_of(change.incident_id, contact)
        notify_service.enqueue_in(
            session,
            key=key,
            group=f"reports:{change.incident_id}",
            kind="email",
            target_label=contact,
            message=message_for(key, contact, wording),
            due_at=now,
        )
