"""The batch writer: one thread that commits whatever the requests queued, together.

A request hands its parsed alerts over as a :class:`Job` and waits; the thread takes every job
queued so far, processes them in one transaction, commits, and only then completes each job.
So a 2xx always means committed, while concurrent requests share one commit. A batch that
fails is retried job by job, so one poisonous request cannot sink its neighbours; a job that
still fails is completed with its error (the request answers 503 and the sender retries).
While the database is out, a batch is not retried job by job: each job gets the outage,
and the database's own health log says it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Mapping, Sequence

from tocsin import clock
from tocsin.alerts.processing import Job, Processor
from tocsin.alerts.state import IngestState
from tocsin.core.severity import Severity, SeverityPolicy, merge_policies
from tocsin.db import Database
from tocsin.errors import Unavailable

log = logging.getLogger("tocsin.alerts")
MAX_BATCH_ALERTS = 5000


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
    with db.transaction() as session:
        state.ensure_loaded(session)
        processor = Processor(session, state, policies, clock.now())
        for job in jobs:
            processor.run(job)
        processor.flush()


class BatchWriter:
    def __init__(self, db: Database, state: IngestState) -> None:
        self.db = db
        self.state = state
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

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
            first = self._queue.get()
            if first is None:
                break
            batch, size = [first], len(first.alerts)
            while size < MAX_BATCH_ALERTS:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stopping = True
                    break
                batch.append(job)
                size += len(job.alerts)
            try:
                run_batch(self.db, self.state, batch)
            except BaseException as error:  # never leave a request waiting
                log.exception("alert writer failed")
                for job in batch:
                    job.error = job.error or error
            _complete(batch)


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
