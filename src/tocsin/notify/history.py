"""What the outbox shows of its messages: each one's status and delivery attempts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin.db import Database
from tocsin.notify.schemas import AttemptOut, NotificationOut
from tocsin.notify.tables import DeliveryAttempt, OutboxMessage


def history(db: Database, *, incident_id: int) -> list[NotificationOut]:
    with db.reading() as session:
        query = select(OutboxMessage).where(OutboxMessage.incident_id == incident_id)
        return _history_in(session, list(session.scalars(query.order_by(OutboxMessage.id))))


def group_history(db: Database, *, group: str, limit: int = 20) -> list[NotificationOut]:
    """The latest ``limit`` messages of a group (a person's test pages), oldest first."""
    with db.reading() as session:
        query = select(OutboxMessage).where(OutboxMessage.group == group)
        rows = list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))
        return _history_in(session, rows[::-1])


def _history_in(session: Session, rows: list[OutboxMessage]) -> list[NotificationOut]:
    ids = [row.id for row in rows]
    attempts: dict[int, list[AttemptOut]] = {i: [] for i in ids}
    for attempt in session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.outbox_id.in_(ids))
        .order_by(DeliveryAttempt.id)
    ):
        attempts[attempt.outbox_id].append(AttemptOut.model_validate(attempt))
    return [
        NotificationOut(
            id=row.id,
            key=row.key,
            person_id=row.person_id,
            contact_method_id=row.contact_method_id,
            kind=row.kind,
            target=row.target_label,
            subject=str(row.message.get("subject", "")),
            status=row.status,
            due_at=row.due_at,
            created_at=row.created_at,
            finished_at=row.finished_at,
            last_error=row.last_error,
            attempts=attempts[row.id],
        )
        for row in rows
    ]
