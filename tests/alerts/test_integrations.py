"""Integrations over HTTP: create, keys, revoke, rotate, change; on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import httpx

from tests.alerts.helpers import alerts_of, am_alert, am_body, hook
from tests.builders import integration
from tests.conftest import Api


def test_create_answers_the_key_and_the_url(api: Api) -> None:
    created = integration(api, severity_mapping={"critical": "P0"}, group_by=["alertname"])
    key = created["key"]
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert created["url"] == f"{api.settings.base_url}/hooks/{key}"
    assert created["heartbeat_url"] == f"{api.settings.base_url}/hooks/{key}/heartbeat"
    assert created["key_prefix"] == key[:6]
    assert created["rules"]["severity_mapping"] == {"critical": "SEV1"}
    assert created["rules"]["rate_limit_per_minute"] == 6000
    assert created["created_by"] == "token:test-admin"
    listed = api.viewer.get("/api/v1/integrations").json()
    mine = next(i for i in listed if i["id"] == created["id"])
    assert "key" not in mine and mine["name"] == created["name"]


def test_pagerduty_integrations_send_to_v2_enqueue(api: Api) -> None:
    created = integration(api, "pagerduty")
    assert created["url"] == f"{api.settings.base_url}/v2/enqueue"
    assert created["rules"]["auto_resolve"] is None


def test_only_admins_create_integrations(api: Api) -> None:
    body = {"kind": "alertmanager", "name": "x", "service": "checkout"}
    assert api.responder.post("/api/v1/integrations", json=body).status_code == 403
    assert api.anonymous().post("/api/v1/integrations", json=body).status_code == 401


def test_invalid_integrations_name_the_field(api: Api) -> None:
    am = {"kind": "alertmanager", "name": "x", "service": "s"}
    cases = [
        (am | {"kind": "nagios"}, "kind"),
        (am | {"name": ""}, "name"),
        (am | {"service": "bad service!"}, "service"),
        (am | {"severity_mapping": {"a": "SEV9"}}, "severity_mapping.a"),
        (am | {"rate_limit_per_minute": 0}, "rate_limit_per_minute"),
        (am | {"colour": "red"}, "colour"),
        (am | {"kind": "generic"}, "generic"),
        (am | {"kind": "generic", "generic": {"dedup_key": "id"}}, "generic.summary"),
        (am | {"kind": "heartbeat"}, "heartbeat_interval_minutes"),
    ]
    for body, field in cases:
        response = api.admin.post("/api/v1/integrations", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, response.text


def test_revoked_key_gets_404_and_stores_nothing(api: Api) -> None:
    created = integration(api)
    revoked = api.admin.delete(f"/api/v1/integrations/{created['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    response = hook(api, created["key"], am_body(am_alert("revoked-1")))
    assert response.status_code == 404
    assert response.json()["field"] == "key"
    assert alerts_of(api, integration=created["id"]) == []
    ids = [i["id"] for i in api.viewer.get("/api/v1/integrations").json()]
    assert created["id"] not in ids
    everything = api.viewer.get("/api/v1/integrations", params={"include_revoked": "true"}).json()
    assert created["id"] in [i["id"] for i in everything]


def test_unknown_key_gets_404_and_bearer_401(api: Api) -> None:
    assert hook(api, "0" * 32, am_body(am_alert("x"))).status_code == 404
    created = integration(api)
    body = am_body(am_alert("bearer-1"))
    missing = httpx.post(f"{api.url}/hooks", json=body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = httpx.post(f"{api.url}/hooks", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["field"] == "key"
    good = httpx.post(
        f"{api.url}/hooks", json=body, headers={"Authorization": f"Bearer {created['key']}"}
    )
    assert good.status_code == 200, good.text
    assert len(alerts_of(api, integration=created["id"])) == 1


def test_rotating_the_key_retires_the_old_one(api: Api) -> None:
    created = integration(api)
    assert hook(api, created["key"], am_body(am_alert("rot-1"))).status_code == 200
    rotated = api.admin.post(f"/api/v1/integrations/{created['id']}/rotate")
    assert rotated.status_code == 200
    new_key = rotated.json()["key"]
    assert new_key != created["key"]
    assert hook(api, created["key"], am_body(am_alert("rot-2"))).status_code == 404
    assert hook(api, new_key, am_body(am_alert("rot-2"))).status_code == 200


def test_changing_rules_applies_to_the_next_alert(api: Api) -> None:
    created = integration(api)
    patched = api.admin.patch(
        f"/api/v1/integrations/{created['id']}",
        json={"default_severity": "SEV1", "name": "renamed"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "renamed"
    assert patched.json()["rules"]["default_severity"] == "SEV1"
    alert = am_alert("patch-1", severity="unmapped")
    assert hook(api, created["key"], am_body(alert)).status_code == 200
    assert alerts_of(api, integration=created["id"])[0]["severity"] == "SEV1"
    bad = api.admin.patch(f"/api/v1/integrations/{created['id']}", json={"burst_minutes": 0})
    assert bad.status_code == 422 and bad.json()["field"] == "burst_minutes"
    missing = api.admin.patch("/api/v1/integrations/999999", json={"name": "x"})
    assert missing.status_code == 404
