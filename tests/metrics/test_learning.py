"""The wiring of the learning metrics: rows as a postmortems query returns them, and the
action items of real postmortems on the report."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime

from tests.builders import declare, ok, unique
from tests.conftest import Api, TestClock
from tests.postmortems.conftest import postmortem_of, resolve
from tests.web.test_pages import signed_in
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


def test_action_item_completion_per_quarter_in_the_api_csv_and_dashboard(
    api: Api, clock: TestClock
) -> None:
    """Q1: one done by its due date, one done the day after it, one won't do, one open
    (2 done of 3 to do); Q2: one done without a due date. The report shows each quarter."""
    start = datetime(2200 + uuid.uuid4().int % 700, 1, 5, 9, tzinfo=UTC)
    clock.set(start)
    iid = declare(api, severity="SEV2", services=[unique("svc")])["id"]
    resolve(api, iid)
    pm = postmortem_of(api, iid)

    def item(due_on: str | None = None) -> int:
        body = {"title": "Add backoff", "owner": {"name": "Kim"}, "due_on": due_on}
        found: int = ok(api.responder.post(f"/api/v1/postmortems/{pm['id']}/action-items",
                                           json=body), 201)["id"]  # fmt: skip
        return found

    def status(item_id: int, value: str, **extra: str) -> None:
        ok(api.responder.patch(f"/api/v1/action-items/{item_id}", json={"status": value, **extra}))

    year = start.year
    on_time, late, dropped, _open = (item(f"{year}-01-20") for _ in range(4))
    clock.set(datetime(year, 1, 20, 23, 59, tzinfo=UTC))  # the last minute of the due date
    status(on_time, "done")
    clock.set(datetime(year, 1, 21, 0, 1, tzinfo=UTC))
    status(late, "done")
    status(dropped, "wont_do", reason="retired")
    clock.set(datetime(year, 4, 2, tzinfo=UTC))
    status(item(), "done")
    window = {"from": start.isoformat(), "to": datetime(year, 7, 1, tzinfo=UTC).isoformat()}

    found = ok(api.viewer.get("/api/v1/metrics", params=window))["action_items"]
    assert found == [
        {"quarter": f"{year}-Q1", "total": 4, "done": 2, "wont_do": 1, "done_on_time": 1,
         "rate": 0.6667},
        {"quarter": f"{year}-Q2", "total": 1, "done": 1, "wont_do": 0, "done_on_time": 1,
         "rate": 1.0},
    ]  # fmt: skip
    lines = list(csv.DictReader(io.StringIO(api.viewer.get("/api/v1/metrics.csv",
                                                            params=window).text)))  # fmt: skip
    items = {r["key"]: r for r in lines if r["group"] == "action items"}
    assert items[f"{year}-Q1"]["action_items_rate"] == "0.6667"
    assert items[f"{year}-Q1"]["action_items_done_on_time"] == "1"
    assert lines[-3]["group"] == "all"
    with signed_in(api, "viewer") as client:
        page = client.get("/metrics", params=window).text
    cell = re.search(rf'data-metric="action_items_rate" data-group="{year}-Q1">([^<]*)<', page)
    assert cell is not None and cell.group(1) == "66.7%"
