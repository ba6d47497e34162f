"""Delivering a batch of outbox messages on one delivery thread (status page subscriber mail).

The batch was claimed at once (``notify.batches.claim_batches``). Its thread confirms the
leases of all of it in one read (``hold_all``) and sends only what it still holds, over one
connection per channel (``Sessions``: one SMTP session, a mail transaction per message). It
confirms again whenever less than half a lease is known to be left, as ``notify.service.hold``
does before each single send, so a message another worker has taken over is not sent. Then it
records every attempt in one transaction (``record_all_in``, the route's ``after_delivery_in``
for each). A worker that dies after sending and before recording has its batch sent again
when the leases end, with the same idempotency keys, as for one message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from datetime import timedelta

from tocsin.assembly import OutboxRoute
from tocsin.db import Database
from tocsin.notify import batches
from tocsin.notify import service as notify_service
from tocsin.notify.channels.base import Channel, ChannelSession, Delivery, Message, Sessions, Target
from tocsin.notify.service import ClaimedMessage

log = logging.getLogger("tocsin.worker")
Attempt = tuple[ClaimedMessage, Delivery, int]


class _Senders:
    """The channels of a batch, each opened once (a session) at its first message."""

    def __init__(self, channels: Mapping[str, Channel], stack: ExitStack) -> None:
        self.channels, self.stack = channels, stack
        self.sessions: dict[str, ChannelSession] = {}

    def send(self, target: Target, message: Message) -> Delivery:
        channel = self.channels.get(target.kind)
        if channel is None:
            return Delivery(ok=False, error=f"no channel for kind {target.kind!r}")
        try:
            if not isinstance(channel, Sessions):
                return channel.send(target, message)
            if target.kind not in self.sessions:
                self.sessions[target.kind] = self.stack.enter_context(channel.session())
            return self.sessions[target.kind].send(target, message)
        except Exception as exc:  # a channel bug must not lose the message: retry it
            log.exception("channel %s raised", target.kind)
            return Delivery(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}")


def deliver_batch(
    db: Database,
    *,
    worker: str,
    lease: timedelta,
    route: OutboxRoute,
    channels: Mapping[str, Channel],
    claimed: Sequence[ClaimedMessage],
) -> None:
    """Send what of ``claimed`` this worker still holds, then record it all at once."""
    assert route.prepare is not None  # a route with batching prepares its batches
    try:
        held = batches.hold_all(db, claimed=claimed, worker=worker, lease=lease)
        todo = [c for c in claimed if c.id in held.ids]
        prepared = route.prepare(todo) if todo else []
    except Exception:
        log.exception("could not confirm or prepare a batch of %d; not sent now", len(claimed))
        return
    if len(todo) < len(claimed):
        log.info(
            "%d of a batch of %d: lease lost or cancelled; not sent",
            len(claimed) - len(todo),
            len(claimed),
        )
    attempts = _send_held(
        db, worker=worker, lease=lease, held=held, todo=todo, prepared=prepared, channels=channels
    )
    if attempts:
        _record(db, worker=worker, route=route, attempts=attempts)


def _send_held(
    db: Database,
    *,
    worker: str,
    lease: timedelta,
    held: batches.Held,
    todo: list[ClaimedMessage],
    prepared: list[tuple[Target, Message] | Delivery],
    channels: Mapping[str, Channel],
) -> list[Attempt]:
    attempts: list[Attempt] = []
    with ExitStack() as stack:
        senders = _Senders(channels, stack)
        for index, (claimed, ready) in enumerate(zip(todo, prepared, strict=True)):
            if isinstance(ready, Delivery):  # nothing to send (the subscriber has left)
                attempts.append((claimed, ready, 0))
                continue
            if not held.confirmed_for(lease):
                rest = [c for c in todo[index:] if c.id in held.ids]
                if not rest:
                    break
                try:
                    held = batches.hold_all(db, claimed=rest, worker=worker, lease=lease)
                except Exception:
                    log.exception("could not confirm the leases of a batch; the rest not sent")
                    break
            if claimed.id not in held.ids:
                log.info("outbox %s: lease lost or cancelled before sending; not sent", claimed.id)
                continue
            started = time.perf_counter()
            delivery = senders.send(*ready)
            attempts.append((claimed, delivery, int((time.perf_counter() - started) * 1000)))
    return attempts


def _record(db: Database, *, worker: str, route: OutboxRoute, attempts: list[Attempt]) -> None:
    try:
        with db.transaction() as session:
            outcomes = notify_service.record_all_in(session, worker=worker, attempts=attempts)
            for (claimed, delivery, _), outcome in zip(attempts, outcomes, strict=True):
                route.after_delivery_in(session, claimed, outcome, delivery)
    except Exception:
        log.exception("recording a batch of %d failed; it is sent again later", len(attempts))
