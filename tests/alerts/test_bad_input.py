"""Every bad request gets a 4xx that names the problem, and nothing is stored."""

from __future__ import annotations

from datetime import timedelta

import httpx
import msgspec
import pytest

from tests.alerts.helpers import alerts_of, am_alert, am_body
from tests.builders import integration
from tests.conftest import Api
from tocsin import clock

JSON = {"content-type": "application/json"}


def future_alert() -> dict[str, object]:
    alert = am_alert("future-1")
    alert["startsAt"] = (clock.now() + timedelta(days=2)).isoformat()
    return alert


def bad_status() -> dict[str, object]:
    return am_alert("status-1") | {"status": "exploded"}


def encoded(alert: dict[str, object]) -> bytes:
    return msgspec.json.encode(am_body(alert))


def no_labels() -> dict[str, object]:
    alert = am_alert("labels-1")
    del alert["labels"]
    return alert


@pytest.mark.parametrize(
    ("content", "headers", "status", "field"),
    [
        (b'{"alerts": [', JSON, 400, "body"),
        (b"[1, 2]", JSON, 400, "body"),
        (b"{}", JSON, 422, "alerts"),
        (encoded(no_labels()), JSON, 422, "alerts[0].labels"),
        (encoded(bad_status()), JSON, 422, "alerts[0].status"),
        (encoded(future_alert()), JSON, 422, "alerts[0].startsAt"),
        (b'{"alerts": []}', {"content-type": "text/plain"}, 415, None),
        (b'{"alerts": []}', {}, 415, None),
    ],
)
def test_bad_webhook_bodies(
    api: Api, content: bytes, headers: dict[str, str], status: int, field: str | None
) -> None:
    created = integration(api)
    response = httpx.post(f"{api.url}/hooks/{created['key']}", content=content, headers=headers)
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["message"]
    if field is not None:
        assert answer["field"] == field, answer
    assert alerts_of(api, integration=created["id"]) == []


def test_huge_bodies_get_413(api: Api) -> None:
    created = integration(api)
    many = am_body(*(am_alert(f"huge-{n}", padding="x" * 2000) for n in range(600)))
    response = httpx.post(f"{api.url}/hooks/{created['key']}", json=many)
    assert response.status_code == 413
    assert response.json()["field"] == "body"
    chunks = (b"x" * 65536 for _ in range(40))  # streamed, no content-length
    streamed = httpx.post(f"{api.url}/v2/enqueue", content=chunks, headers=JSON)
    assert streamed.status_code == 413
    assert alerts_of(api, integration=created["id"]) == []


def test_wrong_methods_and_paths(api: Api) -> None:
    key = integration(api)["key"]
    assert httpx.get(f"{api.url}/hooks/{key}").status_code == 405
    assert httpx.post(f"{api.url}/hooks/{key}/nothing", json={}).status_code == 404
    assert httpx.post(f"{api.url}/v2/other", json={}).status_code == 404


def test_generic_webhooks_use_their_mapping(api: Api) -> None:
    mapping = {
        "root": "events",
        "summary": "title",
        "dedup_key": "id",
        "severity": "level",
        "status": "state",
        "labels": "tags",
    }
    created = integration(api, "generic", generic=mapping, severity_mapping={"high": "SEV1"})
    first = {"id": "e1", "title": "Queue backlog", "level": "high", "state": "open"}
    second = {"id": "e2", "title": "Queue slow", "level": "low", "state": "open"}
    body = {"events": [first | {"tags": {"q": "a"}}, second | {"tags": {"q": "b"}}]}
    response = httpx.post(f"{api.url}/hooks/{created['key']}", json=body)
    assert response.status_code == 200, response.text
    found = {a["dedup_key"]: a for a in alerts_of(api, integration=created["id"])}
    assert found["e1"]["severity"] == "SEV1" and found["e2"]["severity"] == "SEV3"
    assert found["e1"]["labels"] == {"q": "a"}
    body["events"][0]["state"] = "resolved"
    assert httpx.post(f"{api.url}/hooks/{created['key']}", json=body).status_code == 200
    statuses = {a["dedup_key"]: a["status"] for a in alerts_of(api, integration=created["id"])}
    assert statuses == {"e1": "resolved", "e2": "firing"}
    missing = httpx.post(f"{api.url}/hooks/{created['key']}", json={"events": [{"id": "e3"}]})
    assert missing.status_code == 422
    assert missing.json()["field"].startswith("events[0]")
