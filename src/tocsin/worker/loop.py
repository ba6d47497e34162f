"""The worker loop.

Each pass claims due timers (run one by one, each in its own transaction) and due outbox
messages (sent on a thread pool, so one slow mail server cannot hold up escalations), then
sleeps until the next due time, at most a second, or until new work wakes it. A thread's work
is one message, or a batch of the messages an outbox route sends in batches (status page
subscriber mail: ``worker.batch``).

What a worker claims it leases, so it claims no more messages than it has free delivery
threads (a claimed message starts at once instead of outliving its lease in a queue), keeps
the leases of everything it holds alive while it works (``leases.LeaseKeeper``), and a
delivery thread confirms its lease just before sending. A message is sent twice only when a
worker dies, or loses the database, while sending it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from tocsin import clock, wakeup
from tocsin.access.acting import SYSTEM, Acting, acting_as
from tocsin.assembly import OutboxRoute, TimersHandler, Tocsin
from tocsin.db import Database
from tocsin.dbhealth import reason
from tocsin.errors import Unavailable
from tocsin.notify import service as notify_service
from tocsin.notify.batches import claim_batches
from tocsin.notify.channels.base import Channel, Delivery, Target
from tocsin.notify.channels.registry import build_channels
from tocsin.notify.service import ClaimedMessage
from tocsin.oncall import service as oncall_service
from tocsin.paging import service as paging_service
from tocsin.timers import service as timers_service
from tocsin.timers.service import DueTimer, KindFilter
from tocsin.worker.batch import deliver_batch
from tocsin.worker.leases import LeaseKeeper

log = logging.getLogger("tocsin.worker")
MAX_SLEEP = 1.0
TIMER_BATCH = 50
"""Timers of a batch-run kind per handler call (one write transaction)."""
BACKGROUND_PACE = 5.0
"""Seconds between batches of background timers while alerts arrive."""
BUSY_LOOK = 0.2
"""Seconds between passes woken by new work while alerts arrive."""


class Worker:
    """Runs the timers, periodic jobs and deliveries of an assembled Tocsin.

    Its timer handlers and periodic jobs are the assembly's (``tocsin.assembly``). A timer
    handler runs the timer in its own transaction and in it calls ``timers_service.hold_in``
    before changing anything (a timer whose lease ran out may be another worker's by now);
    periodic jobs are idempotent, since every worker runs them.
    """

    def __init__(
        self,
        tocsin: Tocsin,
        *,
        name: str | None = None,
        channels: dict[str, Channel] | None = None,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self.tocsin = tocsin
        self.db = tocsin.db
        self.settings = settings = tocsin.settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.lease = timedelta(seconds=settings.worker_lease_seconds)
        self.channels = channels if channels is not None else build_channels(settings)
        self.pool = ThreadPoolExecutor(settings.worker_concurrency, thread_name_prefix="deliver")
        self.in_flight: set[Future[None]] = set()
        # Claim only what a free delivery thread starts at once: what we claim we lease.
        self.capacity = settings.worker_concurrency
        # ... where a thread's work may be a batch (status page subscriber mail)
        self.batching = [
            r.batching for r in tocsin.outbox_routes.values() if r.batching and r.prepare
        ]
        self.leases = LeaseKeeper(self.db, worker=self.name, lease=self.lease)
        self.stopping = threading.Event()
        self.last_periodic: dict[str, float] = {}
        # Whether alerts are arriving in this process (its alert writer's ``busy``): the
        # background timers then take one batch a BACKGROUND_PACE, not the GIL the writer needs.
        self.busy = busy
        self.last_background = -BACKGROUND_PACE

    # ---------------------------------------------------------------- one pass

    def run_once(self) -> int:
        """Run what is due now; returns how many timers and messages were taken."""
        self._run_periodic()
        timers = self._claim_timers()
        with self.leases.timers.holding(t.id for t in timers):
            batched = self.tocsin.timer_batch_handlers
            for timer in timers:  # escalations and reminders first, in the order they fell due
                if timer.kind not in batched:
                    self._run_timer(timer)
            for kind, of_kind in _by_kind(timers).items():
                if kind in batched:
                    self._run_timers(kind, batched[kind], of_kind)
        done = len(timers)
        self.in_flight = {f for f in self.in_flight if not f.done()}
        free = self.capacity - len(self.in_flight)
        if free > 0 and self._messages_due():
            work = claim_batches(
                self.db, worker=self.name, lease=self.lease, threads=free, batching=self.batching
            )
            for claimed in work:
                self.leases.messages.add(c.id for c in claimed)
                route = self._batch_route(claimed[0])
                if route is None:
                    self.in_flight.add(self.pool.submit(self._deliver, claimed[0]))
                else:
                    self.in_flight.add(self.pool.submit(self._deliver_batch, claimed, route))
                done += len(claimed)
        return done

    def _messages_due(self) -> bool:
        """A read first, as for timers: claiming takes the write lock the alert writer needs."""
        return _due_now(notify_service.next_due_at(self.db))

    def _batch_route(self, claimed: ClaimedMessage) -> OutboxRoute | None:
        """The route of ``claimed`` if it is of a kind that route sends in batches."""
        route = self.tocsin.outbox_routes.get(claimed.group.split(":", 1)[0])
        if route is None or route.batching is None or not route.batching.takes(claimed):
            return None
        return route

    def _claim_timers(self) -> list[DueTimer]:
        """Claim due timers: while alerts arrive, the background ones (recurrence) at most a
        batch a :data:`BACKGROUND_PACE`, after the others."""
        urgent = self._urgent()
        if urgent is None:
            return self._claim(None, limit=200)
        claimed = self._claim(urgent, limit=200)
        if time.monotonic() - self.last_background >= BACKGROUND_PACE:
            self.last_background = time.monotonic()
            background = KindFilter(self.tocsin.background_timers)
            claimed += self._claim(background, limit=TIMER_BATCH)
        return claimed

    def _urgent(self) -> KindFilter | None:
        """The timers to run first and at once, while alerts arrive; None: all are."""
        background = self.tocsin.background_timers
        if not background or not self.busy():
            return None
        return KindFilter(background, besides=True)

    def _claim(self, kinds: KindFilter | None, *, limit: int) -> list[DueTimer]:
        """A read first, so a pass with none due takes no write lock (on SQLite the delivery
        threads' records queue for the same one)."""
        if not _due_now(timers_service.next_due_at(self.db, kinds)):
            return []
        return timers_service.claim_due(
            self.db, worker=self.name, lease=self.lease, limit=limit, kinds=kinds
        )

    def _run_periodic(self) -> None:
        now = time.monotonic()
        for name, job in self.tocsin.periodic.items():
            if now - self.last_periodic.get(name, -job.every) < job.every:
                continue
            self.last_periodic[name] = now
            try:
                with acting_as(Acting(actor=SYSTEM, via="worker", route=f"periodic {name}")):
                    found = job.run()
                if found:
                    log.info("%s: %d found", name, found)
            except Unavailable:
                pass  # the database is out: its health log says so once
            except Exception:
                log.exception("periodic check %s failed", name)

    def _run_timer(self, timer: DueTimer) -> None:
        handler = self.tocsin.timer_handlers.get(timer.kind)
        if handler is None:
            log.error("no handler for timer kind %s (timer %s)", timer.kind, timer.id)
            return
        try:
            # what a timer changes (a maintenance's silences) is the system's, in the log
            with acting_as(Acting(actor=SYSTEM, via="worker", route=f"timer {timer.kind}")):
                handler(timer)
        except Unavailable:
            pass  # the database is out (its health log says so once): it runs again later
        except Exception:
            log.exception(
                "timer %s (%s) failed; it runs again when its lease ends", timer.id, timer.kind
            )

    def _run_timers(self, kind: str, handler: TimersHandler, timers: list[DueTimer]) -> None:
        for start in range(0, len(timers), TIMER_BATCH):
            chunk = timers[start : start + TIMER_BATCH]
            try:
                with acting_as(Acting(actor=SYSTEM, via="worker", route=f"timer {kind}")):
                    handler(chunk)
            except Unavailable:
                pass  # as for one timer: the database is out, the timers run again later
            except Exception:
                log.exception(
                    "%d %s timers failed; they run again when their leases end", len(chunk), kind
                )

    def _deliver(self, claimed: ClaimedMessage) -> None:
        try:
            self._deliver_held(claimed)
        finally:
            self.leases.messages.discard([claimed.id])

    def _deliver_batch(self, claimed: list[ClaimedMessage], route: OutboxRoute) -> None:
        try:
            deliver_batch(
                self.db,
                worker=self.name,
                lease=self.lease,
                route=route,
                channels=self.channels,
                claimed=claimed,
            )
        finally:
            self.leases.messages.discard(c.id for c in claimed)

    def _deliver_held(self, claimed: ClaimedMessage) -> None:
        try:
            held = notify_service.hold(self.db, claimed=claimed, worker=self.name, lease=self.lease)
        except Exception:
            log.exception("could not confirm the lease of outbox %s; not sent now", claimed.id)
            return
        if not held:
            log.info("outbox %s: lease lost or page cancelled before sending; not sent", claimed.id)
            return
        route = self.tocsin.outbox_routes.get(claimed.group.split(":", 1)[0])
        started = time.perf_counter()
        try:
            delivery = route.send(claimed, self.channels) if route else self._send(claimed)
        except Exception as exc:  # a channel bug must not lose the page: retry it
            log.exception("channel %s raised", claimed.kind)
            delivery = Delivery(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}")
        elapsed = int((time.perf_counter() - started) * 1000)
        try:
            with self.db.transaction() as session:
                outcome = notify_service.record_in(
                    session,
                    claimed=claimed,
                    worker=self.name,
                    delivery=delivery,
                    duration_ms=elapsed,
                )
                if route is not None:
                    route.after_delivery_in(session, claimed, outcome, delivery)
                else:
                    paging_service.after_delivery_in(session, claimed=claimed, outcome=outcome)
        except Exception:
            log.exception(
                "recording delivery of outbox %s failed; it is sent again later", claimed.id
            )

    def _send(self, claimed: ClaimedMessage) -> Delivery:
        channel = self.channels.get(claimed.kind)
        if channel is None:
            return Delivery(ok=False, error=f"no channel for kind {claimed.kind!r}")
        if claimed.contact_method_id is None:
            if claimed.message.to:  # an address outside the directory
                return channel.send(
                    Target(kind=claimed.kind, address=claimed.message.to), claimed.message
                )
            return Delivery(ok=False, error="message has no contact method")
        with self.db.reading() as session:
            target = oncall_service.delivery_target_in(
                session, contact_method_id=claimed.contact_method_id, box=self.settings.secret_box
            )
        if target is None:
            return Delivery(ok=False, error="the contact method was deleted")
        return channel.send(target, claimed.message)

    def run_until_idle(self, timeout: float = 120.0, *, limit: float = 1800.0) -> None:
        """Run passes until nothing is due and nothing is in flight (tests, benchmarks).

        ``timeout`` is how long the worker may go without finishing a pass that took work:
        on a loaded machine with much due work (a test that moves the clock years ahead makes
        every timer of a shared database due) it is slow, not stuck. ``limit`` bounds it all.
        """
        start = time.monotonic()
        deadline = start + timeout
        while time.monotonic() < min(deadline, start + limit):
            took = self.run_once()
            for future in list(self.in_flight):
                future.result(timeout=max(0.0, deadline - time.monotonic()))
            if not took and not self.in_flight:
                return
            if took:
                deadline = time.monotonic() + timeout
        raise TimeoutError("the worker still had work after the timeout")

    # ---------------------------------------------------------------- forever

    def seconds_until_next(self) -> float:
        timers = timers_service.next_due_at(self.db, self._urgent())
        due = [timers, notify_service.next_due_at(self.db)]
        soonest = min((d for d in due if d is not None), default=None)
        if soonest is None:
            return MAX_SLEEP
        return max(0.0, min(MAX_SLEEP, (soonest - clock.now()).total_seconds()))

    def run_forever(self) -> None:
        log.info("worker %s started", self.name)
        listener = start_postgres_listener(self.db, self.stopping)
        self.leases.start()
        while not self.stopping.is_set():
            try:
                if self.run_once():
                    continue
                if len(self.in_flight) >= self.capacity:
                    # due work waits for a free delivery thread, not for a clock tick
                    wait(self.in_flight, timeout=MAX_SLEEP, return_when=FIRST_COMPLETED)
                    continue
                if self.db.wakeup.wait(self.seconds_until_next()) and self.busy():
                    # Every alert commit wakes the worker: while they arrive, look at most
                    # every BUSY_LOOK, not once a commit (what is due waits that long more).
                    self.stopping.wait(BUSY_LOOK)
            except Unavailable:
                self.stopping.wait(1.0)  # the database is out: its health log says so once
            except Exception:
                log.exception("worker pass failed; trying again in a second")
                self.stopping.wait(1.0)
        self.pool.shutdown(wait=True)  # in-flight sends finish, their leases renewed meanwhile
        self.leases.stop()
        if listener is not None:
            listener.join(timeout=2)

    def stop(self) -> None:
        self.stopping.set()
        self.db.wakeup.wake()


def start_postgres_listener(db: Database, stopping: threading.Event) -> threading.Thread | None:
    """On PostgreSQL, wake this process's worker when another process commits work."""
    if db.is_sqlite:
        return None
    thread = threading.Thread(target=_listen, args=(db, stopping), daemon=True, name="listen")
    thread.start()
    return thread


def _listen(db: Database, stopping: threading.Event) -> None:
    import psycopg

    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    lost = False
    while not stopping.is_set():
        try:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f"LISTEN {wakeup.CHANNEL}")
                if lost:
                    log.warning("LISTEN connection is back")
                    lost = False
                while not stopping.is_set():
                    for _ in connection.notifies(timeout=1.0, stop_after=1):
                        db.wakeup.wake()
        except Exception as error:
            if not lost:  # one line per outage, not one a second
                log.warning("LISTEN connection lost (%s); reconnecting", reason(error))
                lost = True
            stopping.wait(1.0)


def _due_now(due: datetime | None) -> bool:
    return due is not None and due <= clock.now()


def _by_kind(timers: list[DueTimer]) -> dict[str, list[DueTimer]]:
    """The timers by kind, each kind's in claim order."""
    grouped: dict[str, list[DueTimer]] = {}
    for timer in timers:
        grouped.setdefault(timer.kind, []).append(timer)
    return grouped
