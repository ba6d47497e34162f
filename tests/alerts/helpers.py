"""Alertmanager and PagerDuty bodies for the alerts tests, and sending them to a server.

Integrations and incidents come from ``tests.builders``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import Api
from tocsin import clock
from tocsin.alerts import integrations
from tocsin.alerts.integration_cache import IntegrationInfo


def am_alert(
    instance: str, *, status: str = "firing", alertname: str = "DiskFull", **labels: str
) -> dict[str, Any]:
    ends = "0001-01-01T00:00:00Z" if status == "firing" else clock.now().isoformat()
    all_labels = {"alertname": alertname, "instance": instance, "severity": "critical"} | labels
    return {
        "status": status,
        "labels": all_labels,
        "annotations": {"summary": f"{alertname} on {instance}"},
        "startsAt": (clock.now() - timedelta(minutes=3)).isoformat(),
        "endsAt": ends,
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": f"fp-{alertname}-{instance}",
    }


def am_body(*alerts: dict[str, Any]) -> dict[str, Any]:
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "receiver": "tocsin",
        "status": "firing" if firing else "resolved",
        "alerts": list(alerts),
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
    }


def hook(api: Api, key: str, body: Any) -> httpx.Response:
    return httpx.post(f"{api.url}/hooks/{key}", json=body, timeout=30)


def post_alerts(api: Api, key: str, *alerts: dict[str, Any]) -> list[dict[str, Any]]:
    response = hook(api, key, am_body(*alerts))
    assert response.status_code == 200, response.text
    outcomes: list[dict[str, Any]] = response.json()["alerts"]
    return outcomes


def enqueue(api: Api, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{api.url}/v2/enqueue", json=body, timeout=30)


def alerts_of(api: Api, **query: Any) -> list[dict[str, Any]]:
    response = api.viewer.get("/api/v1/alerts", params=query)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def incident_id_of(outcome: dict[str, Any]) -> int:
    incident_id = outcome["incident_id"]
    assert isinstance(incident_id, int), outcome
    return incident_id


def info_of(api: Api, created: dict[str, Any]) -> IntegrationInfo:
    """The integration as the ingest path sees it."""
    key = integrations.digest(created["key"])
    info = integrations.find_by_digest(api.db, api.tocsin.ingest, key)
    assert info is not None
    return info
