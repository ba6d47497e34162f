"""Keep alive the leases of what this worker holds, while it works on it.

Claiming a timer or an outbox message leases it for ``worker_lease_seconds``; when the lease
runs out another worker may claim it (its first worker is presumed dead). A live worker must
therefore never let the lease of something it still holds run out: a message waiting for a
delivery thread or held up by a slow mail server, a timer further down the claimed batch.
The keeper renews every lease this worker holds every third of a lease, from its own thread,
so a busy loop or a slow send cannot delay it. Work that is finished is dropped from the
renewal at once.

If a renewal cannot reach the database it is logged and tried again at the next tick. Leases
then run out as if this worker had died: nothing new starts (a delivery thread confirms its
lease in the database before sending), and a message already handed to the mail server may
be sent again by another worker, with the same idempotency key, as after a crash.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from tocsin.db import Database
from tocsin.notify import service as notify_service
from tocsin.timers import service as timers_service

log = logging.getLogger("tocsin.worker")


class Held:
    """The ids of the rows of one table this worker holds (a multiset: threads share it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: Counter[int] = Counter()

    def add(self, ids: Iterable[int]) -> None:
        with self._lock:
            self._ids.update(ids)

    def discard(self, ids: Iterable[int]) -> None:
        with self._lock:
            self._ids.subtract(ids)
            self._ids = +self._ids  # drop ids no longer held

    @contextmanager
    def holding(self, ids: Iterable[int]) -> Iterator[None]:
        taken = list(ids)
        self.add(taken)
        try:
            yield
        finally:
            self.discard(taken)

    def ids(self) -> list[int]:
        with self._lock:
            return sorted(self._ids)


class LeaseKeeper:
    def __init__(self, db: Database, *, worker: str, lease: timedelta) -> None:
        self.db, self.worker, self.lease = db, worker, lease
        self.messages = Held()
        self.timers = Held()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def renew(self) -> int:
        """Extend the lease of everything held now; returns how many rows were renewed."""
        renewed = 0
        if ids := self.messages.ids():
            renewed += notify_service.renew(self.db, worker=self.worker, ids=ids, lease=self.lease)
        if ids := self.timers.ids():
            renewed += timers_service.renew(self.db, worker=self.worker, ids=ids, lease=self.lease)
        return renewed

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="leases")
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        every = self.lease.total_seconds() / 3
        while not self._stopping.wait(every):
            try:
                self.renew()
            except Exception:
                log.exception("renewing leases failed; they run out unless a renewal succeeds")
