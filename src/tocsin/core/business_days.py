"""Business days: weekdays that are not holidays, counted in a team's time zone.

A deadline of *n* business days after an instant ends with the *n*-th business day after the
instant's local date: it falls at the local midnight that starts the day after it. Counting
by local dates (not by 24-hour steps) keeps a deadline on the same wall-clock boundary across
a daylight-saving change, and a local midnight that does not exist (a zone that springs
forward at midnight) is read as the first instant after the gap.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKEND = frozenset({5, 6})  # Saturday, Sunday (date.weekday())


class UnknownZone(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin")


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name``; UTC when none is given."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownZone(name) from None


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays


def nth_business_day_after(day: date, n: int, holidays: Collection[date] = ()) -> date:
    """The ``n``-th business day strictly after ``day`` (``n`` ≥ 1)."""
    if n < 1:
        raise ValueError("n: count at least one business day")
    found = 0
    while found < n:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            found += 1
    return day


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz``, in UTC.

    ``fold=0`` reads an ambiguous midnight as its first occurrence, and a midnight inside a
    spring-forward gap with the offset before it: the instant the gap ends, the first of the day.
    """
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def business_deadline(
    start: datetime, days: int, *, tz: ZoneInfo, holidays: Collection[date] = ()
) -> datetime:
    """The end of the ``days``-th business day after ``start``'s local date in ``tz`` (UTC)."""
    if start.tzinfo is None:
        raise ValueError("start: must be time-zone aware")
    last = nth_business_day_after(start.astimezone(tz).date(), days, holidays)
    return local_midnight(last + timedelta(days=1), tz)
