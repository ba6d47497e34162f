"""Subscriber mail goes by the batch: one SMTP connection, one recording transaction, and the
guarantees of one message (each address once, a bounce counted on its subscriber only, no
message sent by a worker that no longer holds it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

from tests.builders import unique
from tests.conftest import Api, TestClock
from tests.peers import Mail, SmtpServer
from tests.statuspage.subscribers.steps import mails_to, new_page, publish, subscribed, subscribers
from tocsin.notify.batches import claim_batches
from tocsin.notify.channels.base import ChannelSession, Delivery, Message, Target
from tocsin.notify.channels.email import EmailChannel
from tocsin.notify.channels.registry import build_channels
from tocsin.statuspage.subscribers.delivery import GROUP
from tocsin.worker.loop import Worker


def updates_to(smtp: SmtpServer, address: str) -> list[Mail]:
    """The mails to ``address`` after its confirmation."""
    return mails_to(smtp, address)[1:]


def test_a_batch_reaches_each_address_once_over_one_connection_and_a_bounce_counts_alone(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    addresses = [subscribed(api, worker, smtp_server, page["id"]) for _ in range(6)]
    gone = addresses[2]
    smtp_server.mailbox.refused.add(gone)  # 550 at RCPT, in the middle of the batch
    publish(api, page["id"])
    worker.run_until_idle()

    delivered = [m for a in addresses if a != gone for m in updates_to(smtp_server, a)]
    assert sorted(m.rcpt_tos[0] for m in delivered) == sorted(a for a in addresses if a != gone)
    assert len({m.peer for m in delivered}) == 1  # one SMTP connection for the whole batch
    assert updates_to(smtp_server, gone) == []
    rows = {s["address"]: s for s in subscribers(api, page["id"])}
    assert rows[gone]["failures"] == 1 and "550" in rows[gone]["last_error"]
    for address in addresses:
        if address != gone:
            assert rows[address]["failures"] == 0, rows[address]
            assert rows[address]["last_delivered_at"] is not None


class Stalling:
    """The mail channel of a worker that stalls (its leases run out) after ``after`` mails."""

    kind = "email"

    def __init__(self, channel: EmailChannel, after: int, stall: Callable[[], None]) -> None:
        self.channel, self.after, self.stall = channel, after, stall
        self.sent: list[str] = []

    def send(self, target: Target, message: Message) -> Delivery:
        return self.channel.send(target, message)

    @contextmanager
    def session(self) -> Iterator[ChannelSession]:
        with self.channel.session() as inner:
            yield self._Counting(self, inner)

    class _Counting:
        def __init__(self, outer: Stalling, inner: ChannelSession) -> None:
            self.outer, self.inner = outer, inner

        def send(self, target: Target, message: Message) -> Delivery:
            self.outer.sent.append(target.address)
            delivery = self.inner.send(target, message)
            if len(self.outer.sent) == self.outer.after:
                self.outer.stall()  # between two mails of the batch
            return delivery


def test_a_worker_stalled_mid_batch_does_not_send_what_another_took_over(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    page = new_page(api)
    addresses = [subscribed(api, worker, smtp_server, page["id"]) for _ in range(4)]
    publish(api, page["id"])
    tocsin = replace(api.tocsin, settings=worker.settings)
    other = Worker(tocsin, name=unique("other"))

    def stall() -> None:  # the first worker's leases run out; the other takes the batch over
        clock.advance(worker.lease + timedelta(seconds=1))
        other.run_until_idle()

    email = build_channels(worker.settings)["email"]
    assert isinstance(email, EmailChannel)
    stalling = Stalling(email, after=2, stall=stall)
    first = Worker(tocsin, name=unique("first"), channels={"email": stalling})
    try:
        (batch,) = claim_batches(
            api.db, worker=first.name, lease=first.lease, threads=1, batching=first.batching
        )
        assert len(batch) == 4 and all(c.group.startswith(GROUP) for c in batch)
        first._deliver_batch(batch, api.tocsin.outbox_routes[GROUP])
    finally:
        first.pool.shutdown(wait=True)
        other.pool.shutdown(wait=True)

    assert len(stalling.sent) == 2  # then it found its leases gone and stopped
    for address in addresses:
        received = updates_to(smtp_server, address)
        if address in stalling.sent:  # sent, not recorded: sent again, with the same key
            assert len(received) == 2
            assert received[0].message["Message-ID"] == received[1].message["Message-ID"]
        else:
            assert len(received) == 1  # the other worker's alone
    assert all(s["last_delivered_at"] is not None for s in subscribers(api, page["id"]))
