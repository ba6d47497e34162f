"""/v2/enqueue behaves like PagerDuty's Events API v2: 202 bodies, dedup, ack, resolve, 400, 429."""

from __future__ import annotations

from typing import Any

import httpx

from tests.alerts.helpers import alerts_of, enqueue
from tests.builders import incident, integration, timeline
from tests.conftest import Api


def trigger(key: str, dedup_key: str | None = None, **payload: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "routing_key": key,
        "event_action": "trigger",
        "payload": {"summary": "Disk full on db1", "source": "db1", "severity": "error"} | payload,
    }
    if dedup_key is not None:
        body["dedup_key"] = dedup_key
    return body


def act(key: str, action: str, dedup_key: str) -> dict[str, Any]:
    return {"routing_key": key, "event_action": action, "dedup_key": dedup_key}


def test_trigger_acknowledge_resolve(api: Api) -> None:
    created = integration(api, "pagerduty")
    key = created["key"]
    first = enqueue(api, trigger(key, "disk-db1"))
    assert first.status_code == 202
    assert first.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "disk-db1",
    }
    assert enqueue(api, trigger(key, "disk-db1")).status_code == 202
    [alert] = alerts_of(api, integration=created["id"])
    assert alert["name"] == "Disk full on db#"
    assert alert["count"] == 2 and alert["severity"] == "SEV2"
    assert alert["labels"] == {"source": "db1"}
    iid = alert["incident_id"]
    assert enqueue(api, act(key, "acknowledge", "disk-db1")).status_code == 202
    assert incident(api, iid)["status"] == "acknowledged"
    assert enqueue(api, act(key, "acknowledge", "disk-db1")).status_code == 202  # no change
    assert enqueue(api, trigger(key, "disk-db1")).status_code == 202  # still acknowledged
    [alert] = alerts_of(api, integration=created["id"])
    assert (alert["status"], alert["count"]) == ("acknowledged", 3)
    assert incident(api, iid)["status"] == "acknowledged"
    assert enqueue(api, act(key, "resolve", "disk-db1")).status_code == 202
    assert incident(api, iid)["status"] == "resolved"  # PagerDuty integrations auto-resolve
    moves = [(e["data"]["from"], e["data"]["to"]) for e in timeline(api, iid, "status_changed")]
    assert moves == [("triggered", "acknowledged"), ("acknowledged", "resolved")]
    # A trigger after the resolve opens a new alert and a new incident.
    assert enqueue(api, trigger(key, "disk-db1")).status_code == 202
    newest = alerts_of(api, integration=created["id"])[0]
    assert newest["incident_id"] != iid and newest["count"] == 1


def test_trigger_without_dedup_key_gets_one(api: Api) -> None:
    created = integration(api, "pagerduty")
    key, integration_id = created["key"], created["id"]
    response = enqueue(api, trigger(key, summary="No key given"))
    assert response.status_code == 202
    dedup_key = response.json()["dedup_key"]
    [alert] = alerts_of(api, integration=integration_id)
    assert alert["dedup_key"] == dedup_key and alert["status"] == "firing"
    assert enqueue(api, act(key, "resolve", dedup_key)).status_code == 202
    [alert] = alerts_of(api, integration=integration_id)
    assert alert["status"] == "resolved"  # the key given back reaches the alert


def test_ack_or_resolve_of_an_unknown_key_is_accepted_and_dropped(api: Api) -> None:
    created = integration(api, "pagerduty")
    response = enqueue(api, act(created["key"], "resolve", "never-seen"))
    assert response.status_code == 202
    assert response.json()["dedup_key"] == "never-seen"
    assert alerts_of(api, integration=created["id"]) == []


def test_invalid_events_get_pagerduty_400_bodies(api: Api) -> None:
    created = integration(api, "pagerduty")
    key = created["key"]
    no_summary = trigger(key)
    del no_summary["payload"]["summary"]
    cases = [
        ({"routing_key": key, "event_action": "explode", "dedup_key": "x"}, "event_action"),
        (act(key, "resolve", ""), "dedup_key"),
        (no_summary, "summary"),
        (trigger(key, severity="fatal"), "severity"),
        (trigger(key, summary="x" * 1025), "summary"),
        (trigger(key, timestamp="2999-01-01T00:00:00Z"), "timestamp"),
        ({"event_action": "trigger", "payload": {}}, "routing_key"),
    ]
    for body, word in cases:
        response = enqueue(api, body)
        assert response.status_code == 400, (body, response.text)
        answer = response.json()
        assert answer["status"] == "invalid event"
        assert answer["message"] == "Event object is invalid"
        assert any(word in error for error in answer["errors"]), answer
    malformed = httpx.post(
        f"{api.url}/v2/enqueue", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["status"] == "Unrecognized object"
    assert alerts_of(api, integration=created["id"]) == []


def test_unknown_routing_key_is_refused(api: Api) -> None:
    response = enqueue(api, trigger("f" * 32, "x"))
    assert response.status_code == 400
    assert "routing_key" in response.json()["errors"][0]


def test_rate_limit_answers_429_and_stores_nothing(api: Api) -> None:
    created = integration(api, "pagerduty", rate_limit_per_minute=2)
    key = created["key"]
    assert enqueue(api, trigger(key, "rl-1")).status_code == 202
    assert enqueue(api, trigger(key, "rl-2")).status_code == 202
    refused = enqueue(api, trigger(key, "rl-3"))
    assert refused.status_code == 429
    assert refused.json()["status"] == "throttle event"
    assert refused.headers["retry-after"]
    keys = {a["dedup_key"] for a in alerts_of(api, integration=created["id"])}
    assert keys == {"rl-1", "rl-2"}
    counted = api.viewer.get(f"/api/v1/integrations/{created['id']}").json()
    assert counted["rate_limited_events"] == 1


def test_change_events_are_refused_plainly(api: Api) -> None:
    key = integration(api, "pagerduty")["key"]
    body = {"routing_key": key, "payload": {"summary": "deployed", "source": "ci"}}
    response = httpx.post(f"{api.url}/v2/change/enqueue", json=body)
    assert response.status_code == 501
    assert httpx.get(f"{api.url}/v2/enqueue").status_code == 405
