"""The one place Tocsin reads the wall clock, so tests can move time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def held_at(at: datetime) -> Iterator[None]:
    """Read ``at`` as the time inside the block, then whatever clock was in place before."""
    global _now
    previous = _now
    _now = lambda: at  # noqa: E731
    try:
        yield
    finally:
        _now = previous
