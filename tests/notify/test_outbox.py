"""The outbox: cancellation wins over a retry, and moving on brings one message forward."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.conftest import Api
from tocsin import clock
from tocsin.notify import service
from tocsin.notify.channels.base import Delivery, Message


def enqueue(api: Api, key: str, group: str, minutes: float = 0) -> None:
    with api.db.transaction() as session:
        service.enqueue_in(
            session,
            key=key,
            group=group,
            kind="email",
            target_label="test",
            message=Message(idempotency_key=key, subject="s", text="t"),
            due_at=clock.now() + timedelta(minutes=minutes),
        )


def test_an_acknowledged_page_in_flight_is_not_retried(api: Api) -> None:
    group = f"escalation:{uuid.uuid4().hex}"
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
    group = f"escalation:{uuid.uuid4().hex}"
    prefix = f"page:{group}:"
    enqueue(api, prefix + "sms", group, minutes=5)
    enqueue(api, prefix + "phone", group, minutes=15)
    with api.db.transaction() as session:
        assert service.bring_forward_in(session, key_prefix=prefix) == 1
    due = service.claim_due(api.db, worker="w3", lease=timedelta(seconds=30), limit=500)
    assert [c.key for c in due if c.group == group] == [prefix + "sms"]
