"""Building integrations and Alertmanager/PagerDuty bodies for the alerts tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import Api
from tocsin import clock

_names = itertools.count(1)


def integration(api: Api, kind: str = "alertmanager", **rules: Any) -> dict[str, Any]:
    body = {"kind": kind, "name": f"{kind}-{next(_names)}", "service": "checkout"} | rules
    response = api.admin.post("/api/v1/integrations", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


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


def incident(api: Api, incident_id: int) -> dict[str, Any]:
    response = api.viewer.get(f"/api/v1/incidents/{incident_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def kinds(api: Api, incident_id: int) -> list[str]:
    response = api.viewer.get(f"/api/v1/incidents/{incident_id}/events", params={"limit": 200})
    assert response.status_code == 200
    return [e["kind"] for e in response.json()["items"]]


def events(api: Api, incident_id: int, kind: str) -> list[dict[str, Any]]:
    response = api.viewer.get(f"/api/v1/incidents/{incident_id}/events", params={"limit": 200})
    return [e for e in response.json()["items"] if e["kind"] == kind]


def incident_id_of(outcome: dict[str, Any]) -> int:
    incident_id = outcome["incident_id"]
    assert isinstance(incident_id, int), outcome
    return incident_id


@contextmanager
def moving_clock(start: datetime | None = None) -> Iterator[Callable[[timedelta], None]]:
    """Freeze the clock (server included: same process) and give a function to move it."""
    now = [start or datetime.now(UTC)]
    clock.set_clock(lambda: now[0])

    def advance(by: timedelta) -> None:
        now[0] += by

    try:
        yield advance
    finally:
        clock.set_clock(None)
