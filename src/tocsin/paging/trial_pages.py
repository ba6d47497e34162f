"""Test pages: one real message to one of a person's contact methods, through the outbox.

It goes the way a page goes (the worker delivers it, with retries, and records each attempt),
so a person can see that a contact method reaches them before a real page has to. A test
page names no incident: nothing is acknowledged, no escalation moves on.
"""

from __future__ import annotations

import uuid

from tocsin import clock
from tocsin.db import Database
from tocsin.errors import NotFound
from tocsin.notify import history as notify_history
from tocsin.notify import render
from tocsin.notify import service as notify_service
from tocsin.notify.schemas import NotificationOut
from tocsin.oncall import service as oncall_service

GROUP = "test-page"


def group_of(person_id: int) -> str:
    return f"{GROUP}:{person_id}"


def send_test_page(
    db: Database, *, person_id: int, contact_method_id: int, actor: str, base_url: str
) -> NotificationOut:
    """Queue the test message now; the answer is the queued message (delivery follows)."""
    key = f"test:{person_id}:{contact_method_id}:{uuid.uuid4().hex}"
    with db.transaction() as session:
        person = oncall_service.people_in(session, [person_id]).get(person_id)
        if person is None:
            raise NotFound(f"no person with id {person_id}", field="person_id")
        contact = oncall_service.contact_method_in(
            session, person_id=person_id, contact_method_id=contact_method_id
        )
        message = render.test_message(
            idempotency_key=key,
            person=person.name,
            contact=contact.label,
            sent_by=actor,
            url=f"{base_url.rstrip('/')}/people/{person_id}",
        )
        notify_service.enqueue_in(
            session,
            key=key,
            group=group_of(person_id),
            kind=contact.kind,
            target_label=f"{person.name} · {contact.label}",
            message=message,
            due_at=clock.now(),
            person_id=person_id,
            contact_method_id=contact.contact_method_id,
        )
    return next(m for m in recent_test_pages(db, person_id=person_id) if m.key == key)


def recent_test_pages(db: Database, *, person_id: int, limit: int = 20) -> list[NotificationOut]:
    """The person's latest test pages with their delivery attempts, oldest first."""
    with db.reading() as session:
        if not oncall_service.people_in(session, [person_id]):
            raise NotFound(f"no person with id {person_id}", field="person_id")
    return notify_history.group_history(db, group=group_of(person_id), limit=limit)
