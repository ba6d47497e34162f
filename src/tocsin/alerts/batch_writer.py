"""The batch writer: one thread that commits whatever the requests queued, together.

A request hands its parsed alerts over as a :class:`Job` and waits; the thread takes every job
queued so far, processes them in one transaction, commits, and only then completes each job.
So a 2xx always means committed, while concurrent requests share one commit. A batch that
fails is retried job by job, so one poisonous request cannot sink its neighbours; a job that
still fails is completed with its error (the request answers 503 and the sender retries).
While the database is out, a batch is not retried job by job: each job gets the outage,
and the database's own health log says it once.

One commit takes at most ``MAX_COMMIT_ALERTS`` alerts (whole jobs: a job is never split, and
a job bigger than the cap commits alone). A request waits only for the commit that holds its
own alerts, so a storm of big webhooks cannot keep a small request queued behind a huge
transaction: the jobs past the cap go in the next commit, in arrival order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Mapping, Sequence

from tocsin import clock
from tocsin.alerts.open_alerts import Key
from tocsin.alerts.processing import Job, OpeningRefused, Processor
from tocsin.alerts.state import IngestState
from tocsin.core.lifecycle import RuleViolation
from tocsin.core.severity import Severity, SeverityPolicy, merge_policies
from tocsin.db import Database
from tocsin.errors import Unavailable

log = logging.getLogger("tocsin.alerts")
MAX_COMMIT_ALERTS = 1000
BUSY_SECONDS = 1.0


def run_batch(
    db: Database,
    state: IngestState,
    jobs: Sequence[Job],
    policies: Mapping[Severity, SeverityPolicy] | None = None,
) -> None:
    """Process ``jobs`` in one transaction, else one by one; failures land in ``job.error``."""
    policies = policies or state.policies or merge_policies({})
    with state.lock:
        try:
            _commit(db, state, jobs, policies)
            return
        except Unavailable as error:
            state.invalidate()
            for job in jobs:
                job.error = error
            return
        except Exception as error:
            state.invalidate()
            if len(jobs) == 1:
                log.exception("alert batch failed")
                jobs[0].error = error
                return
            log.warning("alert batch of %d jobs failed (%s); retrying one by one", len(jobs), error)
        for job in jobs:
            job.outcomes.clear()
            try:
                _commit(db, state, [job], policies)
            except Unavailable as error:
                state.invalidate()
                job.error = error
            except Exception as error:
                log.exception("alert job failed")
                state.invalidate()
                job.error = error


def _commit(
    db: Database,
    state: IngestState,
    jobs: Sequence[Job],
    policies: Mapping[Severity, SeverityPolicy],
) -> None:
    refused: dict[Key, RuleViolation] = {}
    while True:
        try:
            with db.transaction() as session:
                state.ensure_loaded(session)
                processor = Processor(session, state, policies, clock.now(), refused)
                processor.prepare(jobs)
                for job in jobs:
                    processor.run(job)
                processor.flush()
            return
        except OpeningRefused as again:  # rolled back: run again, those alerts not opening
            state.invalidate()
            for job in jobs:
                job.outcomes.clear()
            if not again.refused.keys() - refused.keys():
                raise  # nothing new refused: do not loop
            refused.update(again.refused)


class BatchWriter:
    def __init__(
        self, db: Database, state: IngestState, *, max_commit_alerts: int = MAX_COMMIT_ALERTS
    ) -> None:
        self.db = db
        self.state = state
        self.max_commit_alerts = max(1, max_commit_alerts)
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._held: Job | None = None  # the job the last commit had no room for
        self._last_batch_at = -BUSY_SECONDS  # time.monotonic() of the last batch's end

    def busy(self) -> bool:
        """Alerts are arriving: a batch is queued, or one ended less than
        :data:`BUSY_SECONDS` ago (the worker paces its background work meanwhile)."""
        recent = time.monotonic() - self._last_batch_at < BUSY_SECONDS
        return recent or self._held is not None or not self._queue.empty()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._thread = threading.Thread(target=self._run, name="tocsin-alerts-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the queued jobs, then stop."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def submit(self, job: Job) -> asyncio.Future[Job]:
        """Queue ``job``; the future completes (in the caller's loop) after its commit."""
        future: asyncio.Future[Job] = asyncio.get_running_loop().create_future()
        job.future = future
        self._queue.put(job)
        return future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch, stopping = self._take()
            if not batch:
                break
            try:
                run_batch(self.db, self.state, batch)
            except BaseException as error:  # never leave a request waiting
                log.exception("alert writer failed")
                for job in batch:
                    job.error = job.error or error
            self._last_batch_at = time.monotonic()
            _complete(batch)

    def _take(self) -> tuple[list[Job], bool]:
        """The next commit's jobs, in arrival order, up to the cap; and whether to stop."""
        first = self._held
        self._held = None
        if first is None:
            first = self._queue.get()
            if first is None:
                return [], True
        batch, size = [first], _weight(first)
        while size < self.max_commit_alerts:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return batch, True
            if size + _weight(job) > self.max_commit_alerts:
                self._held = job  # first in the next commit
                break
            batch.append(job)
            size += _weight(job)
        return batch, False


def _weight(job: Job) -> int:
    return max(1, len(job.alerts))  # a heartbeat counts as one


def _complete(batch: list[Job]) -> None:
    """Wake the waiting requests: one call into each event loop per batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Job]] = {}
    for job in batch:
        if job.future is not None:
            by_loop.setdefault(job.future.get_loop(), []).append(job)
    for loop, jobs in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            loop.call_soon_threadsafe(_settle, jobs)


def _settle(jobs: list[Job]) -> None:
    for job in jobs:
        future = job.future
        if future is not None and not future.done():
            future.set_result(job)
