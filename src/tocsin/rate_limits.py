"""The per-client-address rate limit of the public endpoints (the report form, the subscribe
call and form): the rule of :class:`tocsin.core.rate_limit.BucketTable` on the process's
monotonic clock.

In memory, per process (as the alert ingest's per-integration limit): a replica counts its
own requests.
"""

from __future__ import annotations

import threading
import time

from tocsin.core.rate_limit import BucketTable
from tocsin.errors import RateLimited

MAX_SOURCES = 10_000


class SourceLimits:
    def __init__(self, *, max_sources: int = MAX_SOURCES) -> None:
        self.table = BucketTable(max_sources)
        self._lock = threading.Lock()

    def wait(self, source: str, per_minute: int) -> int:
        """Count one request from ``source``: 0 if allowed, else the seconds to wait (≥ 1)."""
        now = time.monotonic()
        with self._lock:
            return self.table.wait(source, per_minute, now)

    def take(self, source: str, per_minute: int, *, what: str) -> None:
        """Count one request from ``source``; ``RateLimited`` (with ``retry_after``, so a 429
        with ``Retry-After``) naming ``what`` was asked too often."""
        wait = self.wait(source, per_minute)
        if wait:
            message = f"too many {what} from {source}; try again in {wait} s"
            raise RateLimited(message, field="client", retry_after=wait)

    def clear(self) -> None:
        with self._lock:
            self.table.buckets.clear()
