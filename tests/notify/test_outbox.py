"""The outbox: cancellation wins over a retry, moving on brings one message forward, and a
message is sent only under a live lease."""

from __future__ import annotations

from datetime import timedelta

from tests.builders import unique
from tests.conftest import Api, TestClock
from tocsin.clock import now
from tocsin.notify import service
from tocsin.notify.channels.base import Delivery, Message
from tocsin.notify.service import ClaimedMessage

LEASE = timedelta(seconds=30)


def enqueue(api: Api, key: str, group: str, minutes: float = 0) -> None:
    with api.db.transaction() as session:
        service.enqueue_in(
            session,
            key=key,
            group=group,
            kind="email",
            target_label="test",
            message=Message(idempotency_key=key, subject="s", text="t"),
            due_at=now() + timedelta(minutes=minutes),
        )


def test_an_acknowledged_page_in_flight_is_not_retried(api: Api) -> None:
    group = unique("escalation")
    enqueue(api, f"{group}:1", group)
    [claimed] = [
        c
        for c in service.claim_due(api.db, worker="w1", lease=timedelta(seconds=30), limit=500)
        if c.group == group
    ]
    with api.db.transaction() as session:
        assert service.cancel_group_in(session, group=group) == 1  # acknowledged meanwhile
    failure = Delivery(ok=False, retryable=True, error="connection refused")
    with api.db.transaction() as session:
        outcome = service.record_in(
            session, claimed=claimed, worker="w1", delivery=failure, duration_ms=1
        )
    assert outcome == "stale"
    later = service.claim_due(api.db, worker="w2", lease=timedelta(seconds=30), limit=500)
    assert all(c.group != group for c in later)


def test_moving_on_brings_only_the_next_contact_forward(api: Api) -> None:
    group = unique("escalation")
    prefix = f"page:{group}:"
    enqueue(api, prefix + "sms", group, minutes=5)
    enqueue(api, prefix + "phone", group, minutes=15)
    with api.db.transaction() as session:
        assert service.bring_forward_in(session, key_prefix=prefix) == 1
    due = service.claim_due(api.db, worker="w3", lease=timedelta(seconds=30), limit=500)
    assert [c.key for c in due if c.group == group] == [prefix + "sms"]


def claim(api: Api, worker: str, group: str) -> list[ClaimedMessage]:
    claimed = service.claim_due(api.db, worker=worker, lease=LEASE, limit=500)
    return [c for c in claimed if c.group == group]


def test_a_worker_whose_lease_ran_out_does_not_send(api: Api, clock: TestClock) -> None:
    group = unique("escalation")
    enqueue(api, f"{group}:1", group)
    [slow] = claim(api, "slow", group)
    clock.advance(LEASE + timedelta(seconds=1))  # it waited behind other work meanwhile
    [fast] = claim(api, "fast", group)
    assert not service.hold(api.db, claimed=slow, worker="slow", lease=LEASE)
    assert service.hold(api.db, claimed=fast, worker="fast", lease=LEASE)
    with api.db.transaction() as session:
        sent = Delivery(ok=True)
        late = service.record_in(session, claimed=slow, worker="slow", delivery=sent, duration_ms=1)
    assert late == "stale"


def test_a_claim_made_again_by_the_same_worker_replaces_the_first(
    api: Api, clock: TestClock
) -> None:
    group = unique("escalation")
    enqueue(api, f"{group}:1", group)
    [first] = claim(api, "w", group)
    clock.advance(LEASE + timedelta(seconds=1))
    [second] = claim(api, "w", group)
    assert not service.hold(api.db, claimed=first, worker="w", lease=LEASE)
    assert service.hold(api.db, claimed=second, worker="w", lease=LEASE)


def test_an_acknowledged_page_waiting_to_be_sent_is_not_sent(api: Api) -> None:
    group = unique("escalation")
    enqueue(api, f"{group}:1", group)
    [claimed] = claim(api, "w1", group)
    with api.db.transaction() as session:
        service.cancel_group_in(session, group=group)
    assert not service.hold(api.db, claimed=claimed, worker="w1", lease=LEASE)


def test_a_renewed_lease_is_not_taken_over_and_a_lapsed_one_is_not_revived(
    api: Api, clock: TestClock
) -> None:
    group = unique("escalation")
    enqueue(api, f"{group}:1", group)
    [held] = claim(api, "busy", group)
    clock.advance(LEASE * 2 / 3)
    assert service.renew(api.db, worker="busy", ids=[held.id], lease=LEASE) == 1
    assert service.renew(api.db, worker="other", ids=[held.id], lease=LEASE) == 0
    clock.advance(LEASE * 2 / 3)  # past the first lease, within the renewed one
    assert claim(api, "other", group) == []
    assert service.hold(api.db, claimed=held, worker="busy", lease=LEASE)
    clock.advance(LEASE + timedelta(seconds=1))  # the worker stopped renewing: it died
    assert service.renew(api.db, worker="busy", ids=[held.id], lease=LEASE) == 0
    assert [c.id for c in claim(api, "other", group)] == [held.id]
