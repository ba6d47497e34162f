from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.alerts.sources.payloads import (
    PD_CHANGE_CLIENT,
    PD_CHANGE_DOC,
    PD_CLIENT_ACK,
    PD_CLIENT_FULL,
    PD_CLIENT_MINIMAL,
    PD_CLIENT_RESOLVE,
    PD_CLIENT_WITH_CLIENT,
    PD_OPENAPI_EXAMPLE,
    ROUTING_KEY,
    dumps,
)
from tocsin.alerts.sources import pagerduty
from tocsin.core.alerts import AlertAction, InvalidAlert

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
KEY = "0123456789abcdef0123456789abcdef"
FULL_LABELS = {"source": "db1.example", "component": "disk", "group": "db", "class": "capacity"}


def event(**changes: Any) -> bytes:
    """A valid trigger with top-level changes; ``payload_<name>`` changes payload members."""
    body: dict[str, Any] = {
        "routing_key": KEY,
        "event_action": "trigger",
        "payload": {"summary": "CPU high", "source": "web1", "severity": "critical"},
    }
    for key, value in changes.items():
        target, name = (body["payload"], key[8:]) if key.startswith("payload_") else (body, key)
        if value is ...:
            target.pop(name, None)
        else:
            target[name] = value
    return dumps(body)


def test_openapi_example() -> None:
    routing_key, alert = pagerduty.parse_event(PD_OPENAPI_EXAMPLE, NOW)
    assert routing_key == "e93facc04764012d7bfb002500d5d1a6"
    assert alert.action is AlertAction.TRIGGER
    assert alert.dedup_key == "srv01/mysql"
    assert alert.summary == "DISK at 99% on machine prod-datapipe03.example.com"
    assert alert.name == "DISK at ##% on machine prod-datapipe##.example.com"
    assert alert.source_severity == "critical"
    assert alert.labels == {
        "source": "prod-datapipe03.example.com",
        "component": "mysql",
        "group": "prod-datapipe",
        "class": "disk",
    }
    assert alert.starts_at == datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)
    assert alert.details["custom_details"]["load avg"] == 0.75
    assert alert.details["links"] == [
        {"href": "http://pagerduty.example.com", "text": "An example link."}
    ]
    assert alert.details["images"][0]["alt"] == "An example link with an image"
    assert alert.details["client"] == "Sample Monitoring Service"
    assert alert.details["client_url"] == "https://monitoring.service.com"


@pytest.mark.parametrize(
    ("body", "action", "dedup_key", "labels", "severity"),
    [
        (PD_CLIENT_FULL, AlertAction.TRIGGER, "disk-db1", FULL_LABELS, "error"),
        (PD_CLIENT_MINIMAL, AlertAction.TRIGGER, None, {"source": "web1"}, "critical"),
        (PD_CLIENT_WITH_CLIENT, AlertAction.TRIGGER, None, {"source": "x"}, "info"),
        (PD_CLIENT_ACK, AlertAction.ACKNOWLEDGE, "disk-db1", {}, None),
        (PD_CLIENT_RESOLVE, AlertAction.RESOLVE, "disk-db1", {}, None),
    ],
)  # fmt: skip
def test_bodies_the_pagerduty_client_sends(
    body: bytes,
    action: AlertAction,
    dedup_key: str | None,
    labels: dict[str, str],
    severity: str | None,
) -> None:
    routing_key, alert = pagerduty.parse_event(body, NOW)
    assert routing_key == ROUTING_KEY
    assert (alert.action, alert.labels, alert.source_severity) == (action, labels, severity)
    if dedup_key is None:
        assert len(alert.dedup_key) == 32 and int(alert.dedup_key, 16) >= 0
    else:
        assert alert.dedup_key == dedup_key
    assert pagerduty.parse(body, now=NOW)[0].action is action


def test_generated_dedup_keys_differ() -> None:
    keys = {pagerduty.parse_event(PD_CLIENT_MINIMAL, NOW)[1].dedup_key for _ in range(20)}
    assert len(keys) == 20
    assert pagerduty.parse_event(event(dedup_key=""), NOW)[1].dedup_key  # blank: generated


def test_acknowledge_and_resolve_ignore_the_payload() -> None:
    body = event(event_action="resolve", dedup_key="k", payload="anything")
    _, alert = pagerduty.parse_event(body, NOW)
    assert (alert.action, alert.dedup_key, alert.summary, alert.labels) == (
        AlertAction.RESOLVE, "k", "", {}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("2026-11-24T01:00:00Z", datetime(2026, 11, 24, 1, 0, tzinfo=UTC)),
        ("2026-11-24T03:00:00+02:00", datetime(2026, 11, 24, 1, 0, tzinfo=UTC)),
        ("2026-11-24T01:00:00.5-0100", datetime(2026, 11, 24, 2, 0, 0, 500000, tzinfo=UTC)),
        ("2026-11-24T01:00:00", datetime(2026, 11, 24, 1, 0, tzinfo=UTC)),  # naive: UTC
        ("2026-11-24", datetime(2026, 11, 24, 0, 0, tzinfo=UTC)),
        (..., None),
    ],
)
def test_timestamps(timestamp: Any, expected: datetime | None) -> None:
    assert pagerduty.parse_event(event(payload_timestamp=timestamp), NOW)[1].starts_at == expected


LONG = "x" * 1025
TOO_LONG = "'payload.summary' is too long (maximum is 1024 characters)"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (event(routing_key=...), ["'routing_key' is missing or blank"]),
        (event(routing_key=" "), ["'routing_key' is missing or blank"]),
        (event(routing_key=123), ["'routing_key' must be a string"]),
        (event(routing_key="k" * 65), ["'routing_key' is too long (maximum is 64 characters)"]),
        (event(event_action=...), ["'event_action' is missing or blank"]),
        (event(event_action="create"),
         ["'event_action' is invalid (must be one of trigger, acknowledge, resolve)"]),
        (event(event_action="TRIGGER"),
         ["'event_action' is invalid (must be one of trigger, acknowledge, resolve)"]),
        (event(event_action=["trigger"]),
         ["'event_action' is invalid (must be one of trigger, acknowledge, resolve)"]),
        (event(event_action="acknowledge"), ["'dedup_key' is missing or blank"]),
        (event(event_action="resolve", dedup_key=""), ["'dedup_key' is missing or blank"]),
        (event(dedup_key="d" * 256), ["'dedup_key' is too long (maximum is 255 characters)"]),
        (event(dedup_key=42), ["'dedup_key' must be a string"]),
        (event(payload=...), ["'payload' is missing or not an object"]),
        (event(payload="CPU high"), ["'payload' is missing or not an object"]),
        (event(payload_summary=...), ["'payload.summary' is missing or blank"]),
        (event(payload_summary="  "), ["'payload.summary' is missing or blank"]),
        (event(payload_summary=LONG), [TOO_LONG]),
        (event(payload_source=...), ["'payload.source' is missing or blank"]),
        (event(payload_severity=...), ["'payload.severity' is missing or blank"]),
        (event(payload_severity="fatal"),
         ["'payload.severity' is invalid (must be one of critical, error, warning, info)"]),
        (event(payload_severity="Critical"),
         ["'payload.severity' is invalid (must be one of critical, error, warning, info)"]),
        (event(payload_timestamp="yesterday"),
         ["'payload.timestamp' is not a valid ISO 8601 timestamp"]),
        (event(payload_timestamp=True), ["'payload.timestamp' is not a valid ISO 8601 timestamp"]),
        (event(payload_timestamp="2026-11-24T02:10:01Z"),
         ["'payload.timestamp' is too far in the future (more than 10 minutes)"]),
        (event(payload_component=5), ["'payload.component' must be a string"]),
        (event(payload_class={"a": 1}), ["'payload.class' must be a string"]),
        (event(links={"href": "x"}), ["'links' must be an array"]),
        (event(links=[{"text": "no href"}]), ["'links[0].href' is missing or blank"]),
        (event(links=["https://x"]), ["'links[0]' must be an object"]),
        (event(images=[{"src": "https://x", "alt": 3}]), ["'images[0].alt' must be a string"]),
        (event(images=[{"href": "https://x"}]), ["'images[0].src' is missing or blank"]),
        (event(client=1), ["'client' must be a string"]),
        (b'{"routing_key":"k"}', ["'event_action' is missing or blank"]),
        (event(routing_key=..., event_action="trigger", payload={}),
         ["'routing_key' is missing or blank", "'payload.summary' is missing or blank",
          "'payload.source' is missing or blank", "'payload.severity' is missing or blank"]),
    ],
)  # fmt: skip
def test_invalid_events_list_every_problem(body: bytes, errors: list[str]) -> None:
    with pytest.raises(InvalidAlert) as caught:
        pagerduty.parse_event(body, NOW)
    assert caught.value.errors == errors
    assert caught.value.field in errors[0]  # the field of the first problem
    reply = json.loads(pagerduty.error_body(caught.value))
    assert reply == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": errors,
    }


@pytest.mark.parametrize("body", [b"", b"{", b"nope", b"[]", b'"text"', b"null", b"{}}"])
def test_unparsable_bodies_are_unrecognized(body: bytes) -> None:
    with pytest.raises(InvalidAlert) as caught:
        pagerduty.parse_event(body, NOW)
    assert caught.value.field == "body"
    assert json.loads(pagerduty.error_body(caught.value)) == {
        "status": "Unrecognized object",
        "message": "Event object format is unrecognized",
        "errors": ["JSON parse error"],
    }


def test_response_bodies() -> None:
    assert json.loads(pagerduty.accepted_body('srv01/"HTTP"')) == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": 'srv01/"HTTP"',
    }
    assert json.loads(pagerduty.invalid_body(["a"]))["errors"] == ["a"]
    assert json.loads(pagerduty.change_accepted_body())["status"] == "success"
    assert json.loads(pagerduty.throttled_body())["status"]


# --- change events ------------------------------------------------------------------------


def test_change_events() -> None:
    change = pagerduty.parse_change_event(PD_CHANGE_DOC, NOW)
    assert change.routing_key == "737ea619db564d41bd9824063e1f6b08"
    assert change.summary.startswith("Build Success")
    assert change.source == "prod-build-agent-i-0b148d1040d565540"
    assert change.timestamp == datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)
    assert change.custom_details["build_number"] == "220"
    assert change.links[0]["text"] == "View in Build Pipeline"
    client = pagerduty.parse_change_event(PD_CHANGE_CLIENT, NOW)
    assert (client.routing_key, client.source, client.images) == (ROUTING_KEY, "ci", [])


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (b'{"payload":{"summary":"s"}}', ["'routing_key' is missing or blank"]),
        (b'{"routing_key":"k"}', ["'payload' is missing or not an object"]),
        (b'{"routing_key":"k","payload":{"summary":" "}}',
         ["'payload.summary' is missing or blank"]),
        (b'{"routing_key":"k","payload":{"summary":"s","timestamp":"2030-01-01T00:00:00Z"}}',
         ["'payload.timestamp' is too far in the future (more than 10 minutes)"]),
        (b'{"routing_key":"k","payload":{"summary":"s"},"links":[{}]}',
         ["'links[0].href' is missing or blank"]),
    ],
)  # fmt: skip
def test_invalid_change_events(body: bytes, errors: list[str]) -> None:
    with pytest.raises(InvalidAlert) as caught:
        pagerduty.parse_change_event(body, NOW)
    assert caught.value.errors == errors
