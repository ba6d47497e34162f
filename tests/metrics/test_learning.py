"""The wiring of the learning metrics: rows as a postmortems query returns them."""

from __future__ import annotations

from datetime import UTC, datetime

from tocsin.metrics.learning import action_item_completion, recurrence_rate


def test_action_item_rows_become_quarters() -> None:
    jan, apr = datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC)
    rows = [
        {"created_at": jan, "status": "done", "due_at": "2026-02-01T00:00:00+00:00",
         "done_at": "2026-01-20T00:00:00+00:00"},
        {"created_at": jan, "status": "open", "due_at": None, "done_at": None},
        {"created_at": jan, "status": "wont_do"},
        {"created_at": apr, "status": "done", "due_at": None, "done_at": apr},
    ]  # fmt: skip
    first, second = action_item_completion(rows)
    assert (first.quarter, first.total, first.done, first.wont_do) == ("2026-Q1", 3, 1, 1)
    assert (first.done_on_time, first.rate) == (1, 0.5)
    assert (second.quarter, second.rate) == ("2026-Q2", 1.0)


def test_recurrence_rate_rounds_and_says_nothing_of_nothing() -> None:
    assert recurrence_rate(3, 1) == 0.3333
    assert recurrence_rate(0, 0) is None
