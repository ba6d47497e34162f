"""The scheduled maintenance lifecycle: which moves are allowed, when, and what they announce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.maintenance import (
    ACTIVE,
    TRANSITIONS,
    Action,
    MaintenanceRuleViolation,
    MaintenanceStatus,
    NoticeKind,
    Window,
    action_for,
    auto_action,
    check_window,
    notice_for,
    reminder_at,
    reschedule,
    transition,
)
from tocsin.core.statuspage import ComponentStatus, Impact, Indicator, indicator

S = MaintenanceStatus
T0 = datetime(2026, 6, 1, 22, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
WINDOW = Window(T0, T0 + 2 * HOUR)

ALLOWED = {
    (S.SCHEDULED, Action.START): S.IN_PROGRESS,
    (S.SCHEDULED, Action.CANCEL): S.COMPLETED,
    (S.IN_PROGRESS, Action.VERIFY): S.VERIFYING,
    (S.IN_PROGRESS, Action.COMPLETE): S.COMPLETED,
    (S.VERIFYING, Action.START): S.IN_PROGRESS,
    (S.VERIFYING, Action.COMPLETE): S.COMPLETED,
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(Action))
def test_the_transition_table(status: MaintenanceStatus, action: Action) -> None:
    before_the_end = T0 + HOUR
    if (status, action) in ALLOWED:
        assert (
            transition(status, action, now=before_the_end, window=WINDOW)
            is ALLOWED[(status, action)]
        )
    else:
        with pytest.raises(MaintenanceRuleViolation) as refused:
            transition(status, action, now=before_the_end, window=WINDOW)
        assert refused.value.field == "status"


def test_nothing_leaves_completed_and_nothing_returns_to_scheduled() -> None:
    assert TRANSITIONS == ALLOWED
    assert not [key for key in TRANSITIONS if key[0] is S.COMPLETED]
    assert S.SCHEDULED not in TRANSITIONS.values()


def test_a_window_that_is_over_cannot_start() -> None:
    with pytest.raises(MaintenanceRuleViolation) as refused:
        transition(S.SCHEDULED, Action.START, now=WINDOW.scheduled_until, window=WINDOW)
    assert refused.value.field == "scheduled_until"
    early = T0 - 5 * HOUR  # starting early, by hand, is fine
    assert transition(S.SCHEDULED, Action.START, now=early, window=WINDOW) is S.IN_PROGRESS
    # back from verifying is not a start: the window may be over by then
    later = T0 + 5 * HOUR
    assert transition(S.VERIFYING, Action.START, now=later, window=WINDOW) is S.IN_PROGRESS


def test_check_window() -> None:
    check_window(WINDOW)
    for bad in (Window(T0, T0), Window(T0, T0 - HOUR)):
        with pytest.raises(MaintenanceRuleViolation) as refused:
            check_window(bad)
        assert refused.value.field == "scheduled_until"
    with pytest.raises(MaintenanceRuleViolation) as naive:
        check_window(Window(T0.replace(tzinfo=None), T0 + HOUR))
    assert naive.value.field == "scheduled_for"


@pytest.mark.parametrize(
    ("status", "new", "field"),
    [
        (S.SCHEDULED, Window(T0 + HOUR, T0 + 3 * HOUR), None),
        (S.SCHEDULED, Window(T0 - 30 * HOUR, T0 - 29 * HOUR), None),  # announcing a past one is
        (S.IN_PROGRESS, Window(T0, T0 + 4 * HOUR), None),  # refused by the service instead
        (S.IN_PROGRESS, Window(T0 + HOUR, T0 + 4 * HOUR), "scheduled_for"),
        (S.VERIFYING, Window(T0, T0 + HOUR // 2), "scheduled_until"),  # before now
        (S.COMPLETED, Window(T0, T0 + 4 * HOUR), "status"),
        (S.COMPLETED, WINDOW, None),  # unchanged is no change
        (S.SCHEDULED, Window(T0, T0 - HOUR), "scheduled_until"),
    ],
)
def test_reschedule(status: MaintenanceStatus, new: Window, field: str | None) -> None:
    now = T0 + HOUR
    if field is None:
        assert reschedule(status, WINDOW, new, now=now) == new
    else:
        with pytest.raises(MaintenanceRuleViolation) as refused:
            reschedule(status, WINDOW, new, now=now)
        assert refused.value.field == field


def test_reminder_at() -> None:
    assert reminder_at(T0, HOUR, announced_at=T0 - 3 * HOUR) == T0 - HOUR
    assert reminder_at(T0, HOUR, announced_at=T0 - HOUR) is None  # the announcement reminds
    assert reminder_at(T0, HOUR, announced_at=T0 - HOUR / 2) is None
    assert reminder_at(T0, timedelta(0), announced_at=T0 - 3 * HOUR) is None


def test_action_for_an_update() -> None:
    assert action_for(S.SCHEDULED, S.SCHEDULED) is None
    assert action_for(S.SCHEDULED, S.IN_PROGRESS) is Action.START
    assert action_for(S.IN_PROGRESS, S.VERIFYING) is Action.VERIFY
    assert action_for(S.VERIFYING, S.COMPLETED) is Action.COMPLETE
    with pytest.raises(MaintenanceRuleViolation):
        action_for(S.IN_PROGRESS, S.SCHEDULED)


def test_notices() -> None:
    assert notice_for(S.SCHEDULED, S.IN_PROGRESS, Action.START) is NoticeKind.STARTED
    assert notice_for(S.VERIFYING, S.IN_PROGRESS, Action.START) is None
    assert notice_for(S.IN_PROGRESS, S.VERIFYING, Action.VERIFY) is None
    assert notice_for(S.VERIFYING, S.COMPLETED, Action.COMPLETE) is NoticeKind.COMPLETED
    assert notice_for(S.SCHEDULED, S.COMPLETED, Action.CANCEL) is NoticeKind.CANCELLED


statuses = st.sampled_from(list(S))
actions = st.sampled_from(list(Action))
offsets = st.integers(min_value=-600, max_value=600).map(lambda m: timedelta(minutes=m))


@given(st.lists(st.tuples(actions, offsets), max_size=12))
def test_any_sequence_of_moves_keeps_the_lifecycle(moves: list[tuple[Action, timedelta]]) -> None:
    """Whatever is tried: scheduled is left once, completed is final, and starting happens
    only before the window ends or coming back from verifying."""
    status = S.SCHEDULED
    seen = [status]
    for action, offset in moves:
        now = T0 + offset
        try:
            new = transition(status, action, now=now, window=WINDOW)
        except MaintenanceRuleViolation:
            continue
        assert (status, action) in ALLOWED
        if status is S.SCHEDULED and action is Action.START:
            assert now < WINDOW.scheduled_until
        status = new
        seen.append(status)
    assert seen.count(S.SCHEDULED) == 1
    if S.COMPLETED in seen:
        assert seen.index(S.COMPLETED) == len(seen) - 1


@given(statuses, actions, offsets, st.booleans(), st.booleans())
def test_a_timer_only_does_what_is_allowed_and_chosen(
    status: MaintenanceStatus, due: Action, offset: timedelta, start: bool, complete: bool
) -> None:
    now = T0 + offset
    chosen = auto_action(
        status, due, now=now, window=WINDOW, auto_start=start, auto_complete=complete
    )
    if chosen is None:
        return
    assert transition(status, chosen, now=now, window=WINDOW) in (S.IN_PROGRESS, S.COMPLETED)
    assert chosen is due
    assert start if chosen is Action.START else complete
    if chosen is Action.COMPLETE:
        assert status in ACTIVE  # never completes one nobody started


def test_the_page_indicator_says_maintenance_unless_something_is_worse() -> None:
    assert indicator([], [], maintenance=True)[0] is Indicator.MAINTENANCE
    assert indicator([ComponentStatus.OPERATIONAL], [], maintenance=False)[0] is Indicator.NONE
    assert indicator([], [Impact.MINOR], maintenance=True)[0] is Indicator.MINOR
    worse = indicator([ComponentStatus.MAJOR_OUTAGE], [], maintenance=True)
    assert worse == (Indicator.CRITICAL, "Major System Outage")
