"""The rules of status page subscriptions, as pure functions."""

from __future__ import annotations

DEFAULT_MAX_FAILURES = 3


def pauses(failures: int, limit: int) -> bool:
    """Is a subscription paused after ``failures`` failed deliveries in a row? ``limit`` 0
    means never."""
    return limit > 0 and failures >= limit


def retry_after(tokens: float, per_minute: int) -> int:
    """Whole seconds until a token bucket holding ``tokens`` has one again (at least 1)."""
    missing = max(0.0, 1.0 - tokens)
    return max(1, int(-(-missing * 60 // per_minute)))
