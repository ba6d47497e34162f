"""The public subscribe endpoint's rate limit: a token bucket per client address.

In memory, per process (as the alert ingest's per-integration limit): a replica counts its
own requests. The table of addresses is bounded: when it is full, the buckets that have
filled up again (those addresses are not limited any more) are dropped, then the oldest.
"""

from __future__ import annotations

import threading
import time

from tocsin.core.rate_limit import TokenBucket
from tocsin.core.subscriptions import retry_after
from tocsin.errors import RateLimited

MAX_SOURCES = 10_000


class SubscribeLimits:
    def __init__(self, per_minute: int, *, max_sources: int = MAX_SOURCES) -> None:
        self.per_minute = per_minute
        self.max_sources = max_sources
        self.buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, source: str) -> None:
        """Count one request from ``source``; ``RateLimited`` (with ``retry_after``) if over."""
        now = time.monotonic()
        with self._lock:
            bucket = self.buckets.get(source)
            if bucket is None:
                self._make_room(now)
                bucket = self.buckets[source] = TokenBucket(self.per_minute, now)
            if bucket.take(1, now):
                return
            wait = retry_after(bucket.tokens, self.per_minute)
        message = f"too many subscribe requests from {source}; try again in {wait} s"
        raise RateLimited(message, field="client", retry_after=wait)

    def _make_room(self, now: float) -> None:
        if len(self.buckets) < self.max_sources:
            return
        for source, bucket in list(self.buckets.items()):
            bucket.take(0, now)  # refills it to now
            if bucket.tokens >= bucket.per_minute:
                del self.buckets[source]
        while len(self.buckets) >= self.max_sources:
            del self.buckets[next(iter(self.buckets))]
