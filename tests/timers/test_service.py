"""Durable timers, on both databases: scheduled once per key, claimed under a lease by one
worker at a time, run only while that claim is still the live one, then done or cancelled.

Each test freezes the clock in 2001, long before any timer another test scheduled, so a
claim here takes only this test's timers; what it leaves pending is cancelled afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.builders import unique
from tests.conftest import Api, TestClock
from tocsin.db import Database
from tocsin.timers import service
from tocsin.timers.service import DueTimer
from tocsin.timers.tables import Timer

LONG_AGO = datetime(2001, 1, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
MINUTE = timedelta(minutes=1)


@dataclass
class Timers:
    """This test's timers: one group, keys ``<group>:<name>``, on the suite's database."""

    db: Database
    group: str

    def key(self, name: str) -> str:
        return f"{self.group}:{name}"

    def schedule(
        self, name: str, due_at: datetime, payload: dict[str, Any] | None = None, fence: int = 0
    ) -> str:
        with self.db.transaction() as session:
            service.schedule_in(
                session,
                key=self.key(name),
                kind="test",
                due_at=due_at,
                payload=payload or {"name": name},
                group=self.group,
                fence=fence,
            )
        return self.key(name)

    def claim(self, worker: str, limit: int = 100) -> list[DueTimer]:
        """What ``worker`` claims now, in the order the claim gave it."""
        return service.claim_due(self.db, worker=worker, lease=LEASE, limit=limit)

    def holds(self, timer: DueTimer) -> bool:
        with self.db.transaction() as session:
            return service.hold_in(session, timer=timer)

    def rows(self) -> dict[str, Timer]:
        with self.db.reading() as session:
            found = session.scalars(select(Timer).where(Timer.group == self.group))
            return {row.key.removeprefix(f"{self.group}:"): row for row in found}


@pytest.fixture
def timers(api: Api, clock: TestClock) -> Iterator[Timers]:
    clock.set(LONG_AGO)
    mine = Timers(api.db, unique("timers"))
    yield mine
    with api.db.transaction() as session:  # leave nothing due behind for other tests
        service.cancel_group_in(session, group=mine.group)


def names(claimed: list[DueTimer]) -> list[str]:
    return [timer.payload["name"] for timer in claimed]


def test_scheduling_a_key_again_changes_nothing(timers: Timers, clock: TestClock) -> None:
    timers.schedule("once", LONG_AGO + MINUTE, {"name": "once", "n": 1})
    timers.schedule("once", LONG_AGO + 5 * MINUTE, {"name": "once", "n": 2}, fence=3)
    with timers.db.transaction() as session:  # twice in one transaction too
        for _ in range(2):
            service.schedule_in(
                session,
                key=timers.key("once"),
                kind="other",
                due_at=LONG_AGO,
                payload={},
                group=timers.group,
            )
    [row] = timers.rows().values()
    assert (row.kind, row.due_at, row.payload, row.fence) == (
        "test",
        LONG_AGO + MINUTE,
        {"name": "once", "n": 1},
        0,
    )
    clock.advance(MINUTE)
    [timer] = timers.claim("w1")
    assert (timer.key, timer.payload, timer.due_at) == (timers.key("once"), row.payload, row.due_at)


def test_a_claim_takes_the_due_timers_oldest_first_with_what_was_scheduled(
    timers: Timers, clock: TestClock
) -> None:
    timers.schedule("second", LONG_AGO + 2 * MINUTE, fence=7)
    timers.schedule("first", LONG_AGO + MINUTE)
    timers.schedule("not-yet", LONG_AGO + 10 * MINUTE)
    assert timers.claim("w1") == []  # nothing is due at LONG_AGO
    clock.advance(5 * MINUTE)
    claimed = timers.claim("w1")
    assert names(claimed) == ["first", "second"]
    first, second = claimed
    assert (second.kind, second.fence, second.worker, second.attempt) == ("test", 7, "w1", 1)
    assert second.due_at == LONG_AGO + 2 * MINUTE
    assert first.fence == 0
    clock.advance(LEASE + timedelta(seconds=1))  # "not-yet" is still ahead: 10 minutes
    assert names(timers.claim("w2", limit=1)) == ["first"]  # the lease ran out; oldest first


def test_a_claimed_timer_is_not_claimed_again_until_its_lease_ends(
    timers: Timers, clock: TestClock
) -> None:
    timers.schedule("leased", LONG_AGO)
    [first] = timers.claim("w1")
    clock.advance(LEASE)  # the lease ends at this instant: still w1's
    assert timers.claim("w2") == []
    assert timers.rows()["leased"].claimed_until == LONG_AGO + LEASE
    clock.advance(timedelta(microseconds=1))
    [again] = timers.claim("w2")
    assert (again.id, again.worker, again.attempt) == (first.id, "w2", 2)
    assert timers.rows()["leased"].claimed_by == "w2"


def test_workers_claiming_at_once_never_take_the_same_timer(timers: Timers) -> None:
    for n in range(20):
        timers.schedule(f"t{n}", LONG_AGO - n * MINUTE)
    start = threading.Barrier(4)
    taken: list[list[DueTimer]] = [[] for _ in range(4)]

    def claim(worker: int) -> None:
        start.wait()
        taken[worker] = timers.claim(f"w{worker}", limit=5)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [timer.id for each in taken for timer in each]
    assert len(claimed) == len(set(claimed))  # nobody got a timer another one got
    rest = [timer.id for timer in timers.claim("sweeper")]
    assert sorted(claimed + rest) == sorted(row.id for row in timers.rows().values())
    assert all(timer.attempt == 1 for each in taken for timer in each)


def test_a_claim_skips_a_timer_another_transaction_has_locked(api: Api, timers: Timers) -> None:
    if api.backend == "sqlite":
        pytest.skip("SQLite has one writer at a time: a claim waits for it, nothing is skipped")
    timers.schedule("locked", LONG_AGO - MINUTE)
    timers.schedule("free", LONG_AGO)
    locked_id = timers.rows()["locked"].id
    claimed: list[DueTimer] = []
    with timers.db.transaction() as session:  # a handler holding its row, as hold_in does
        session.execute(select(Timer.id).where(Timer.id == locked_id).with_for_update())
        other = threading.Thread(target=lambda: claimed.extend(timers.claim("w2")))
        other.start()
        other.join(timeout=60)  # a bound on waiting: a claim that waited would still be there
        assert not other.is_alive(), "the claim waited for the locked timer"
    assert names(claimed) == ["free"]
    assert names(timers.claim("w3")) == ["locked"]  # once the lock is gone


def test_a_handler_holds_its_timer_only_while_its_claim_is_the_live_one(
    timers: Timers, clock: TestClock
) -> None:
    timers.schedule("slow", LONG_AGO)
    [first] = timers.claim("w1")
    assert timers.holds(first)
    clock.advance(LEASE + timedelta(seconds=1))
    assert not timers.holds(first)  # the lease ran out: another worker may have it now
    [second] = timers.claim("w2")
    assert not timers.holds(first)
    assert timers.holds(second)
    clock.advance(LEASE + timedelta(seconds=1))
    [third] = timers.claim("w2")  # the same worker claiming again is a new claim
    assert (third.worker, third.attempt) == ("w2", 3)
    assert not timers.holds(second)
    assert timers.holds(third)


def test_a_renewed_lease_keeps_the_timer_and_only_its_holder_renews_it(
    timers: Timers, clock: TestClock
) -> None:
    timers.schedule("long", LONG_AGO)
    [held] = timers.claim("w1")
    clock.advance(LEASE * 2 / 3)
    assert service.renew(timers.db, worker="w1", ids=[held.id], lease=LEASE) == 1
    assert service.renew(timers.db, worker="w2", ids=[held.id], lease=LEASE) == 0
    clock.advance(LEASE * 2 / 3)  # past the first lease, within the renewed one
    assert timers.claim("w2") == []
    assert timers.holds(held)
    clock.advance(LEASE + timedelta(seconds=1))  # w1 stopped renewing: it died
    assert service.renew(timers.db, worker="w1", ids=[held.id], lease=LEASE) == 0
    assert [t.id for t in timers.claim("w2")] == [held.id]


def test_a_finished_timer_is_done_and_never_claimed_again(timers: Timers, clock: TestClock) -> None:
    timers.schedule("fired", LONG_AGO)
    [timer] = timers.claim("w1")
    fired_at = LONG_AGO + timedelta(seconds=5)
    clock.advance(timedelta(seconds=10))
    with timers.db.transaction() as session:
        assert service.hold_in(session, timer=timer)
        service.finish_in(session, timer_id=timer.id, fired_at=fired_at)
    row = timers.rows()["fired"]
    assert (row.status, row.fired_at, row.finished_at) == ("done", fired_at, clock.now())
    assert not timers.holds(timer)
    clock.advance(LEASE * 2)
    assert timers.claim("w2") == []


def test_next_due_at_is_the_earliest_time_a_pending_timer_can_be_claimed(
    timers: Timers, clock: TestClock
) -> None:
    timers.schedule("later", LONG_AGO + 10 * MINUTE)
    timers.schedule("sooner", LONG_AGO + 3 * MINUTE)
    assert service.next_due_at(timers.db) == LONG_AGO + 3 * MINUTE
    clock.advance(5 * MINUTE)
    [sooner] = timers.claim("w1")
    assert service.next_due_at(timers.db) == clock.now() + LEASE  # when its lease ends
    with timers.db.transaction() as session:
        service.finish_in(session, timer_id=sooner.id, fired_at=clock.now())
    assert service.next_due_at(timers.db) == LONG_AGO + 10 * MINUTE
    with timers.db.transaction() as session:
        service.cancel_group_in(session, group=timers.group)
    after = service.next_due_at(timers.db)  # another test's timer, if any: all after 2001
    assert after is None or after > LONG_AGO + timedelta(days=1)


def test_cancelling_a_group_cancels_its_pending_timers_only(
    api: Api, timers: Timers, clock: TestClock
) -> None:
    other = Timers(api.db, unique("timers"))
    timers.schedule("pending", LONG_AGO + MINUTE)
    timers.schedule("in-flight", LONG_AGO)
    timers.schedule("done", LONG_AGO)
    other.schedule("elsewhere", LONG_AGO + MINUTE)
    claimed = {timer.payload["name"]: timer for timer in timers.claim("w1")}
    with timers.db.transaction() as session:
        service.finish_in(session, timer_id=claimed["done"].id, fired_at=clock.now())
    with timers.db.transaction() as session:
        assert service.cancel_group_in(session, group=timers.group) == 2
    with timers.db.transaction() as session:
        assert service.cancel_group_in(session, group=timers.group) == 0  # nothing left
    statuses = {name: row.status for name, row in timers.rows().items()}
    assert statuses == {"pending": "cancelled", "in-flight": "cancelled", "done": "done"}
    assert all(row.finished_at == clock.now() for row in timers.rows().values())
    assert not timers.holds(claimed["in-flight"])  # its handler finds it cancelled: no-op
    clock.advance(5 * MINUTE)
    assert names(timers.claim("w2")) == ["elsewhere"]  # the other group's, still pending
    with api.db.transaction() as session:
        service.cancel_group_in(session, group=other.group)


def test_a_scheduled_timer_wakes_this_databases_worker_once_committed(timers: Timers) -> None:
    timers.db.wakeup.wait(0)  # clear
    with pytest.raises(RuntimeError), timers.db.transaction() as session:
        service.schedule_in(
            session,
            key=timers.key("dropped"),
            kind="test",
            due_at=LONG_AGO,
            payload={},
            group=timers.group,
        )
        raise RuntimeError("roll back")
    assert timers.db.wakeup.wait(0) is False
    assert timers.rows() == {}
    timers.schedule("kept", LONG_AGO)
    assert timers.db.wakeup.wait(0) is True


def test_a_kind_filter_claims_and_reports_only_those_kinds(
    timers: Timers, clock: TestClock
) -> None:
    with timers.db.transaction() as session:
        service.schedule_in(
            session,
            key=timers.key("other"),
            kind="other-kind",
            due_at=LONG_AGO + MINUTE,
            payload={"name": "other"},
            group=timers.group,
        )
    timers.schedule("test", LONG_AGO + 2 * MINUTE)
    besides = service.KindFilter(frozenset({"other-kind"}), besides=True)
    only = service.KindFilter(frozenset({"other-kind"}))
    assert service.next_due_at(timers.db, besides) == LONG_AGO + 2 * MINUTE
    assert service.next_due_at(timers.db, only) == LONG_AGO + MINUTE
    clock.advance(5 * MINUTE)
    for kinds, claimed in ((besides, ["test"]), (only, ["other"])):
        found = service.claim_due(timers.db, worker="w1", lease=LEASE, limit=10, kinds=kinds)
        assert names(found) == claimed
