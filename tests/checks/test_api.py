"""The checks API: who may do what, and bad input refused with the field it concerns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.builders import integration
from tests.checks.sites import create, delete_all, shown
from tests.conftest import Api


@pytest.fixture
def source(api: Api) -> Iterator[dict[str, Any]]:
    yield integration(api)
    delete_all(api)


def http(source: dict[str, Any], **fields: Any) -> dict[str, Any]:
    base = {"name": "site", "kind": "http", "url": "http://127.0.0.1:9/", "integration_id": 0}
    return base | {"integration_id": source["id"]} | fields


BAD: list[tuple[dict[str, Any], str]] = [
    ({"url": "ftp://127.0.0.1/"}, "url"),
    ({"url": "http:///nohost"}, "url"),
    ({"url": None}, "url"),
    ({"host": "127.0.0.1"}, "host"),
    ({"port": 80}, "port"),
    ({"kind": "icmp"}, "kind"),
    ({"kind": "tcp", "url": None, "port": 22}, "host"),
    ({"kind": "tcp", "url": None, "host": "127.0.0.1"}, "port"),
    ({"kind": "tcp", "host": "127.0.0.1", "port": 22}, "url"),
    ({"kind": "tcp", "url": None, "host": "127.0.0.1", "port": 0}, "port"),
    ({"kind": "tcp", "url": None, "host": "127.0.0.1", "port": 65536}, "port"),
    (
        {"kind": "tcp", "url": None, "host": "127.0.0.1", "port": 22, "body_contains": "x"},
        "body_contains",
    ),
    ({"interval_seconds": 29}, "interval_seconds"),
    ({"interval_seconds": 86_401}, "interval_seconds"),
    ({"timeout_seconds": 0}, "timeout_seconds"),
    ({"timeout_seconds": 31}, "timeout_seconds"),
    ({"expected_status": 99}, "expected_status"),
    ({"expected_status": 600}, "expected_status"),
    ({"body_contains": ""}, "body_contains"),
    ({"latency_threshold_ms": 0}, "latency_threshold_ms"),
    ({"failures_before_alert": 0}, "failures_before_alert"),
    ({"integration_id": 0}, "integration_id"),
    ({"integration_id": 2_000_000_000}, "integration_id"),
    ({"name": " "}, "name"),
    ({"color": "red"}, "color"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_input_is_refused_naming_the_field(
    api: Api, source: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    answer = api.responder.post("/api/v1/checks", json=http(source, **change))
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field, answer.json()
    assert api.viewer.get("/api/v1/checks").json() == []


def test_a_revoked_integration_cannot_carry_a_check(api: Api, source: dict[str, Any]) -> None:
    assert api.admin.delete(f"/api/v1/integrations/{source['id']}").status_code == 200
    answer = api.responder.post("/api/v1/checks", json=http(source))
    assert answer.status_code == 422 and answer.json()["field"] == "integration_id"


def test_viewers_read_and_responders_change(api: Api, source: dict[str, Any]) -> None:
    assert api.viewer.post("/api/v1/checks", json=http(source)).status_code == 403
    assert api.anonymous().get("/api/v1/checks").status_code == 401
    check = create(api, source["id"], kind="http", url="http://127.0.0.1:9/up")
    assert check["interval_seconds"] == 60 and check["failures_before_alert"] == 2
    assert check["created_by"].endswith("test-responder") and check["enabled"] is True
    path = f"/api/v1/checks/{check['id']}"
    assert api.viewer.get("/api/v1/checks").json()[0]["id"] == check["id"]
    assert api.viewer.patch(path, json={"enabled": False}).status_code == 403
    assert api.viewer.delete(path).status_code == 403
    assert api.viewer.get(f"{path}/results").status_code == 200


def test_patch_changes_what_is_sent_and_checks_the_whole(api: Api, source: dict[str, Any]) -> None:
    check = create(api, source["id"], kind="http", url="http://127.0.0.1:9/up")
    path = f"/api/v1/checks/{check['id']}"
    changed = api.responder.patch(path, json={"interval_seconds": 300, "body_contains": "ok"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["interval_seconds"] == 300 and changed.json()["body_contains"] == "ok"
    assert changed.json()["url"] == "http://127.0.0.1:9/up"
    for body, field in (
        ({"interval_seconds": None}, "interval_seconds"),
        ({"url": "gopher://127.0.0.1/"}, "url"),
        ({"url": "http://10.9.8.7/"}, "url"),
        ({"host": "127.0.0.1"}, "host"),
        ({"kind": "tcp"}, "kind"),
        ({"integration_id": 2_000_000_000}, "integration_id"),
    ):
        answer = api.responder.patch(path, json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field, answer.json()
    assert shown(api, check["id"])["interval_seconds"] == 300
    cleared = api.responder.patch(path, json={"body_contains": None})
    assert cleared.json()["body_contains"] is None
    assert api.responder.patch("/api/v1/checks/999999", json={}).status_code == 404
