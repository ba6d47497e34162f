"""An imported tool's old key reaches its integration on the tool's own URL paths:
PagerDuty's /v2/enqueue, Grafana OnCall's /integrations/v1/<kind>/<token>/ and Opsgenie's
/v2/alerts; removing the old key (PATCH legacy_key: null) makes them 401/400."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.alerts.helpers import alerts_of, am_alert, am_body, enqueue
from tests.builders import incident, integration
from tests.conftest import Api

OPSGENIE_PRIORITIES = {"P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "P4": "SEV4", "P5": "SEV4"}


def genie(api: Api, key: str, path: str = "/v2/alerts", **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"GenieKey {key}"}
    return httpx.post(f"{api.url}{path}", headers=headers, timeout=30, **kwargs)


def test_api_shows_only_that_a_legacy_key_is_set(api: Api) -> None:
    old = secrets.token_hex(16)
    created = integration(api, "pagerduty", legacy_key=old)
    assert created["legacy_key_set"] is True
    assert created["legacy_key_prefix"] == old[:4]
    shown = api.viewer.get(f"/api/v1/integrations/{created['id']}").text
    assert old not in shown and old[4:] not in shown
    listed = api.viewer.get("/api/v1/integrations").text
    assert old not in listed
    plain = integration(api, "pagerduty")
    assert (plain["legacy_key_set"], plain["legacy_key_prefix"]) == (False, None)


def test_pagerduty_routing_key_kept(api: Api) -> None:
    old = secrets.token_hex(16)
    created = integration(api, "pagerduty", legacy_key=old)
    body = {
        "routing_key": old,
        "event_action": "trigger",
        "dedup_key": "disk-db1",
        "payload": {"summary": "Disk full on db1", "source": "db1", "severity": "critical"},
    }
    answer = enqueue(api, body)
    assert answer.status_code == 202, answer.text
    [alert] = alerts_of(api, integration=created["id"])
    assert alert["incident_id"] is not None
    # Rotating the integration's own key leaves the old one working.
    rotated = api.admin.post(f"/api/v1/integrations/{created['id']}/rotate")
    assert rotated.status_code == 200 and rotated.json()["legacy_key_set"] is True
    assert enqueue(api, body).status_code == 202
    assert enqueue(api, body | {"routing_key": rotated.json()["key"]}).status_code == 202
    # Removed: the old key no longer reaches anything.
    patched = api.admin.patch(f"/api/v1/integrations/{created['id']}", json={"legacy_key": None})
    assert patched.status_code == 200 and patched.json()["legacy_key_set"] is False
    refused = enqueue(api, body)
    assert refused.status_code == 400 and "routing key" in refused.text.lower()


def test_grafana_oncall_url_kept(api: Api) -> None:
    token = secrets.token_urlsafe(18)
    created = integration(api, "alertmanager", legacy_key=token)
    url = f"{api.url}/integrations/v1/alertmanager/{token}/"
    answer = httpx.post(url, json=am_body(am_alert("db1")), timeout=30)
    assert answer.status_code == 200, answer.text
    [alert] = alerts_of(api, integration=created["id"])
    assert incident(api, alert["incident_id"])["status"] == "triggered"
    unknown = httpx.post(
        f"{api.url}/integrations/v1/alertmanager/nope{token}/", json=am_body(), timeout=30
    )
    assert unknown.status_code == 401 and unknown.json()["field"] == "token"
    api.admin.patch(f"/api/v1/integrations/{created['id']}", json={"legacy_key": None})
    gone = httpx.post(url, json=am_body(am_alert("db2")), timeout=30)
    assert gone.status_code == 401


def test_grafana_oncall_formatted_webhook_read_by_the_integrations_kind(api: Api) -> None:
    token = secrets.token_urlsafe(18)
    mapping = {"summary": "title", "dedup_key": "alert_uid", "status": "state"}
    created = integration(api, "generic", generic=mapping, legacy_key=token)
    url = f"{api.url}/integrations/v1/formatted_webhook/{token}/"
    body = {"alert_uid": "a1", "title": "Queue stuck", "state": "alerting"}
    assert httpx.post(url, json=body, timeout=30).status_code == 200
    [alert] = alerts_of(api, integration=created["id"])
    assert (alert["dedup_key"], alert["summary"]) == ("a1", "Queue stuck")
    resolved = httpx.post(url, json=body | {"state": "ok"}, timeout=30)
    assert resolved.status_code == 200
    assert alerts_of(api, integration=created["id"])[0]["status"] == "resolved"


def test_opsgenie_alert_api_kept(api: Api) -> None:
    old = "eb243592-faa2-4ba2-a551-" + secrets.token_hex(6)
    mapping = {"summary": "message", "dedup_key": "alias"}
    created = integration(
        api, "generic", generic=mapping, severity_mapping=OPSGENIE_PRIORITIES, legacy_key=old
    )
    body = {
        "message": "Checkout latency high",
        "alias": "checkout-latency",
        "description": "p99 over 2s",
        "priority": "P1",
        "tags": ["checkout"],
        "details": {"region": "eu-west-1"},
    }
    answer = genie(api, old, json=body)
    assert answer.status_code == 202, answer.text
    shape = answer.json()
    assert shape["result"] == "Request will be processed"
    assert isinstance(shape["took"], float) and shape["requestId"]
    [alert] = alerts_of(api, integration=created["id"])
    assert alert["severity"] == "SEV1" and alert["labels"] == {"region": "eu-west-1"}
    assert alert["details"]["description"] == "p99 over 2s"
    iid = alert["incident_id"]
    assert incident(api, iid)["status"] == "triggered"
    ack = genie(api, old, "/v2/alerts/checkout-latency/acknowledge?identifierType=alias", json={})
    assert ack.status_code == 202, ack.text
    assert incident(api, iid)["status"] == "acknowledged"
    closed = genie(api, old, "/v2/alerts/checkout-latency/close?identifierType=alias", json={})
    assert closed.status_code == 202, closed.text
    assert alerts_of(api, integration=created["id"])[0]["status"] == "resolved"
    api.admin.patch(f"/api/v1/integrations/{created['id']}", json={"legacy_key": None})
    refused = genie(api, old, json=body)
    assert refused.status_code == 401 and refused.json()["field"] == "authorization"


def test_opsgenie_errors_name_the_field(api: Api) -> None:
    old = secrets.token_hex(18)
    integration(api, "generic", generic={"summary": "message"}, legacy_key=old)
    missing = genie(api, old, json={"alias": "x"})
    assert missing.status_code == 422 and missing.json()["field"] == "message"
    bad = genie(api, old, json={"message": "m", "priority": "P9"})
    assert bad.status_code == 422 and bad.json()["field"] == "priority"
    by_id = genie(api, old, "/v2/alerts/abc/close", json={})
    assert by_id.status_code == 422 and by_id.json()["field"] == "identifierType"
    unknown = genie(api, "not-" + old, json={"message": "m"})
    assert unknown.status_code == 401
    no_header = httpx.post(f"{api.url}/v2/alerts", json={"message": "m"}, timeout=30)
    assert no_header.status_code == 401 and "GenieKey" in no_header.json()["message"]


def test_a_legacy_key_belongs_to_one_integration(api: Api) -> None:
    old = secrets.token_hex(16)
    first = integration(api, "pagerduty", legacy_key=old)
    taken = api.admin.post(
        "/api/v1/integrations",
        json={"kind": "pagerduty", "name": "again", "service": "checkout", "legacy_key": old},
    )
    assert taken.status_code == 409 and taken.json()["field"] == "legacy_key"
    # Revoking lets it go, so a new import can take it.
    assert api.admin.delete(f"/api/v1/integrations/{first['id']}").status_code == 200
    assert integration(api, "pagerduty", legacy_key=old)["legacy_key_set"] is True
    bad = api.admin.post(
        "/api/v1/integrations",
        json={"kind": "pagerduty", "name": "x", "service": "checkout", "legacy_key": "a/b"},
    )
    assert bad.status_code == 422
