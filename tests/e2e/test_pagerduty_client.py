"""PagerDuty's own Python client (PyPI ``pagerduty``) sending Events API v2 to Tocsin."""

from __future__ import annotations

import pagerduty
import pytest

from tests.alerts.helpers import alerts_of
from tests.builders import incident, integration
from tests.conftest import Api


class LocalEventsClient(pagerduty.EventsApiV2Client):  # type: ignore[misc]
    """The client refuses http:// base URLs; tests talk to a loopback server."""

    @property
    def url(self) -> str:
        return str(self._url)

    @url.setter
    def url(self, value: str) -> None:
        self._url = value


def client(api: Api, key: str) -> LocalEventsClient:
    found = LocalEventsClient(key)
    found.url = api.url
    return found


def test_trigger_acknowledge_resolve_with_the_real_client(api: Api) -> None:
    created = integration(api, "pagerduty", severity_mapping={"critical": "SEV1"})
    events = client(api, created["key"])
    dedup_key = events.trigger(
        "Checkout latency over 2 s",
        "web-1.example",
        dedup_key="latency-web-1",
        severity="critical",
        custom_details={"p99_ms": 2400},
        links=[{"href": "https://runbooks.example/latency", "text": "Runbook"}],
    )
    assert dedup_key == "latency-web-1"
    again = events.trigger("Checkout latency over 2 s", "web-1.example", dedup_key=dedup_key)
    assert again == dedup_key
    [alert] = alerts_of(api, integration=created["id"])
    assert alert["count"] == 2 and alert["severity"] == "SEV1"
    assert alert["details"]["custom_details"] == {"p99_ms": 2400}
    iid = alert["incident_id"]
    assert events.acknowledge(dedup_key) == dedup_key
    assert incident(api, iid)["status"] == "acknowledged"
    assert events.resolve(dedup_key) == dedup_key
    assert incident(api, iid)["status"] == "resolved"


def test_generated_dedup_keys_come_back_to_the_client(api: Api) -> None:
    created = integration(api, "pagerduty")
    events = client(api, created["key"])
    dedup_key = events.trigger("Queue backlog", "worker-3")
    [alert] = alerts_of(api, integration=created["id"])
    assert alert["dedup_key"] == dedup_key
    events.resolve(dedup_key)
    assert alerts_of(api, integration=created["id"])[0]["status"] == "resolved"


def test_invalid_events_and_unknown_keys_raise_http_400(api: Api) -> None:
    created = integration(api, "pagerduty")
    with pytest.raises(pagerduty.HttpError) as raised:
        client(api, created["key"]).send_event("trigger", payload={"source": "x"})
    assert raised.value.response.status_code == 400
    assert "summary" in raised.value.response.text
    with pytest.raises(pagerduty.HttpError) as unknown:
        client(api, "0123456789abcdef0123456789abcdef").trigger("x", "y")
    assert unknown.value.response.status_code == 400
    assert "routing_key" in unknown.value.response.text
    assert alerts_of(api, integration=created["id"]) == []
