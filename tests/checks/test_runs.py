"""Checks run against real local targets, driven pass by pass with a moving clock."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.alerts.helpers import alerts_of
from tests.builders import incident, integration
from tests.checks.sites import Site, Ticks, create, delete_all, results, run, shown, site
from tests.conftest import Api, TestClock
from tests.peers import free_port
from tocsin.checks import runs

Advance = Callable[[timedelta], None]
INTERVAL = timedelta(seconds=60)


@pytest.fixture
def web() -> Iterator[Site]:
    with site() as running:
        yield running


@pytest.fixture
def advance(api: Api, clock: TestClock) -> Iterator[Advance]:
    yield clock.advance
    delete_all(api)


@pytest.fixture
def source(api: Api) -> dict[str, Any]:
    return integration(api, auto_resolve=True, default_severity="SEV2")


def http_check(api: Api, source: dict[str, Any], web: Site, **fields: Any) -> dict[str, Any]:
    return create(api, source["id"], kind="http", url=web.url(), **fields)


def only_result(api: Api, check_id: int) -> dict[str, Any]:
    [found] = results(api, check_id)["items"]
    return found


def test_a_site_that_answers_raises_nothing_and_its_result_is_kept(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    check = http_check(api, source, web)
    assert run(api) == 0
    result = only_result(api, check["id"])
    assert result["ok"] is True and result["status_code"] == 200 and result["error"] is None
    assert result["latency_ms"] is not None and result["at"] is not None
    assert web.answer.hits == ["/health"]
    assert alerts_of(api, integration=source["id"]) == []
    assert run(api) == 0  # not due again until an interval has passed
    assert len(web.answer.hits) == 1
    after = shown(api, check["id"])
    assert after["last_ok"] is True and after["consecutive_failures"] == 0


def test_two_failures_raise_one_alert_repeats_dedup_and_a_success_resolves_it(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    check = http_check(api, source, web)
    web.answer.status = 500
    assert run(api) == 0  # one failure: not yet
    assert shown(api, check["id"])["consecutive_failures"] == 1
    assert alerts_of(api, integration=source["id"]) == []
    advance(INTERVAL)
    assert run(api) == 1
    [alert] = alerts_of(api, integration=source["id"])
    assert alert["dedup_key"] == f"check:{check['id']}" and alert["name"] == "CheckFailed"
    assert alert["status"] == "firing" and "HTTP 500, expected 2xx" in alert["summary"]
    opened = incident(api, alert["incident_id"])
    assert opened["services"] == [source["service"]] and opened["severity"] == "SEV2"
    assert shown(api, check["id"])["alerting"] is True
    for _ in range(2):
        advance(INTERVAL)
        assert run(api) == 0  # the same alert, still firing
    [again] = alerts_of(api, integration=source["id"])
    assert again["id"] == alert["id"] and again["status"] == "firing"
    web.answer.status = 200
    advance(INTERVAL)
    assert run(api) == 0
    [resolved] = alerts_of(api, integration=source["id"])
    assert resolved["status"] == "resolved"
    assert incident(api, alert["incident_id"])["status"] == "resolved"
    after = shown(api, check["id"])
    assert after["alerting"] is False and after["consecutive_failures"] == 0
    assert [r["ok"] for r in results(api, check["id"])["items"]] == [True] + [False] * 4


def test_one_success_in_between_starts_the_count_again(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    http_check(api, source, web, failures_before_alert=2)
    for status in (500, 200, 500):
        web.answer.status = status
        assert run(api) == 0
        advance(INTERVAL)
    assert alerts_of(api, integration=source["id"]) == []


def test_an_answer_slower_than_the_threshold_is_a_failure(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    slow = http_check(api, source, web, latency_threshold_ms=500, failures_before_alert=1)
    fine = http_check(api, source, web, latency_threshold_ms=5000)
    assert run(api, timer=Ticks(1.0)) == 1  # each answer "takes" one second
    failed = only_result(api, slow["id"])
    assert failed["ok"] is False and failed["latency_ms"] == pytest.approx(1000)
    assert failed["error"] == "took 1000 ms, over the threshold of 500 ms"
    assert only_result(api, fine["id"])["ok"] is True


def test_the_body_must_contain_the_text(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    found = http_check(api, source, web, body_contains="systems go")
    missing = http_check(api, source, web, body_contains="maintenance")
    run(api)
    assert only_result(api, found["id"])["ok"] is True
    failed = only_result(api, missing["id"])
    assert failed["ok"] is False and failed["status_code"] == 200
    assert failed["error"] == "the body does not contain 'maintenance'"


def test_an_expected_status_other_than_2xx(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    web.answer.status = 503
    check = http_check(api, source, web, expected_status=503)
    run(api)
    assert only_result(api, check["id"])["ok"] is True


def test_tcp_connect_to_a_listener_passes_and_to_a_closed_port_fails(
    api: Api, advance: Advance, source: dict[str, Any]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        up = create(api, source["id"], kind="tcp", host="127.0.0.1", port=port)
        down = create(api, source["id"], kind="tcp", host="localhost", port=free_port())
        run(api)
    passed = only_result(api, up["id"])
    assert passed["ok"] is True and passed["latency_ms"] is not None
    failed = only_result(api, down["id"])
    assert failed["ok"] is False and failed["error"].startswith("connection failed")


def test_an_internal_address_not_allowed_is_refused_at_creation_and_at_run(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    for body, field in (
        ({"kind": "http", "url": "http://10.20.30.40/health"}, "url"),
        ({"kind": "http", "url": "http://[::1]:8080/"}, "url"),
        ({"kind": "tcp", "host": "10.20.30.40", "port": 5432}, "host"),
    ):
        answer = api.responder.post(
            "/api/v1/checks", json={"name": "inside", "integration_id": source["id"]} | body
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field and "internal address" in answer.json()["message"]
    # Saved while 127.0.0.0/8 was allowed; run by a worker that no longer allows it.
    check = http_check(api, source, web, failures_before_alert=1)
    tcp = create(api, source["id"], kind="tcp", host="127.0.0.1", port=web.port)
    assert run(api, allow=[]) == 1  # the http check alerts at once, the tcp one waits
    for refused in (only_result(api, check["id"]), only_result(api, tcp["id"])):
        assert refused["ok"] is False and "internal address 127.0.0.1" in refused["error"]
    assert web.answer.hits == []  # nothing reached the site


def test_results_come_in_keyset_pages_newest_first(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    check = http_check(api, source, web)
    for status in (200, 500, 200):
        web.answer.status = status
        run(api)
        advance(INTERVAL)
    first = results(api, check["id"], limit=2)
    assert [r["ok"] for r in first["items"]] == [True, False]
    assert first["next_cursor"] is not None
    rest = results(api, check["id"], limit=2, cursor=first["next_cursor"])
    assert [r["ok"] for r in rest["items"]] == [True] and rest["next_cursor"] is None
    ids = [r["id"] for r in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)
    since = first["items"][1]["at"]
    assert len(results(api, check["id"], since=since)["items"]) == 2
    missing = api.viewer.get("/api/v1/checks/999999/results")
    assert missing.status_code == 404 and missing.json()["field"] == "check_id"


def test_a_disabled_check_does_not_run(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    check = http_check(api, source, web, enabled=False)
    run(api)
    assert results(api, check["id"])["items"] == [] and web.answer.hits == []


def test_two_workers_never_claim_the_same_check(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    made = {http_check(api, source, web)["id"] for _ in range(12)}
    start = threading.Barrier(2)
    claims: list[set[int]] = []

    def worker() -> None:
        start.wait()
        claims.append({c.subject.id for c in runs.claim_due(api.db, limit=100)})

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = claims
    assert first.isdisjoint(second) and first | second == made
    assert runs.claim_due(api.db, limit=100) == []  # every one is scheduled an interval on
    advance(INTERVAL)
    assert {c.subject.id for c in runs.claim_due(api.db, limit=100)} == made


def test_the_worker_runs_checks_on_its_own_threads(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    web.answer.status = 500
    check = http_check(api, source, web, failures_before_alert=1)
    runner = runs.CheckRunner(api.db, api.tocsin.ingest, api.settings, concurrency=2)
    assert runner.run() == 0  # started, not waited for
    runner.wait(timeout=30)
    assert runner.run() == 1  # the alert the finished run raised
    assert only_result(api, check["id"])["ok"] is False
    assert "checks" in api.tocsin.periodic


def test_deleting_a_failing_check_resolves_its_alert(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    web.answer.status = 500
    check = http_check(api, source, web, failures_before_alert=1)
    assert run(api) == 1
    assert api.responder.delete(f"/api/v1/checks/{check['id']}").status_code == 204
    [alert] = alerts_of(api, integration=source["id"])
    assert alert["status"] == "resolved"
    assert api.viewer.get(f"/api/v1/checks/{check['id']}").status_code == 404


def test_a_target_that_never_answers_fails_at_its_timeout(
    api: Api, advance: Advance, source: dict[str, Any]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        check = create(api, source["id"], kind="http", url=url, timeout_seconds=0.2)
        run(api)
    failed = only_result(api, check["id"])
    assert failed["ok"] is False and failed["error"] == "no answer within 0.2 s"


def test_moving_a_failing_check_resolves_its_alert_on_the_old_integration(
    api: Api, advance: Advance, source: dict[str, Any], web: Site
) -> None:
    web.answer.status = 500
    check = http_check(api, source, web, failures_before_alert=1)
    assert run(api) == 1
    other = integration(api)
    moved = api.responder.patch(
        f"/api/v1/checks/{check['id']}", json={"integration_id": other["id"]}
    )
    assert moved.status_code == 200 and moved.json()["alerting"] is False
    [old] = alerts_of(api, integration=source["id"])
    assert old["status"] == "resolved"
    advance(INTERVAL)
    assert run(api) == 1
    [new] = alerts_of(api, integration=other["id"])
    assert new["status"] == "firing" and new["dedup_key"] == f"check:{check['id']}"
