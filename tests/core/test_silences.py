"""Which silence holds an alert back: scope, time, matchers, and the first one wins."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.matchers import WeeklyWindow, matches, parse_matcher, silence_active
from tocsin.core.silences import ActiveSilence, matched_labels, silence_for

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)


def silence(
    id: int = 1,
    *matchers: str,
    starts: timedelta = -HOUR,
    ends: timedelta = HOUR,
    weekly: WeeklyWindow | None = None,
    service: str | None = None,
    integration_id: int | None = None,
) -> ActiveSilence:
    return ActiveSilence(
        id=id,
        matchers=tuple(parse_matcher(m) for m in matchers or ("team=db",)),
        starts_at=T0 + starts,
        ends_at=T0 + ends,
        weekly=weekly,
        service=service,
        integration_id=integration_id,
    )


def found(
    silences: list[ActiveSilence],
    *,
    name: str = "DiskFull",
    labels: dict[str, str] | None = None,
    integration_id: int = 7,
    at: datetime = T0,
) -> int | None:
    labels = {"team": "db"} if labels is None else labels
    chosen = silence_for(silences, name=name, labels=labels, integration_id=integration_id, at=at)
    return chosen.id if chosen is not None else None


MONDAY_NOON = WeeklyWindow(frozenset({0}), time(11, 0), timedelta(hours=2), "UTC")
TUESDAY = WeeklyWindow(frozenset({1}), time(0, 0), timedelta(days=1), "UTC")


@pytest.mark.parametrize(
    ("silences", "kwargs", "expected"),
    [
        ([], {}, None),
        ([silence(1)], {}, 1),
        ([silence(1, "team=web")], {}, None),
        ([silence(1, "team=db", "env=prod")], {}, None),  # every matcher must match
        ([silence(1, integration_id=7)], {}, 1),
        ([silence(1, integration_id=8)], {}, None),  # another integration's
        ([silence(1, integration_id=8), silence(2)], {}, 2),
        ([silence(1, starts=HOUR, ends=2 * HOUR)], {}, None),  # not started
        ([silence(1, starts=-HOUR, ends=timedelta(0))], {}, None),  # ends_at excluded
        ([silence(1, starts=timedelta(0))], {}, 1),  # starts_at included
        ([silence(1, weekly=MONDAY_NOON)], {}, 1),
        ([silence(1, weekly=TUESDAY)], {}, None),  # outside its weekly window
        ([silence(1, "alertname=DiskFull")], {}, 1),  # the name stands in for alertname
        ([silence(1, "alertname=DiskFull")], {"labels": {"alertname": "Other"}}, None),
        ([silence(1, "alertname=Other")], {"labels": {"alertname": "Other"}}, 1),
        ([silence(1), silence(2)], {}, 1),  # the first that applies
        ([silence(1, "team=web"), silence(2)], {}, 2),
        ([silence(1, 'team=""')], {"labels": {}}, 1),  # a missing label reads as empty
    ],
)
def test_silence_for(
    silences: list[ActiveSilence], kwargs: dict[str, Any], expected: int | None
) -> None:
    assert found(silences, **kwargs) == expected


def test_made_for_another_service() -> None:
    assert silence(1, service="storage").made_for_another("checkout")
    assert not silence(1, service="storage").made_for_another("storage")
    assert not silence(1).made_for_another("checkout")


def test_the_labels_name_wins_over_the_alerts_name() -> None:
    assert matched_labels("DiskFull", {"team": "db"}) == {"alertname": "DiskFull", "team": "db"}
    assert matched_labels("DiskFull", {"alertname": "X"}) == {"alertname": "X"}


silences_strategy = st.lists(
    st.builds(
        silence,
        st.integers(1, 50),
        st.sampled_from(["team=db", "team=web", "team=~d.*", "team!=db", "alertname=DiskFull"]),
        starts=st.timedeltas(-2 * HOUR, 2 * HOUR),
        ends=st.timedeltas(-2 * HOUR, 3 * HOUR),
        integration_id=st.sampled_from([None, 7, 8]),
    ),
    max_size=6,
)


@given(
    silences_strategy,
    st.sampled_from([{}, {"team": "db"}, {"team": "web"}, {"alertname": "Other"}]),
    st.sampled_from([7, 8, 9]),
    st.timedeltas(-3 * HOUR, 3 * HOUR),
)
def test_the_chosen_silence_is_the_first_that_applies(
    silences: list[ActiveSilence], labels: dict[str, str], integration_id: int, shift: timedelta
) -> None:
    at = T0 + shift
    seen = matched_labels("DiskFull", labels)
    applies = [
        s
        for s in silences
        if s.integration_id in (None, integration_id)
        and silence_active(starts_at=s.starts_at, ends_at=s.ends_at, weekly=s.weekly, at=at)
        and matches(s.matchers, seen)
    ]
    chosen = silence_for(
        silences, name="DiskFull", labels=labels, integration_id=integration_id, at=at
    )
    assert chosen is (applies[0] if applies else None)
