"""The uptime rule: status intervals and check tallies → per UTC day uptime, and overall."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.statuspage import ComponentStatus
from tocsin.core.uptime import (
    PARTIAL_OUTAGE_WEIGHT,
    StatusChange,
    Tally,
    Uptime,
    uptime,
    window,
)

C = ComponentStatus
TODAY = date(2026, 3, 10)
NOON = datetime(2026, 3, 10, 12, tzinfo=UTC)
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def three_days(
    changes: list[StatusChange], tallies: dict[date, Tally] | None = None, now: datetime = NOON
) -> Uptime:
    return uptime(changes, tallies or {}, today=TODAY, now=now, days=3)


def test_days_before_the_component_existed_are_no_data() -> None:
    found = three_days([StatusChange(at(9, 6), C.OPERATIONAL)])
    first, second, third = found.days
    assert (first.day, first.uptime, first.worst_status) == (date(2026, 3, 8), None, None)
    assert not first.has_data and first.observed_minutes == 0
    assert (second.uptime, second.observed_minutes) == (1.0, 18 * 60)
    assert (third.uptime, third.observed_minutes) == (1.0, 12 * 60)  # until now, not midnight
    assert second.worst_status is C.OPERATIONAL
    assert found.percentage == 100.0
    assert (found.start, found.end) == (date(2026, 3, 8), TODAY)


def test_an_outage_across_midnight_is_split_between_the_two_days() -> None:
    found = three_days(
        [
            StatusChange(LONG_AGO, C.OPERATIONAL),
            StatusChange(at(9, 23), C.MAJOR_OUTAGE),
            StatusChange(at(10, 1), C.OPERATIONAL),
        ]
    )
    first, second, third = found.days
    assert (first.uptime, first.worst_status, first.major_outage_minutes) == (1.0, C.OPERATIONAL, 0)
    assert second.major_outage_minutes == 60 and second.worst_status is C.MAJOR_OUTAGE
    assert second.uptime == pytest.approx(1 - 60 / 1440)
    assert third.major_outage_minutes == 60 and third.worst_status is C.MAJOR_OUTAGE
    assert third.uptime == pytest.approx(1 - 60 / 720)  # of the 12 hours observed so far
    # Weighted by minutes observed: (1440 + 1380 + 660) / (1440 + 1440 + 720).
    assert found.percentage == pytest.approx(100 * 3480 / 3600)


def test_partial_outage_counts_thirty_percent_and_degraded_or_maintenance_nothing() -> None:
    found = three_days(
        [
            StatusChange(LONG_AGO, C.OPERATIONAL),
            StatusChange(at(8, 10), C.PARTIAL_OUTAGE),
            StatusChange(at(8, 11, 40), C.OPERATIONAL),  # 100 minutes of partial outage
            StatusChange(at(9, 0), C.UNDER_MAINTENANCE),
            StatusChange(at(9, 4), C.DEGRADED_PERFORMANCE),
            StatusChange(at(10, 0), C.OPERATIONAL),
        ]
    )
    first, second, _ = found.days
    assert PARTIAL_OUTAGE_WEIGHT == 0.3
    assert first.partial_outage_minutes == 100 and first.major_outage_minutes == 0
    assert first.uptime == pytest.approx(1 - 30 / 1440) and first.worst_status is C.PARTIAL_OUTAGE
    assert second.uptime == 1.0 and second.worst_status is C.DEGRADED_PERFORMANCE


def test_a_days_uptime_is_the_lower_of_status_and_checks() -> None:
    changes = [StatusChange(LONG_AGO, C.OPERATIONAL), StatusChange(at(9, 12), C.MAJOR_OUTAGE)]
    tallies = {date(2026, 3, 8): Tally(passed=90, failed=10), date(2026, 3, 9): Tally(passed=5)}
    first, second, third = three_days(changes, tallies).days
    assert first.uptime == pytest.approx(0.9)  # the status said 1.0, the checks 0.9
    assert (first.checks_passed, first.checks_failed) == (90, 10)
    assert first.worst_status is C.OPERATIONAL  # check failures do not change the status
    assert second.uptime == pytest.approx(0.5)  # the checks said 1.0, the status 0.5
    assert third.uptime == 0.0 and (third.checks_passed, third.checks_failed) == (0, 0)


def test_changes_at_one_instant_apply_in_order_and_hold_for_no_time() -> None:
    same = at(9, 8)
    changes = [
        StatusChange(LONG_AGO, C.OPERATIONAL),
        StatusChange(same, C.MAJOR_OUTAGE),
        StatusChange(same, C.DEGRADED_PERFORMANCE),
    ]
    _, second, third = three_days(changes).days
    assert second.worst_status is C.DEGRADED_PERFORMANCE and second.major_outage_minutes == 0
    assert second.uptime == 1.0 and third.worst_status is C.DEGRADED_PERFORMANCE


def test_a_day_seen_only_by_checks_weighs_a_full_day() -> None:
    found = three_days([], {date(2026, 3, 9): Tally(passed=3, failed=1)})
    first, second, third = found.days
    assert first.uptime is None and third.uptime is None
    assert second.uptime == 0.75 and second.worst_status is None
    assert found.percentage == 75.0
    assert three_days([]).percentage is None


def test_the_window_is_the_days_ending_today() -> None:
    assert window(TODAY, 3) == (date(2026, 3, 8), date(2026, 3, 9), TODAY)
    assert len(uptime([], {}, today=TODAY, now=NOON).days) == 90
    with pytest.raises(ValueError):
        window(TODAY, 0)


# ------------------------------------------------------------------ properties

DAYS = 5
START = datetime(2026, 3, 6, tzinfo=UTC)  # the window's first midnight (TODAY - 4 days)
END = START + timedelta(days=DAYS)
instants = st.integers(min_value=-2 * 86_400, max_value=DAYS * 86_400 + 3600).map(
    lambda s: START + timedelta(seconds=s)
)
statuses = st.sampled_from(list(ComponentStatus))
histories = st.lists(st.builds(StatusChange, instants, statuses), max_size=12)
tallies = st.dictionaries(
    st.sampled_from(window(TODAY, DAYS)),
    st.builds(Tally, st.integers(0, 2000), st.integers(0, 2000)),
    max_size=DAYS,
)
nows = st.integers(min_value=0, max_value=DAYS * 86_400 + 7200).map(
    lambda s: START + timedelta(seconds=s)
)


def five_days(changes: list[StatusChange], counted: dict[date, Tally], now: datetime) -> Uptime:
    return uptime(changes, counted, today=TODAY, now=now, days=DAYS)


@given(histories, tallies, nows)
def test_every_figure_is_in_range(
    changes: list[StatusChange], counted: dict[date, Tally], now: datetime
) -> None:
    found = five_days(changes, counted, now)
    assert [d.day for d in found.days] == list(window(TODAY, DAYS))
    for day in found.days:
        assert day.uptime is None or 0.0 <= day.uptime <= 1.0
        outage = day.partial_outage_minutes + day.major_outage_minutes
        assert 0 <= outage <= day.observed_minutes + 1e-9 <= 1440 + 1e-9
        runs = counted.get(day.day, Tally())
        assert day.has_data == (day.observed_minutes > 0 or runs.passed + runs.failed > 0)
    assert found.percentage is None or 0.0 <= found.percentage <= 100.0 + 1e-9


@given(st.lists(instants, min_size=1, max_size=6))
def test_a_component_always_operational_is_up_all_the_time(times: list[datetime]) -> None:
    first = START - timedelta(days=1)
    changes = [StatusChange(first, C.OPERATIONAL)] + [StatusChange(t, C.OPERATIONAL) for t in times]
    found = five_days(changes, {}, END)
    assert [d.uptime for d in found.days] == [1.0] * DAYS
    assert found.percentage == 100.0


@given(instants.filter(lambda t: t <= START))
def test_a_whole_day_of_major_outage_is_zero(since: datetime) -> None:
    found = five_days([StatusChange(since, C.MAJOR_OUTAGE)], {}, END)
    assert [d.uptime for d in found.days] == [0.0] * DAYS
    assert [d.major_outage_minutes for d in found.days] == [1440] * DAYS
    assert found.percentage == 0.0


@given(instants, instants)
def test_an_outage_is_split_at_midnight_and_its_minutes_add_up(a: datetime, b: datetime) -> None:
    begin, end = min(a, b), max(a, b)
    changes = [
        StatusChange(START - timedelta(days=3), C.OPERATIONAL),
        StatusChange(begin, C.PARTIAL_OUTAGE),
        StatusChange(end, C.OPERATIONAL),
    ]
    found = five_days(changes, {}, END)
    inside = (min(end, END) - max(begin, START)).total_seconds() / 60
    total = sum(d.partial_outage_minutes for d in found.days)
    assert total == pytest.approx(max(inside, 0.0))
    for day in found.days:
        midnight = datetime.combine(day.day, datetime.min.time(), tzinfo=UTC)
        held = (min(end, midnight + timedelta(days=1)) - max(begin, midnight)).total_seconds()
        assert day.partial_outage_minutes == pytest.approx(max(held, 0.0) / 60)
        assert day.uptime == pytest.approx(1 - PARTIAL_OUTAGE_WEIGHT * max(held, 0.0) / 86_400)


@given(histories, tallies, nows, st.integers(1, 500))
def test_more_failed_runs_never_raise_a_days_uptime(
    changes: list[StatusChange], counted: dict[date, Tally], now: datetime, more: int
) -> None:
    before = five_days(changes, counted, now)
    worse = {
        d: Tally(counted.get(d, Tally()).passed, counted.get(d, Tally()).failed + more)
        for d in window(TODAY, DAYS)
    }
    after = five_days(changes, worse, now)
    for old, new in zip(before.days, after.days, strict=True):
        assert new.uptime is not None
        assert old.uptime is None or new.uptime <= old.uptime + 1e-12
