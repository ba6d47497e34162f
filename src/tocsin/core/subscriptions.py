"""The rules of status page subscriptions, as pure functions."""

from __future__ import annotations

DEFAULT_MAX_FAILURES = 3


def pauses(failures: int, limit: int) -> bool:
    """Is a subscription paused after ``failures`` failed deliveries in a row? ``limit`` 0
    means never."""
    return limit > 0 and failures >= limit
