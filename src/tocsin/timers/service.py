"""Schedule, cancel and claim timers.

Claiming marks rows with a lease (``claimed_until``): a worker that dies mid-way leaves its
rows to be claimed again when the lease ends. On PostgreSQL several workers claim with
``FOR UPDATE SKIP LOCKED`` and never get the same row; on SQLite writers are serialized.
A live worker renews the leases of the timers it holds (``renew``), and a handler confirms,
in its own transaction, that the timer is still its own before doing anything (``hold_in``):
a timer whose lease ran out may have been claimed, and run, by another worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from tocsin import clock, wakeup
from tocsin.db import Database, insert_many_once, insert_once, renew_leases
from tocsin.timers.tables import Timer, timers_table


@dataclass(frozen=True)
class KindFilter:
    """Timers of the ``kinds`` given, or (``besides``) of every other kind."""

    kinds: frozenset[str]
    besides: bool = False

    def condition(self) -> ColumnElement[bool]:
        listed = Timer.kind.in_(sorted(self.kinds))
        return ~listed if self.besides else listed


@dataclass(frozen=True)
class DueTimer:
    id: int
    key: str
    kind: str
    due_at: datetime
    fence: int
    payload: dict[str, Any]
    worker: str  # who claimed it
    attempt: int  # the claim: a later claim of the same timer has a higher number


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


@dataclass(frozen=True)
class Scheduled:
    """One timer of :func:`schedule_many_in`, with :func:`schedule_in`'s arguments."""

    key: str
    kind: str
    due_at: datetime
    payload: dict[str, Any]
    group: str
    fence: int = 0


def schedule_many_in(session: Session, timers: Sequence[Scheduled]) -> None:
    """:func:`schedule_in` for many timers in one statement (each once per key)."""
    if not timers:
        return
    now = clock.now()
    rows = [
        {
            "key": t.key,
            "kind": t.kind,
            "due_at": t.due_at,
            "fence": t.fence,
            "payload": t.payload,
            "group": t.group,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for t in timers
    ]
    insert_many_once(session, Timer, rows, "key")
    wakeup.after_commit(session)


def cancel_group_in(session: Session, *, group: str) -> int:
    return cancel_groups_in(session, groups=[group])


def cancel_groups_in(session: Session, *, groups: Sequence[str]) -> int:
    """:func:`cancel_group_in` for many groups in one statement."""
    if not groups:
        return 0
    result = session.execute(  # Core: the ORM's bulk update costs more than the statement
        update(timers_table)
        .where(timers_table.c.group.in_(list(groups)), timers_table.c.status == "pending")
        .values(status="cancelled", finished_at=clock.now())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def next_pending_in(session: Session, *, group: str) -> tuple[datetime, dict[str, Any]] | None:
    """The due time and payload of the group's next pending timer (what fires next), if any."""
    row = session.execute(
        select(Timer.due_at, Timer.payload)
        .where(Timer.group == group, Timer.status == "pending")
        .order_by(Timer.due_at, Timer.id)
        .limit(1)
    ).first()
    return (row[0], dict(row[1] or {})) if row else None


def claim_due(
    db: Database,
    *,
    worker: str,
    lease: timedelta,
    limit: int,
    kinds: KindFilter | None = None,
) -> list[DueTimer]:
    """Claim up to ``limit`` due timers, the longest due first (of ``kinds`` only, if given)."""
    now = clock.now()
    query = (
        select(Timer)
        .where(
            Timer.status == "pending",
            Timer.due_at <= now,
            or_(Timer.claimed_until.is_(None), Timer.claimed_until < now),
            *([kinds.condition()] if kinds else []),
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
        return [
            DueTimer(r.id, r.key, r.kind, r.due_at, r.fence, dict(r.payload), worker, r.attempts)
            for r in rows
        ]


def hold_in(session: Session, *, timer: DueTimer) -> bool:
    """Lock the timer and tell whether this claim of it is still the live one.

    A handler calls this in its transaction after taking its own locks and before changing
    anything, and does nothing when it is False: the lease ran out and another worker may
    have claimed the timer, or even run it already. Once True, the row stays locked until the
    handler's transaction ends, and that transaction marks the timer done.
    """
    return bool(hold_many_in(session, timers=[timer]))


def hold_many_in(session: Session, *, timers: Sequence[DueTimer]) -> list[DueTimer]:
    """:func:`hold_in` for many timers in one statement: the ones still held, in order."""
    if not timers:
        return []
    rows = session.scalars(
        select(Timer).where(Timer.id.in_([t.id for t in timers])).with_for_update()
    )
    now = clock.now()
    live = {
        row.id: (row.claimed_by, row.attempts)
        for row in rows
        if row.status == "pending" and row.claimed_until is not None and row.claimed_until > now
    }
    return [t for t in timers if live.get(t.id) == (t.worker, t.attempt)]


def renew(db: Database, *, worker: str, ids: list[int], lease: timedelta) -> int:
    """Extend the leases ``worker`` still holds on the timers ``ids`` it has yet to run."""
    now = clock.now()
    with db.transaction() as session:
        return renew_leases(
            session, Timer, ids=ids, worker=worker, status="pending", now=now, until=now + lease
        )


def finish_in(session: Session, *, timer_id: int, fired_at: datetime) -> None:
    finish_many_in(session, timer_ids=[timer_id], fired_at=fired_at)


def finish_many_in(session: Session, *, timer_ids: Sequence[int], fired_at: datetime) -> None:
    if not timer_ids:
        return
    session.execute(
        update(Timer)
        .where(Timer.id.in_(list(timer_ids)))
        .values(status="done", finished_at=clock.now(), fired_at=fired_at)
    )


def next_due_at(db: Database, kinds: KindFilter | None = None) -> datetime | None:
    """When a pending timer (of ``kinds``, if given) can next be claimed: its due time, or
    for one claimed past it, when the lease ends.

    Two reads along indexes, each stopping at its first row, rather than one over every
    pending timer (a storm leaves thousands, most due later).
    """
    only = [kinds.condition()] if kinds else []
    # never claimed, or claimed last time only until before it fell due again
    ready_when_due = or_(Timer.claimed_until.is_(None), Timer.claimed_until <= Timer.due_at)
    with db.reading() as session:
        due = session.scalar(
            select(Timer.due_at)
            .where(Timer.status == "pending", ready_when_due, *only)
            .order_by(Timer.due_at)
            .limit(1)
        )
        lease_ends = session.scalar(
            select(Timer.claimed_until)
            .where(
                Timer.status == "pending",
                Timer.claimed_until.is_not(None),  # the index's range: NULLs sort first
                Timer.claimed_until > Timer.due_at,
                *only,
            )
            .order_by(Timer.claimed_until)
            .limit(1)
        )
    return min((t for t in (due, lease_ends) if t is not None), default=None)
