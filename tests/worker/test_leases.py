"""A worker claims only what it can start now and keeps alive the leases of what it holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from tests.builders import unique
from tests.conftest import Api, TestClock
from tests.notify.test_outbox import enqueue
from tocsin.notify import service as notify_service
from tocsin.notify.tables import OutboxMessage
from tocsin.timers import service as timers_service
from tocsin.worker.leases import LeaseKeeper
from tocsin.worker.loop import Worker

LEASE = timedelta(seconds=30)
YEAR_IN_MINUTES = 365 * 24 * 60


def test_a_worker_claims_no_more_messages_than_it_has_delivery_threads(api: Api) -> None:
    group = unique("escalation")
    for n in range(5):  # due a year ago: before any other test's message in the database
        enqueue(api, f"{group}:{n}", group, minutes=-YEAR_IN_MINUTES)
    settings = api.settings.model_copy(update={"worker_concurrency": 2})
    worker = Worker(replace(api.tocsin, settings=settings), name=unique("threads"), channels={})
    try:
        worker.run_once()
    finally:
        worker.pool.shutdown(wait=True)
    with api.db.reading() as session:
        claimed = session.scalars(
            select(OutboxMessage.group).where(OutboxMessage.claimed_by == worker.name)
        )
        assert list(claimed) == [group, group]


def test_the_keeper_renews_what_is_held_and_lets_go_of_what_is_done(
    api: Api, clock: TestClock
) -> None:
    group = unique("escalation")
    name = unique("keeper")
    keeper = LeaseKeeper(api.db, worker=name, lease=LEASE)
    enqueue(api, f"{group}:1", group)
    with api.db.transaction() as session:
        timers_service.schedule_in(
            session,
            key=f"{group}:timer",
            kind="test",
            due_at=clock.now(),
            payload={},
            group=group,
        )
    messages = notify_service.claim_due(api.db, worker=name, lease=LEASE, limit=500)
    timers = timers_service.claim_due(api.db, worker=name, lease=LEASE, limit=500)
    [message] = [m for m in messages if m.group == group]
    [timer] = [t for t in timers if t.key == f"{group}:timer"]
    keeper.messages.add([message.id])
    keeper.timers.add([timer.id])
    for _ in range(3):  # three leases long, renewed every third of a lease
        clock.advance(LEASE / 3)
        assert keeper.renew() == 2
    assert notify_service.hold(api.db, claimed=message, worker=name, lease=LEASE)
    with api.db.transaction() as session:
        assert timers_service.hold_in(session, timer=timer)
    keeper.messages.discard([message.id])
    keeper.timers.discard([timer.id])
    assert keeper.messages.ids() == keeper.timers.ids() == []
    clock.advance(LEASE + timedelta(seconds=1))
    others = notify_service.claim_due(api.db, worker="other", lease=LEASE, limit=500)
    assert message.id in [m.id for m in others]
    others_timers = timers_service.claim_due(api.db, worker="other", lease=LEASE, limit=500)
    assert timer.id in [t.id for t in others_timers]
    with api.db.transaction() as session:  # leave nothing due behind for other tests
        timers_service.cancel_group_in(session, group=group)
        notify_service.cancel_group_in(session, group=group)
