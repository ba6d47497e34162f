"""Schedule, cancel and claim timers.

Claiming marks rows with a lease (``claimed_until``): a worker that dies mid-way leaves its
rows to be claimed again when the lease ends. On PostgreSQL several workers claim with
``FOR UPDATE SKIP LOCKED`` and never get the same row; on SQLite writers are serialized.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from tocsin import clock, wakeup
from tocsin.db import Database, insert_once
from tocsin.timers.tables import Timer


@dataclass(frozen=True)
class DueTimer:
    id: int
    key: str
    kind: str
    due_at: datetime
    fence: int
    payload: dict[str, Any]


def schedule_in(
    session: Session,
    *,
    key: str,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any],
    group: str,
    fence: int = 0,
) -> None:
    """Schedule once per key: scheduling the same key again is a no-op."""
    values = {
        "key": key,
        "kind": kind,
        "due_at": due_at,
        "fence": fence,
        "payload": payload,
        "group": group,
        "status": "pending",
        "attempts": 0,
        "created_at": clock.now(),
    }
    insert_once(session, Timer, values, "key")
    wakeup.after_commit(session)


def cancel_group_in(session: Session, *, group: str) -> int:
    result = session.execute(
        update(Timer)
        .where(Timer.group == group, Timer.status == "pending")
        .values(status="cancelled", finished_at=clock.now())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def claim_due(db: Database, *, worker: str, lease: timedelta, limit: int) -> list[DueTimer]:
    now = clock.now()
    query = (
        select(Timer)
        .where(
            Timer.status == "pending",
            Timer.due_at <= now,
            or_(Timer.claimed_until.is_(None), Timer.claimed_until < now),
        )
        .order_by(Timer.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with db.transaction() as session:
        rows = list(session.scalars(query))
        for row in rows:
            row.claimed_by = worker
            row.claimed_until = now + lease
            row.attempts += 1
        return [DueTimer(r.id, r.key, r.kind, r.due_at, r.fence, dict(r.payload)) for r in rows]


def finish_in(session: Session, *, timer_id: int, fired_at: datetime) -> None:
    session.execute(
        update(Timer)
        .where(Timer.id == timer_id)
        .values(status="done", finished_at=clock.now(), fired_at=fired_at)
    )


def next_due_at(db: Database) -> datetime | None:
    """When a pending timer can next be claimed (a claimed one: when its lease ends)."""
    ready = case((Timer.claimed_until > Timer.due_at, Timer.claimed_until), else_=Timer.due_at)
    with db.reading() as session:
        due: datetime | None = session.scalar(
            select(func.min(ready)).where(Timer.status == "pending")
        )
        return due
