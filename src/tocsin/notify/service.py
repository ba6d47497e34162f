"""The outbox: enqueue messages in the caller's transaction, claim them, record attempts.

Delivery itself happens outside any transaction (it is network I/O). A claimed message
carries a lease, which its worker renews while it works on it (``renew``) and confirms just
before sending (``hold``): a worker never sends a message whose lease it no longer holds. If
its worker dies between sending and recording, the message is claimed again when the lease
ends and sent again with the same idempotency key. That is the only way a receiver can see a
message twice, and it can drop the repeat by its key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, case, func, insert, or_, select, update
from sqlalchemy.orm import Session

from tocsin import clock, wakeup
from tocsin.db import Database, insert_once, renew_leases
from tocsin.notify.channels.base import Delivery, Message
from tocsin.notify.tables import DeliveryAttempt, OutboxMessage, outbox_table

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (1, 4, 15, 60)

Outcome = Literal["delivered", "retrying", "failed", "stale"]


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    key: str
    group: str
    incident_id: int | None
    person_id: int | None
    contact_method_id: int | None
    kind: str
    target_label: str
    message: Message
    attempt: int


def enqueue_in(
    session: Session,
    *,
    key: str,
    group: str,
    kind: str,
    target_label: str,
    message: Message,
    due_at: datetime,
    incident_id: int | None = None,
    person_id: int | None = None,
    contact_method_id: int | None = None,
) -> bool:
    """Queue a message once per key; returns False when the key was already queued."""
    values = {
        "key": key,
        "group": group,
        "kind": kind,
        "target_label": target_label[:200],
        "message": asdict(message),
        "due_at": due_at,
        "incident_id": incident_id,
        "person_id": person_id,
        "contact_method_id": contact_method_id,
        "status": "pending",
        "attempts": 0,
        "created_at": clock.now(),
    }
    inserted = insert_once(session, OutboxMessage, values, "key")
    wakeup.after_commit(session)
    return inserted


def cancel_group_in(session: Session, *, group: str) -> int:
    """Cancel a group's messages not yet delivered (an acknowledged page).

    A message being sent right now is cancelled too: if that attempt fails it is not retried.
    """
    return cancel_groups_in(session, groups=[group])


def cancel_groups_in(session: Session, *, groups: Sequence[str]) -> int:
    """:func:`cancel_group_in` for many groups in one statement."""
    if not groups:
        return 0
    result = session.execute(  # Core, as timers_service.cancel_groups_in
        update(outbox_table)
        .where(
            outbox_table.c.group.in_(list(groups)),
            outbox_table.c.status.in_(("pending", "sending")),
        )
        .values(status="cancelled", finished_at=clock.now())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def bring_forward_in(session: Session, *, key_prefix: str) -> int:
    """Make the earliest pending message whose key starts with ``key_prefix`` due now."""
    now = clock.now()
    earliest = session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.key.startswith(key_prefix, autoescape=True),
            OutboxMessage.status == "pending",
            OutboxMessage.due_at > now,
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(1)
    )
    if earliest is None:
        return 0
    session.execute(update(OutboxMessage).where(OutboxMessage.id == earliest).values(due_at=now))
    wakeup.after_commit(session)
    return 1


def _due_first(
    session: Session, now: datetime, limit: int, only: ColumnElement[bool] | None
) -> list[int]:
    """The ids of the ``limit`` messages due first: pending ones, and ones whose worker died
    while sending, each read in ``due_at`` order off the (status, due_at) index.

    One query with both in an ``OR`` makes SQLite sort every due message for each claim
    (tens of milliseconds with 10,000 queued); two index walks of ``limit`` rows do not.
    """
    free = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    found: list[tuple[datetime, int]] = []
    for status, ready in (("pending", free), ("sending", OutboxMessage.claimed_until < now)):
        query = (
            select(OutboxMessage.due_at, OutboxMessage.id)
            .where(OutboxMessage.status == status, OutboxMessage.due_at <= now, ready)
            .order_by(OutboxMessage.due_at)
            .limit(limit)
        )
        rows = session.execute(query if only is None else query.where(only))
        found += [(due_at, message_id) for due_at, message_id in rows]
    return [message_id for _, message_id in sorted(found)[:limit]]


def claim_due(db: Database, *, worker: str, lease: timedelta, limit: int) -> list[ClaimedMessage]:
    with db.transaction() as session:
        return take_due_in(session, worker=worker, lease=lease, limit=limit)


def take_due_in(
    session: Session,
    *,
    worker: str,
    lease: timedelta,
    limit: int,
    only: ColumnElement[bool] | None = None,
) -> list[ClaimedMessage]:
    """Claim, in the caller's write transaction, the ``limit`` messages due first (of those
    matching ``only``, when given)."""
    now = clock.now()
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.due_at <= now,
            or_(
                OutboxMessage.status == "pending",
                # a worker died while sending: its lease ran out, so send again (same key)
                (OutboxMessage.status == "sending") & (OutboxMessage.claimed_until < now),
            ),
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if only is not None:
        query = query.where(only)
    if session.get_bind().dialect.name == "sqlite":  # the write lock is held: still due
        query = query.where(OutboxMessage.id.in_(_due_first(session, now, limit, only)))
    rows = list(session.scalars(query))
    for row in rows:
        row.status = "sending"
        row.claimed_by = worker
        row.claimed_until = now + lease
        row.attempts += 1
    session.flush()  # a next claim in this transaction does not take them again
    return [_claimed(row) for row in rows]


def hold(db: Database, *, claimed: ClaimedMessage, worker: str, lease: timedelta) -> bool:
    """Just before sending: does ``worker`` still hold this claim? If so, extend its lease.

    False when the lease ran out (another worker may be sending the message now), when the
    message was claimed again since (``attempt`` moved on) or when its page was acknowledged
    meanwhile: then the caller must not send it.

    A claim whose lease still has more than half its time is confirmed by a read, without a
    write transaction (one commit less per message: on SQLite a commit waits for the disk);
    a shorter one is extended first. Either way the sender holds the message for at least
    half a lease, and its ``LeaseKeeper`` renews the lease while it sends.
    """
    now = clock.now()
    with db.reading() as session:  # a read suffices while the lease has time left
        row = session.execute(
            select(
                OutboxMessage.claimed_by,
                OutboxMessage.attempts,
                OutboxMessage.status,
                OutboxMessage.claimed_until,
            ).where(OutboxMessage.id == claimed.id)
        ).one_or_none()
    if row is None or (row.claimed_by, row.attempts, row.status) != (
        worker,
        claimed.attempt,
        "sending",
    ):
        return False
    if row.claimed_until is not None and row.claimed_until - now > lease / 2:
        return True  # the lease keeper renews it while the message is sent
    with db.transaction() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == claimed.id,
                OutboxMessage.claimed_by == worker,
                OutboxMessage.attempts == claimed.attempt,
                OutboxMessage.status == "sending",
                OutboxMessage.claimed_until > now,
            )
            .values(claimed_until=now + lease)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1


def renew(db: Database, *, worker: str, ids: list[int], lease: timedelta) -> int:
    """Extend the leases ``worker`` still holds on the messages ``ids`` it is working on."""
    now = clock.now()
    with db.transaction() as session:
        return renew_leases(
            session,
            OutboxMessage,
            ids=ids,
            worker=worker,
            status="sending",
            now=now,
            until=now + lease,
        )


def _claimed(row: OutboxMessage) -> ClaimedMessage:
    return ClaimedMessage(
        id=row.id,
        key=row.key,
        group=row.group,
        incident_id=row.incident_id,
        person_id=row.person_id,
        contact_method_id=row.contact_method_id,
        kind=row.kind,
        target_label=row.target_label,
        message=Message(**row.message),
        attempt=row.attempts,
    )


def record_in(
    session: Session,
    *,
    claimed: ClaimedMessage,
    worker: str,
    delivery: Delivery,
    duration_ms: int,
) -> Outcome:
    """Record one attempt and decide what happens to the message next."""
    (outcome,) = record_all_in(session, worker=worker, attempts=[(claimed, delivery, duration_ms)])
    return outcome


def record_all_in(
    session: Session, *, worker: str, attempts: Sequence[tuple[ClaimedMessage, Delivery, int]]
) -> list[Outcome]:
    """Record attempts (each a claim, its delivery and how long it took in milliseconds) and
    decide what happens to each message next: ``record_in`` for many, in one transaction."""
    now = clock.now()
    session.execute(
        insert(DeliveryAttempt),
        [
            {
                "outbox_id": claimed.id,
                "attempt": claimed.attempt,
                "at": now,
                "kind": claimed.kind,
                "target_label": claimed.target_label,
                "ok": delivery.ok,
                "retryable": delivery.retryable,
                "error": delivery.error,
                "detail": delivery.detail,
                "duration_ms": duration_ms,
            }
            for claimed, delivery, duration_ms in attempts
        ],
    )
    ids = [claimed.id for claimed, _, _ in attempts]
    rows = {
        row.id: row
        for row in session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(ids)).with_for_update()
        )
    }
    return [
        _decide(session, rows.get(claimed.id), claimed, worker, delivery, now)
        for claimed, delivery, _ in attempts
    ]


def _decide(
    session: Session,
    row: OutboxMessage | None,
    claimed: ClaimedMessage,
    worker: str,
    delivery: Delivery,
    now: datetime,
) -> Outcome:
    if row is None or row.claimed_by != worker or row.attempts != claimed.attempt:
        return "stale"  # claimed again (by another worker, or by us) after our lease ran out
    if row.status == "cancelled":  # acknowledged while this attempt was under way
        if not delivery.ok:
            return "stale"  # nothing more to do: no retry for a cancelled page
        row.status, row.finished_at, row.claimed_until = "delivered", now, None
        return "delivered"
    if row.status != "sending":
        return "stale"
    row.claimed_until = None
    row.last_error = delivery.error
    if delivery.ok:
        row.status, row.finished_at = "delivered", now
        return "delivered"
    if delivery.retryable and row.attempts < MAX_ATTEMPTS:
        pause = BACKOFF_SECONDS[min(row.attempts - 1, len(BACKOFF_SECONDS) - 1)]
        row.status, row.due_at = "pending", now + timedelta(seconds=pause)
        wakeup.after_commit(session)
        return "retrying"
    row.status, row.finished_at = "failed", now
    return "failed"


def next_due_at(db: Database) -> datetime | None:
    """When a message can next be claimed: a pending one when due and unleased, one being
    sent when its lease ends (its worker may have died)."""
    ready = case(
        (OutboxMessage.status == "sending", OutboxMessage.claimed_until),
        (OutboxMessage.claimed_until > OutboxMessage.due_at, OutboxMessage.claimed_until),
        else_=OutboxMessage.due_at,
    )
    with db.reading() as session:
        due: datetime | None = session.scalar(
            select(func.min(ready)).where(OutboxMessage.status.in_(("pending", "sending")))
        )
        return due
