"""A token bucket: the per-integration rate limit of alert ingest.

Time comes in as an argument (seconds on any monotonic scale), so the rule is tested without
a clock. A time earlier than the last one counts as no time passed.
"""

from __future__ import annotations

__all__ = ["TokenBucket"]


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
