"""The one place Tocsin reads the wall clock, so tests can move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def system_now() -> datetime:
    return datetime.now(UTC)


_now: Callable[[], datetime] = system_now


def now() -> datetime:
    """The current time, aware and in UTC."""
    return _now()


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (``None`` restores the system clock)."""
    global _now
    _now = source or system_now
