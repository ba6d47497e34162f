"""Business days: weekends and holidays skipped, counted in a zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.business_days import (
    UnknownZone,
    business_deadline,
    is_business_day,
    local_midnight,
    nth_business_day_after,
    zone,
)

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SANTIAGO = ZoneInfo("America/Santiago")  # springs forward at midnight


@pytest.mark.parametrize(
    ("day", "n", "holidays", "expected"),
    [
        (date(2026, 11, 30), 1, (), date(2026, 12, 1)),  # Monday → Tuesday
        (date(2026, 11, 30), 5, (), date(2026, 12, 7)),  # Monday → next Monday
        (date(2026, 12, 4), 1, (), date(2026, 12, 7)),  # Friday → Monday
        (date(2026, 12, 5), 1, (), date(2026, 12, 7)),  # Saturday → Monday
        (date(2026, 12, 6), 5, (), date(2026, 12, 11)),  # Sunday → Friday
        (date(2026, 12, 23), 1, (date(2026, 12, 24), date(2026, 12, 25)), date(2026, 12, 28)),
        (date(2026, 12, 21), 5, (date(2026, 12, 24), date(2026, 12, 25)), date(2026, 12, 30)),
        (date(2026, 12, 24), 1, (date(2026, 12, 24),), date(2026, 12, 25)),  # from a holiday
    ],
)
def test_nth_business_day(day: date, n: int, holidays: tuple[date, ...], expected: date) -> None:
    assert nth_business_day_after(day, n, holidays) == expected


def test_weekends_and_holidays_are_not_business_days() -> None:
    assert is_business_day(date(2026, 12, 4))
    assert not is_business_day(date(2026, 12, 5))
    assert not is_business_day(date(2026, 12, 6))
    assert not is_business_day(date(2026, 12, 8), {date(2026, 12, 8)})


def test_the_deadline_ends_the_last_business_day_in_the_zone() -> None:
    friday_evening = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 18:00 in Berlin
    due = business_deadline(friday_evening, 5, tz=BERLIN)
    assert due == datetime(2026, 12, 11, 23, 0, tzinfo=UTC)  # midnight starting Sat 12 in Berlin
    assert due.astimezone(BERLIN).hour == 0


def test_the_local_date_decides_not_the_utc_date() -> None:
    # 23:30 UTC on Friday is already Saturday in Berlin: counting starts from Saturday.
    late_friday = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    assert business_deadline(late_friday, 1, tz=UTC_ZONE) == datetime(2026, 12, 8, tzinfo=UTC)
    assert business_deadline(late_friday, 1, tz=BERLIN) == datetime(2026, 12, 7, 23, tzinfo=UTC)
    # 03:00 UTC on Monday is still Sunday in New York: Monday is the first business day.
    early_monday = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    assert business_deadline(early_monday, 1, tz=NEW_YORK).astimezone(NEW_YORK) == datetime(
        2026, 12, 8, tzinfo=NEW_YORK
    )


def test_across_a_dst_change_the_deadline_stays_on_local_midnight() -> None:
    before = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)  # Friday; Berlin moves to CEST on the 29th
    due = business_deadline(before, 1, tz=BERLIN)
    assert due == datetime(2026, 3, 30, 22, 0, tzinfo=UTC)  # Tue 00:00 CEST (+2)
    autumn = datetime(2026, 10, 23, 10, 0, tzinfo=UTC)  # back to CET on the 25th
    assert business_deadline(autumn, 1, tz=BERLIN) == datetime(2026, 10, 26, 23, 0, tzinfo=UTC)


def test_a_midnight_inside_a_gap_is_the_end_of_the_gap() -> None:
    # Santiago skips 00:00–01:00 on 2026-09-06: the day starts at 04:00 UTC.
    start = local_midnight(date(2026, 9, 6), SANTIAGO)
    assert start == datetime(2026, 9, 6, 4, 0, tzinfo=UTC)
    assert start.astimezone(SANTIAGO).hour == 1


def test_zones_by_name() -> None:
    assert zone(None).key == "UTC"
    assert zone("Europe/Berlin") is BERLIN or zone("Europe/Berlin").key == "Europe/Berlin"
    with pytest.raises(UnknownZone):
        zone("Mars/Olympus")


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        business_deadline(datetime(2026, 12, 4), 1, tz=BERLIN)


zones = st.sampled_from([UTC_ZONE, BERLIN, NEW_YORK, SANTIAGO, ZoneInfo("Asia/Kolkata")])
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2032, 1, 1), timezones=st.just(UTC)
)
holiday_sets = st.frozensets(st.dates(date(2020, 1, 1), date(2032, 12, 31)), max_size=30)


@given(instants, st.integers(1, 15), zones, holiday_sets)
def test_the_deadline_is_later_by_exactly_n_business_days(
    start: datetime, n: int, tz: ZoneInfo, holidays: frozenset[date]
) -> None:
    due = business_deadline(start, n, tz=tz, holidays=holidays)
    assert due > start
    last = (due - timedelta(microseconds=1)).astimezone(tz).date()
    assert is_business_day(last, holidays)
    first = start.astimezone(tz).date()
    days = [first + timedelta(days=i) for i in range(1, (last - first).days + 1)]
    assert sum(is_business_day(d, holidays) for d in days) == n
    # at least n calendar days, and local midnight
    assert (last - first).days >= n
    assert due.astimezone(tz).time().hour in (0, 1) and due.astimezone(tz).minute == 0
