"""Token buckets: the rate limits of alert ingest, the report form and the subscribe call.

Time comes in as an argument (seconds on any monotonic scale), so the rule is tested without
a clock. A time earlier than the last one counts as no time passed.
"""

from __future__ import annotations

__all__ = ["BucketTable", "TokenBucket", "retry_after"]


class TokenBucket:
    """Refilled at ``per_minute``/60 tokens a second, holding at most a minute's worth.

    A request for more tokens than the whole bucket holds passes when the bucket is full,
    and leaves it in debt (negative), so a large batch now waits its share later.
    """

    __slots__ = ("at", "per_minute", "tokens")

    def __init__(self, per_minute: int, now: float) -> None:
        self.per_minute = per_minute
        self.tokens = float(per_minute)
        self.at = now

    def take(self, count: int, now: float) -> bool:
        """Take ``count`` tokens at ``now`` if they are there; False (nothing taken) if not."""
        elapsed = now - self.at
        if elapsed > 0:
            self.tokens = min(self.per_minute, self.tokens + elapsed * self.per_minute / 60)
            self.at = now
        if self.tokens < min(count, self.per_minute):
            return False
        self.tokens -= count
        return True


def retry_after(tokens: float, per_minute: int) -> int:
    """Whole seconds until a token bucket holding ``tokens`` has one again (at least 1)."""
    missing = max(0.0, 1.0 - tokens)
    return max(1, int(-(-missing * 60 // per_minute)))


class BucketTable:
    """One bucket per source (a client address), at most ``max_sources`` of them.

    When the table is full, the buckets that have filled up again (those sources are not
    limited any more) are dropped, then the oldest. A bucket is made anew when the limit
    changes (a setting reloaded).
    """

    def __init__(self, max_sources: int) -> None:
        self.max_sources = max_sources
        self.buckets: dict[str, TokenBucket] = {}

    def wait(self, source: str, per_minute: int, now: float) -> int:
        """Take one request for ``source`` at ``now``: 0 if allowed, else seconds to wait."""
        bucket = self.buckets.get(source)
        if bucket is None or bucket.per_minute != per_minute:
            self.buckets.pop(source, None)
            self._make_room(now)
            bucket = self.buckets[source] = TokenBucket(per_minute, now)
        if bucket.take(1, now):
            return 0
        return retry_after(bucket.tokens, per_minute)

    def _make_room(self, now: float) -> None:
        if len(self.buckets) < self.max_sources:
            return
        for source, bucket in list(self.buckets.items()):
            bucket.take(0, now)  # refills it to now
            if bucket.tokens >= bucket.per_minute:
                del self.buckets[source]
        while len(self.buckets) >= self.max_sources:
            del self.buckets[next(iter(self.buckets))]
