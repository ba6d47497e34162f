from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.alerts import (
    DEFAULT_SEVERITY_MAPPING,
    AlertAction,
    InvalidAlert,
    check_severity_mapping,
    derive_dedup_key,
    group_key,
    group_labels,
    in_group_window,
    map_severity,
    name_from_summary,
    repeat_is_new_burst,
    truncate,
)
from tocsin.core.severity import Severity

label_names = st.text(min_size=1, max_size=12)
label_sets = st.dictionaries(label_names, st.text(max_size=12), min_size=1, max_size=8)
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# --- dedup keys ---------------------------------------------------------------------------


@given(label_sets, st.randoms())
def test_dedup_key_ignores_label_order(labels: dict[str, str], rnd: random.Random) -> None:
    items = list(labels.items())
    rnd.shuffle(items)
    assert derive_dedup_key(dict(items)) == derive_dedup_key(labels)


@given(label_sets, label_sets)
def test_distinct_label_sets_get_distinct_keys(a: dict[str, str], b: dict[str, str]) -> None:
    assert (derive_dedup_key(a) == derive_dedup_key(b)) == (a == b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"a": "bc"}, {"ab": "c"}),  # the encoding keeps the key/value boundary
        ({"a": "b", "c": "d"}, {"a": "b:c", "": "d"}),
        ({"a": ""}, {"a": " "}),
        ({"x": "1"}, {"x": "1", "y": ""}),  # an empty label still counts
    ],
)
def test_near_identical_label_sets_differ(a: dict[str, str], b: dict[str, str]) -> None:
    assert derive_dedup_key(a) != derive_dedup_key(b)


def test_dedup_key_is_pinned() -> None:
    # Stored keys must survive upgrades: changing the derivation would reopen every alert.
    key = derive_dedup_key({"alertname": "DiskFull", "instance": "db1:9100"})
    assert key == "cce018d9418e84321a2f130a1ea62aa5"


# --- group keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "group_by", "same"),
    [
        ({"alertname": "X", "host": "1"}, {"alertname": "X", "host": "2"}, ["alertname"], True),
        ({"alertname": "X", "host": "1"}, {"alertname": "X", "host": "2"}, ["host"], False),
        ({"alertname": "X"}, {"alertname": "X", "team": ""}, ["alertname", "team"], True),
        ({"alertname": "X", "host": "1"}, {"alertname": "X", "host": "1"}, ["..."], True),
        ({"alertname": "X", "host": "1"}, {"alertname": "X", "host": "2"}, ["..."], False),
    ],
)
def test_group_key_compares_chosen_labels(
    a: dict[str, str], b: dict[str, str], group_by: list[str], same: bool
) -> None:
    assert (group_key(a, group_by) == group_key(b, group_by)) is same


def test_group_key_is_none_without_group_by() -> None:
    assert group_key({"alertname": "X"}, []) is None


def test_group_by_different_labels_gives_different_keys() -> None:
    labels = {"a": "1", "b": "1"}
    assert group_key(labels, ["a"]) != group_key(labels, ["b"])
    assert group_labels(labels, ["a", "c"]) == {"a": "1", "c": ""}


@given(label_sets, st.lists(label_names, min_size=1, max_size=4), st.randoms())
def test_group_key_ignores_group_by_order(
    labels: dict[str, str], group_by: list[str], rnd: random.Random
) -> None:
    shuffled = list(group_by)
    rnd.shuffle(shuffled)
    assert group_key(labels, shuffled) == group_key(labels, group_by)


# --- severity mapping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "mapping", "expected"),
    [
        ("critical", {}, Severity.SEV1),
        ("error", {}, Severity.SEV2),
        ("warning", None, Severity.SEV3),
        ("info", {}, Severity.SEV4),
        ("CRITICAL", {}, Severity.SEV1),
        (" Warning ", {}, Severity.SEV3),
        ("page", {}, Severity.SEV3),  # unknown → default
        (None, {}, Severity.SEV3),
        ("SEV1", {}, Severity.SEV3),  # only the mapping decides
        ("p1", {"P1": "SEV1"}, Severity.SEV1),
        ("critical", {"critical": "P0", "high": "P1"}, Severity.SEV1),
        ("high", {"critical": "P0", "high": "P1"}, Severity.SEV2),
        ("warning", {"critical": "P0"}, Severity.SEV3),  # a mapping replaces the default one
        ("critical", {"critical": "nonsense"}, Severity.SEV3),  # bad target → default
    ],
)
def test_map_severity(raw: str | None, mapping: dict[str, str] | None, expected: Severity) -> None:
    assert map_severity(raw, mapping, Severity.SEV3) is expected


@given(
    st.sampled_from(sorted(DEFAULT_SEVERITY_MAPPING)),
    st.lists(st.booleans(), min_size=10, max_size=10),
    st.sampled_from(list(Severity)),
)
def test_map_severity_is_case_insensitive(raw: str, upper: list[bool], default: Severity) -> None:
    mixed = "".join(c.upper() if up else c for c, up in zip(raw, upper, strict=False))
    assert map_severity(mixed, {}, default) is map_severity(raw, {}, default)


@given(st.text(max_size=20), st.sampled_from(list(Severity)))
def test_map_severity_falls_back_to_default(raw: str, default: Severity) -> None:
    result = map_severity(raw, {"only-this": "SEV1"}, default)
    assert result is (Severity.SEV1 if raw.strip().lower() == "only-this" else default)


def test_check_severity_mapping_normalizes_and_names_the_bad_key() -> None:
    assert check_severity_mapping({"High": "p1", "low": "SEV4"}) == {"high": "SEV2", "low": "SEV4"}
    with pytest.raises(InvalidAlert) as caught:
        check_severity_mapping({"high": "urgent"})
    assert caught.value.field == "severity_mapping.high"


# --- group window -------------------------------------------------------------------------

HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("elapsed", "joins"),
    [
        (timedelta(0), True),  # the same instant
        (timedelta(minutes=59, seconds=59), True),
        (HOUR, True),  # the bound is inside the window
        (HOUR + timedelta(microseconds=1), False),
        (timedelta(days=3), False),
        (-timedelta(microseconds=1), False),  # the clock went backwards: a group of its own
        (-HOUR, False),
    ],
)
def test_in_group_window(elapsed: timedelta, joins: bool) -> None:
    assert in_group_window(T0, T0 + elapsed, HOUR) is joins


@given(
    st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=7)),
    st.timedeltas(min_value=-timedelta(days=8), max_value=timedelta(days=8)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=8)),
)
def test_a_group_window_only_closes(window: timedelta, elapsed: timedelta, more: timedelta) -> None:
    """Once an alert may no longer join, no later alert may (until the clock goes back)."""
    if elapsed >= timedelta(0) and not in_group_window(T0, T0 + elapsed, window):
        assert not in_group_window(T0, T0 + elapsed + more, window)
    assert in_group_window(T0, T0 + elapsed, window) is (timedelta(0) <= elapsed <= window)


# --- repeat bursts ------------------------------------------------------------------------

MIN = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("last", "now", "window", "new_burst"),
    [
        (None, T0, 5 * MIN, True),
        (T0, T0, 5 * MIN, False),
        (T0, T0 + 4 * MIN, 5 * MIN, False),
        (T0, T0 + 5 * MIN, 5 * MIN, True),
        (T0, T0 + 60 * MIN, 5 * MIN, True),
        (T0, T0 - MIN, 5 * MIN, False),  # clock went backwards
    ],
)
def test_repeat_is_new_burst(
    last: datetime | None, now: datetime, window: timedelta, new_burst: bool
) -> None:
    assert repeat_is_new_burst(last, now, window) is new_burst


@given(
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=24)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=48)),
)
def test_repeat_bursts_follow_the_window(window: timedelta, elapsed: timedelta) -> None:
    assert repeat_is_new_burst(T0, T0 + elapsed, window) is (elapsed >= window)
    assert repeat_is_new_burst(None, T0 + elapsed, window)


@given(st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=60))
def test_a_stream_of_repeats_logs_at_most_once_per_window(gaps: list[int]) -> None:
    window, now, last, logged = 5 * MIN, T0, None, []
    for gap in gaps:
        now += timedelta(seconds=gap)
        if repeat_is_new_burst(last, now, window):
            logged.append(now)
            last = now
    assert logged and logged[0] == T0 + timedelta(seconds=gaps[0])
    assert all(b - a >= window for a, b in itertools.pairwise(logged))


# --- small helpers ------------------------------------------------------------------------


def test_truncate_and_names() -> None:
    assert truncate("abc", 3) == "abc"
    assert truncate("abcd", 3) == "ab…" and len(truncate("x" * 5000, 1024)) == 1024
    assert name_from_summary("CPU at 93% on web12") == name_from_summary("CPU at 97% on web14")
    assert name_from_summary("CPU at 93% on web12") == "CPU at ##% on web##"


def test_invalid_alert_names_its_field() -> None:
    error = InvalidAlert("payload.summary", "required")
    assert error.field == "payload.summary" and str(error) == "payload.summary: required"
    assert error.errors == ["payload.summary: required"]
    assert AlertAction("resolve") is AlertAction.RESOLVE
