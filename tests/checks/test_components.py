"""Checks mapped to a status page component: their results feed its uptime, and outlive
their retention as per-day tallies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.builders import integration
from tests.checks.sites import Site, create, delete_all, results, run, shown, site
from tests.conftest import Api, TestClock
from tests.statuspage.helpers import BASE, component, unique
from tocsin.checks import runs

DAY0 = datetime(2032, 6, 1, 8, tzinfo=UTC)  # far from the other tests' days
INTERVAL = timedelta(seconds=60)


@pytest.fixture
def web() -> Iterator[Site]:
    with site() as running:
        yield running


@pytest.fixture
def source(api: Api) -> Iterator[dict[str, Any]]:
    yield integration(api, auto_resolve=True, default_severity="SEV3")
    delete_all(api)


def uptime_today(api: Api, component_id: int, **query: Any) -> dict[str, Any]:
    answer = api.viewer.get(f"{BASE}/components/{component_id}/uptime", params=query)
    assert answer.status_code == 200, answer.text
    day: dict[str, Any] = answer.json()["days"][-1]
    return day


def test_a_check_names_a_component_that_exists(api: Api, source: dict[str, Any]) -> None:
    made = component(api)
    group = api.responder.post(f"{BASE}/groups", json={"name": unique("g")}).json()
    base = {"kind": "http", "url": "http://127.0.0.1:9/up"}
    check = create(api, source["id"], component_id=made["id"], **base)
    assert check["component_id"] == made["id"]
    assert create(api, source["id"], **base)["component_id"] is None
    for bad in (2_000_000_000, group["id"], 0, "x"):
        body = {"name": "c", "integration_id": source["id"], "component_id": bad, **base}
        answer = api.responder.post("/api/v1/checks", json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == "component_id"
        answer = api.responder.patch(f"/api/v1/checks/{check['id']}", json={"component_id": bad})
        assert answer.status_code == 422 and answer.json()["field"] == "component_id"
    assert shown(api, check["id"])["component_id"] == made["id"]
    path = f"/api/v1/checks/{check['id']}"
    other = component(api)
    assert (
        api.responder.patch(path, json={"component_id": other["id"]}).json()["component_id"]
        == (other["id"])
    )
    assert (
        api.responder.patch(path, json={"interval_seconds": 90}).json()["component_id"]
        == (other["id"])
    )  # left out: kept
    assert api.responder.patch(path, json={"component_id": None}).json()["component_id"] is None
    api.responder.patch(path, json={"component_id": other["id"]})
    assert api.responder.delete(f"{BASE}/components/{other['id']}").status_code == 204
    assert shown(api, check["id"])["component_id"] is None  # the check stays, unmapped


def test_check_results_feed_the_components_uptime(
    api: Api, clock: TestClock, source: dict[str, Any], web: Site
) -> None:
    clock.set(DAY0)
    made = component(api)
    elsewhere = component(api)
    base = {"kind": "http", "url": web.url(), "failures_before_alert": 20}
    mapped = create(api, source["id"], component_id=made["id"], **base)
    create(api, source["id"], **base)  # a check of no component counts nowhere
    for status in (200, 200, 500, 200):
        web.answer.status = status
        run(api)
        clock.advance(INTERVAL)
    assert [r["ok"] for r in results(api, mapped["id"])["items"]] == [True, False, True, True]
    today = uptime_today(api, made["id"], days=1)
    assert (today["checks_passed"], today["checks_failed"]) == (3, 1)
    assert today["uptime"] == 0.75  # the status says operational; the checks say less
    assert today["worst_status"] == "operational"
    assert uptime_today(api, elsewhere["id"], days=1)["checks_passed"] == 0

    clock.set(DAY0 + timedelta(days=1))  # the next UTC day gets its own tally
    web.answer.status = 200
    run(api)
    days = api.viewer.get(f"{BASE}/components/{made['id']}/uptime", params={"days": 2}).json()
    assert [(d["checks_passed"], d["checks_failed"]) for d in days["days"]] == [(3, 1), (1, 0)]


def test_old_results_are_deleted_and_the_tallies_keep_the_history(
    api: Api, clock: TestClock, source: dict[str, Any], web: Site
) -> None:
    clock.set(DAY0 + timedelta(days=10))
    made = component(api)
    check = create(api, source["id"], kind="http", url=web.url(), component_id=made["id"])
    run(api)
    clock.advance(timedelta(days=runs.RESULTS_KEPT_DAYS - 1))
    run(api)
    assert runs.prune_results(api.db) == 0  # nothing is old enough yet
    clock.advance(timedelta(days=1, seconds=1))
    deleted = 0
    while (found := runs.prune_results(api.db, batch=1)) > 0:  # one batch at a time
        deleted += found
    assert deleted >= 1
    [kept] = results(api, check["id"])["items"]  # the newer one
    assert datetime.fromisoformat(kept["at"]) == DAY0 + timedelta(days=runs.RESULTS_KEPT_DAYS + 9)
    window = api.viewer.get(
        f"{BASE}/components/{made['id']}/uptime", params={"days": runs.RESULTS_KEPT_DAYS + 1}
    ).json()["days"]
    assert (window[0]["checks_passed"], window[-2]["checks_passed"]) == (1, 1)
    assert "check-results-retention" in api.tocsin.periodic
