"""The metric formulas against tables computed by hand."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.metrics import (
    BRACKET_MIN_SAMPLE,
    ActionItemFacts,
    Deadline,
    IncidentTimes,
    ItemStatus,
    Measure,
    Period,
    Summary,
    action_item_completion,
    bracket,
    compliance,
    deadline,
    frequency_per_week,
    is_night,
    known_impact_start,
    measure,
    nearest_rank,
    period_label,
    period_start,
    recurrence_rate,
    severity_mix,
    update_deadlines,
)
from tocsin.core.oncall_load import Page, Person, ShiftSpan, first_deliveries, load_report

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def row(
    severity: str,
    impact: datetime | None,
    detected: datetime,
    created: datetime,
    acked: datetime | None,
    mitigated: datetime | None,
    resolved: datetime | None,
) -> IncidentTimes:
    return IncidentTimes(severity, created, detected, impact, acked, mitigated, resolved)


# impact, detected, created, acked, mitigated, resolved (minutes after T0; None: not yet)
TABLE = [
    row("SEV1", at(0), at(10), at(10), at(15), at(35), at(70)),  # 10 min to detect
    row("SEV2", at(0), at(2), at(2), at(5), at(32), at(62)),  # 2 min to detect
    row("SEV2", None, at(0), at(0), at(1), at(20), at(120)),  # no impact start
    row("SEV3", None, at(0), at(0), None, None, None),  # still open, unacknowledged
]


def test_the_four_measures_on_a_hand_computed_table() -> None:
    # MTTD: 600 s and 120 s (the third has no impact start, the fourth neither)
    assert measure(TABLE, Measure.MTTD) == Summary(2, 2, 360.0, 120.0, 600.0)
    # MTTA (opened → acked): 300, 180, 60 s; the open one is pending, not zero
    assert measure(TABLE, Measure.MTTA) == Summary(3, 1, 180.0, 180.0, 300.0)
    # MTTM (detected → mitigated): 1500, 1800, 1200
    assert measure(TABLE, Measure.MTTM) == Summary(3, 1, 1500.0, 1500.0, 1800.0)
    # MTTR (detected → resolved): 3600, 3600, 7200
    assert measure(TABLE, Measure.MTTR) == Summary(3, 1, 4800.0, 3600.0, 7200.0)


def test_zero_incidents_and_a_single_one() -> None:
    assert measure([], Measure.MTTR) == Summary(0, 0, None, None, None)
    assert measure(TABLE[:1], Measure.MTTR) == Summary(1, 0, 3600.0, 3600.0, 3600.0)
    assert measure(TABLE[3:], Measure.MTTR) == Summary(0, 1, None, None, None)


def test_nearest_rank_percentiles() -> None:
    assert nearest_rank([10, 20], 50) == 10
    assert nearest_rank([float(v) for v in range(1, 11)], 90) == 9
    assert nearest_rank([float(v) for v in range(1, 12)], 90) == 10  # ceil(9.9) = 10
    assert nearest_rank([5.0], 90) == 5.0
    assert nearest_rank([], 50) is None
    with pytest.raises(ValueError):
        nearest_rank([1.0], 0)


@given(
    st.lists(st.floats(-1e9, 1e9), min_size=0, max_size=400),
    st.sampled_from([50, 90]),
    st.floats(0, 6),
)
def test_a_bracket_of_every_value_holds_the_nearest_rank(
    values: list[float], percent: int, z: float
) -> None:
    ordered = sorted(values)
    lo, hi = bracket(ordered, percent, z=z)
    assert lo <= hi
    assert lo in (-math.inf, *ordered) and hi in (math.inf, *ordered)
    if ordered:  # the sample is everything: its percentile is inside
        assert lo <= (nearest_rank(ordered, percent) or 0) <= hi
    if len(ordered) < BRACKET_MIN_SAMPLE:
        assert (lo, hi) == (-math.inf, math.inf)


def test_an_impact_start_equal_to_detection_is_no_impact_start() -> None:
    assert known_impact_start(at(0), at(0)) is None
    assert known_impact_start(at(-1), at(0)) == at(-1)


@pytest.mark.parametrize(
    ("moment", "period", "start", "label"),
    [
        (datetime(2026, 1, 1, 3, tzinfo=UTC), Period.WEEK, date(2025, 12, 29), "2026-W01"),
        (datetime(2027, 1, 1, tzinfo=UTC), Period.WEEK, date(2026, 12, 28), "2026-W53"),
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), Period.WEEK, date(2026, 2, 23), "2026-W09"),
        (datetime(2026, 2, 28, 23, 59, tzinfo=UTC), Period.MONTH, date(2026, 2, 1), "2026-02"),
        (datetime(2026, 5, 15, tzinfo=UTC), Period.QUARTER, date(2026, 4, 1), "2026-Q2"),
        (datetime(2026, 12, 31, 23, tzinfo=UTC), Period.QUARTER, date(2026, 10, 1), "2026-Q4"),
    ],
)
def test_periods_are_iso_weeks_months_and_quarters_in_utc(
    moment: datetime, period: Period, start: date, label: str
) -> None:
    assert period_start(moment, period) == start
    assert period_label(start, period) == label


def test_a_time_in_another_offset_falls_in_its_utc_period() -> None:
    from zoneinfo import ZoneInfo

    sunday_night_in_berlin = datetime(2026, 3, 2, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert period_start(sunday_night_in_berlin, Period.WEEK) == date(2026, 2, 23)


def test_severity_mix_and_frequency() -> None:
    assert severity_mix({"SEV1": 1, "SEV2": 3}) == {"SEV1": 0.25, "SEV2": 0.75}
    assert severity_mix({}) == {}
    assert frequency_per_week(3, T0, T0 + timedelta(days=14)) == 1.5
    assert frequency_per_week(0, T0, T0 + timedelta(days=1)) == 0


# due, done, resolved, now → outcome
DEADLINES = [
    (at(15), at(10), None, at(60), Deadline.MET),
    (at(15), at(15), None, at(60), Deadline.MET),  # exactly on time
    (at(15), at(20), None, at(60), Deadline.MISSED),
    (at(15), None, None, at(60), Deadline.MISSED),  # still open, past due
    (at(15), None, None, at(10), Deadline.PENDING),
    (at(15), None, at(10), at(60), Deadline.NOT_DUE),  # resolved before it came
    (at(15), None, at(30), at(60), Deadline.MISSED),  # resolved after it passed
    (None, None, None, at(60), Deadline.NOT_DUE),
]


@pytest.mark.parametrize(("due", "done", "resolved", "now", "outcome"), DEADLINES)
def test_deadlines(
    due: datetime | None,
    done: datetime | None,
    resolved: datetime | None,
    now: datetime,
    outcome: Deadline,
) -> None:
    assert deadline(due, done, resolved_at=resolved, now=now) is outcome


def test_update_cadence_each_update_keeps_the_previous_promise() -> None:
    # first due at 30; updates at 20 (promises 50), at 55 (promises 85); resolved at 70
    outcomes = update_deadlines(
        at(30), [(at(20), at(50)), (at(55), at(85))], resolved_at=at(70), now=at(200)
    )
    assert outcomes == [Deadline.MET, Deadline.MISSED, Deadline.NOT_DUE]
    summary = compliance(outcomes)
    assert (summary.met, summary.missed, summary.pending, summary.share) == (1, 1, 0, 0.5)
    never = update_deadlines(at(30), [], resolved_at=None, now=at(31))
    assert never == [Deadline.MISSED]
    assert compliance([]).share is None


def test_night_is_22_to_7_in_the_persons_zone() -> None:
    assert is_night(datetime(2026, 3, 2, 21, 30, tzinfo=UTC), "Europe/Berlin")  # 22:30
    assert not is_night(datetime(2026, 3, 2, 21, 30, tzinfo=UTC), "UTC")
    assert is_night(datetime(2026, 3, 2, 6, 59, tzinfo=UTC), "UTC")
    assert not is_night(datetime(2026, 3, 2, 7, 0, tzinfo=UTC), "UTC")
    assert is_night(datetime(2026, 3, 2, 22, 0, tzinfo=UTC), "UTC")


def test_load_report_pages_per_shift_and_at_night() -> None:
    ana, bo = 1, 2
    shifts = [
        ShiftSpan("web", ana, at(0), at(600)),  # 10 h
        ShiftSpan("web", bo, at(600), at(1200)),
        ShiftSpan("web", ana, at(1200), at(1800)),
    ]
    deliveries = [
        (10, ana, at(30)),  # 12:30 UTC: day
        (10, ana, at(40)),  # same incident again: still one page
        (11, ana, at(660)),  # outside her shifts (23:00 UTC, night in UTC)
        (12, bo, at(700)),  # 23:40 UTC, but Bo is in Asia/Tokyo: 08:40, day
        (13, ana, at(1300)),  # 09:40 next day UTC
        (14, ana, at(1310)),
    ]
    pages = first_deliveries(deliveries)
    assert [p.incident_id for p in pages] == [10, 11, 12, 13, 14]
    people = {ana: Person("Ana", "UTC"), bo: Person("Bo", "Asia/Tokyo")}
    [a, b] = load_report(pages, shifts, people)
    assert (a.name, a.shifts, a.pages, a.pages_in_shifts, a.night_pages) == ("Ana", 2, 4, 3, 1)
    assert (a.most_pages_in_a_shift, a.pages_per_shift, a.share_of_pages) == (2, 1.5, 0.8)
    assert a.on_call_hours == 20 and a.share_of_on_call_hours == pytest.approx(2 / 3)
    assert (b.name, b.shifts, b.pages, b.night_pages, b.pages_per_shift) == ("Bo", 1, 1, 0, 1.0)
    assert load_report([], [], {}) == []
    [only] = load_report([Page(1, 9, at(0))], [], {})
    assert (only.name, only.pages_per_shift, only.share_of_on_call_hours) == (
        "person 9",
        None,
        None,
    )


def test_recurrence_rate() -> None:
    assert recurrence_rate(8, 2) == 0.25
    assert recurrence_rate(0, 0) is None
    with pytest.raises(ValueError):
        recurrence_rate(1, 2)


def test_action_item_completion_per_quarter() -> None:
    q1, q2 = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC)
    due = datetime(2026, 3, 1, tzinfo=UTC)
    items = [
        ActionItemFacts(q1, ItemStatus.DONE, due, due - timedelta(days=1)),  # on time
        ActionItemFacts(q1, ItemStatus.DONE, due, due + timedelta(days=1)),  # late
        ActionItemFacts(q1, ItemStatus.OPEN, due),
        ActionItemFacts(q1, ItemStatus.WONT_DO),
        ActionItemFacts(q2, ItemStatus.IN_PROGRESS),
    ]
    first, second = action_item_completion(items)
    assert (first.quarter, first.total, first.done, first.wont_do) == ("2026-Q1", 4, 2, 1)
    assert first.done_on_time == 1 and first.rate == pytest.approx(2 / 3)
    assert (second.quarter, second.total, second.rate) == ("2026-Q2", 1, 0.0)
    assert action_item_completion([]) == []
