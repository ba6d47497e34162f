from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.escalation import FIRST, Step, next_step, timeline

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("step", "levels", "repeat", "expected"),
    [
        (Step(0, 0), 1, 0, None),
        (Step(0, 0), 2, 0, Step(0, 1)),
        (Step(0, 1), 2, 0, None),
        (Step(0, 1), 2, 1, Step(1, 0)),
        (Step(1, 1), 2, 1, None),
        (Step(0, 2), 3, 2, Step(1, 0)),
    ],
)
def test_next_step_table(step: Step, levels: int, repeat: int, expected: Step | None) -> None:
    assert next_step(step, levels=levels, repeat=repeat) == expected


def test_a_policy_needs_levels() -> None:
    with pytest.raises(ValueError, match="levels"):
        next_step(FIRST, levels=0, repeat=0)


def test_timeline_fires_each_level_after_the_previous_timeout() -> None:
    steps = timeline([5, 10], repeat=1, start=T0)
    assert [(s.pass_number, s.level) for s, _ in steps] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [at - T0 for _, at in steps] == [timedelta(minutes=m) for m in (0, 5, 15, 20)]


@given(
    timeouts=st.lists(st.integers(min_value=1, max_value=1440), min_size=1, max_size=6),
    repeat=st.integers(min_value=0, max_value=9),
)
def test_every_level_fires_once_per_pass_in_order(timeouts: list[int], repeat: int) -> None:
    steps = timeline(timeouts, repeat=repeat, start=T0)
    expected = [Step(p, lv) for p in range(repeat + 1) for lv in range(len(timeouts))]
    assert [s for s, _ in steps] == expected
    times = [at for _, at in steps]
    assert times == sorted(times)
    for (step, at), (_, following) in itertools.pairwise(steps):
        assert following - at == timedelta(minutes=timeouts[step.level])
