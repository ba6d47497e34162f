"""The token bucket behind each integration's rate limit, with the time passed in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.rate_limit import BucketTable, TokenBucket, retry_after


def test_a_full_bucket_holds_a_minute_of_events_then_refills_steadily() -> None:
    bucket = TokenBucket(60, now=100.0)
    assert bucket.take(60, now=100.0)
    assert not bucket.take(1, now=100.0)
    assert not bucket.take(2, now=101.0)  # one token back after a second
    assert bucket.take(1, now=101.0)
    assert bucket.take(30, now=131.0)
    assert bucket.take(60, now=1000.0)  # never more than a minute's worth
    assert not bucket.take(1, now=1000.0)


@pytest.mark.parametrize(
    ("taken", "wait", "then", "allowed"),
    [
        (0, 0.0, 6000, True),
        (6000, 0.0, 1, False),
        (6000, 0.01, 1, True),  # 100 a second
        (6000, 0.5, 51, False),
        (6000, 0.5, 50, True),
        (6000, 60.0, 6000, True),
    ],
)
def test_refill_rate(taken: int, wait: float, then: int, allowed: bool) -> None:
    bucket = TokenBucket(6000, now=0.0)
    assert bucket.take(taken, now=0.0)
    assert bucket.take(then, now=wait) is allowed


def test_a_request_larger_than_the_bucket_passes_when_full_and_is_paid_back() -> None:
    bucket = TokenBucket(10, now=0.0)
    assert bucket.take(25, now=0.0)  # a batch of 25 against 10 a minute
    assert not bucket.take(1, now=60.0)  # 15 owed, 10 refilled: still in debt
    assert not bucket.take(1, now=95.0)
    assert bucket.take(1, now=97.0)  # 16 tokens refilled by 96 s


def test_a_clock_that_goes_back_refills_nothing() -> None:
    bucket = TokenBucket(60, now=100.0)
    assert bucket.take(60, now=100.0)
    assert not bucket.take(1, now=40.0)
    assert not bucket.take(1, now=100.5)  # the later time still counts from 100
    assert bucket.take(1, now=101.0)


@given(
    st.integers(1, 10_000),
    st.lists(st.tuples(st.floats(0, 30, allow_nan=False), st.integers(1, 10_000)), max_size=40),
)
def test_never_more_than_the_bucket_plus_the_refill(
    per_minute: int, requests: list[tuple[float, int]]
) -> None:
    """Requests no larger than the bucket get at most a full bucket plus what refilled."""
    bucket, now, granted = TokenBucket(per_minute, now=0.0), 0.0, 0
    for wait, count in requests:
        now += wait
        count = min(count, per_minute)
        before = bucket.tokens
        if bucket.take(count, now=now):
            granted += count
        else:
            assert bucket.tokens >= before  # a refusal takes nothing
        assert bucket.tokens <= per_minute
    assert granted <= per_minute + now * per_minute / 60 + 1e-6


def test_retry_after_is_whole_seconds_until_one_token_and_at_least_one() -> None:
    assert retry_after(0.0, 60) == 1
    assert retry_after(0.0, 2) == 30
    assert retry_after(0.5, 2) == 15
    assert retry_after(3.0, 60) == 1


def test_a_table_limits_each_source_on_its_own() -> None:
    table = BucketTable(max_sources=10)
    assert [table.wait("a", 2, now=0.0) for _ in range(3)] == [0, 0, 30]
    assert table.wait("b", 2, now=0.0) == 0
    assert table.wait("a", 2, now=30.0) == 0


def test_a_changed_limit_gives_the_source_a_new_bucket() -> None:
    table = BucketTable(max_sources=10)
    assert [table.wait("a", 1, now=0.0) for _ in range(2)] == [0, 60]
    assert table.wait("a", 5, now=0.0) == 0


def test_a_full_table_drops_refilled_buckets_then_the_oldest() -> None:
    table = BucketTable(max_sources=2)
    table.wait("idle", 1, now=0.0)
    table.wait("busy", 1, now=59.0)
    table.wait("new", 1, now=60.0)  # "idle" has filled up again: it goes, "busy" stays
    assert set(table.buckets) == {"busy", "new"}
    assert table.wait("busy", 1, now=60.0) > 0
    table.wait("newer", 1, now=60.0)  # none has filled up: the oldest goes
    assert set(table.buckets) == {"new", "newer"}
