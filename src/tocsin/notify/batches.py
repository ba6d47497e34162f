"""Claiming and confirming outbox messages many at a time (status page subscriber mail).

A worker claims one message per free delivery thread; a message of a kind sent in batches
(``Batching``) brings up to ``size - 1`` more of its kind into the same claim, so that one
thread sends them over one connection and records them in one transaction. The guarantees
are those of one message (``tocsin.notify.service``): every message of a batch is leased,
``hold_all`` confirms the leases before sending and the sender confirms them again whenever
less than half a lease is known to be left, so a message whose lease ran out (another worker
may have it now) is never sent by its first worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update

from tocsin import clock
from tocsin.db import Database
from tocsin.notify.service import ClaimedMessage, take_due_in
from tocsin.notify.tables import OutboxMessage


@dataclass(frozen=True)
class Batching:
    """Messages whose group starts with ``prefix:`` and whose kind is one of ``kinds`` are
    claimed and sent up to ``size`` at a time."""

    prefix: str
    kinds: frozenset[str]
    size: int

    def takes(self, claimed: ClaimedMessage) -> bool:
        return claimed.group.split(":", 1)[0] == self.prefix and claimed.kind in self.kinds

    def condition(self) -> ColumnElement[bool]:
        return OutboxMessage.group.startswith(
            f"{self.prefix}:", autoescape=True
        ) & OutboxMessage.kind.in_(sorted(self.kinds))


def claim_batches(
    db: Database,
    *,
    worker: str,
    lease: timedelta,
    threads: int,
    batching: Sequence[Batching] = (),
) -> list[list[ClaimedMessage]]:
    """Claim the work of ``threads`` delivery threads: the ``threads`` messages due first,
    each on its own, except that each one ``batching`` takes is joined by up to ``size - 1``
    more due messages of its kind. Returns one list per thread."""
    with db.transaction() as session:
        first = take_due_in(session, worker=worker, lease=lease, limit=threads)
        work = [[c] for c in first if not any(rule.takes(c) for rule in batching)]
        for rule in batching:
            mine = [c for c in first if rule.takes(c)]
            if not mine:
                continue
            more = rule.size * len(mine) - len(mine)
            if more > 0:
                mine += take_due_in(
                    session, worker=worker, lease=lease, limit=more, only=rule.condition()
                )
            work += [mine[i : i + rule.size] for i in range(0, len(mine), rule.size)]
        return work


@dataclass(frozen=True)
class Held:
    """The messages of a batch whose leases this worker holds, and until when at least."""

    ids: frozenset[int]
    until: datetime

    def confirmed_for(self, lease: timedelta) -> bool:
        """Is more than half a lease left, as ``service.hold`` requires before a send?"""
        return self.until - clock.now() > lease / 2


def hold_all(
    db: Database, *, claimed: Sequence[ClaimedMessage], worker: str, lease: timedelta
) -> Held:
    """``service.hold`` for many: which of ``claimed`` this worker still holds (same worker,
    same attempt, still being sent), with more than half a lease left. One read; the leases
    with less left are extended in one write transaction."""
    now = clock.now()
    attempt = {c.id: c.attempt for c in claimed}
    with db.reading() as session:
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.claimed_until).where(
                OutboxMessage.id.in_(list(attempt)),
                OutboxMessage.claimed_by == worker,
                OutboxMessage.status == "sending",
            )
        ).all()
    ours = {
        r.id: r.claimed_until
        for r in rows
        if r.attempts == attempt[r.id] and r.claimed_until is not None
    }
    ends = {i: until for i, until in ours.items() if until - now > lease / 2}
    short = [i for i, until in ours.items() if i not in ends and until > now]
    if short:
        ends.update(_extend(db, short, attempt, worker=worker, now=now, lease=lease))
    return Held(frozenset(ends), min(ends.values(), default=now))


def _extend(
    db: Database,
    ids: list[int],
    attempt: dict[int, int],
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
) -> dict[int, datetime]:
    """Extend the leases of ``ids`` still held by ``worker`` on the same attempt."""
    with db.transaction() as session:
        locked = session.execute(
            select(OutboxMessage.id, OutboxMessage.attempts)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.claimed_by == worker,
                OutboxMessage.status == "sending",
                OutboxMessage.claimed_until > now,
            )
            .with_for_update()
        ).all()
        kept = [r.id for r in locked if r.attempts == attempt[r.id]]
        if kept:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(kept))
                .values(claimed_until=now + lease)
            )
        return dict.fromkeys(kept, now + lease)
