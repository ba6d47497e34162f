"""The Opsgenie Alert API adapter: create, close and acknowledge bodies, and what it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tocsin.alerts.sources import opsgenie
from tocsin.core.alerts import AlertAction, InvalidAlert

# What Alertmanager's opsgenie_configs receiver sends (its notifier's field names).
ALERTMANAGER_BODY = {
    "alias": "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b",
    "message": "[FIRING:1] DiskFull db1",
    "description": "Disk on db1 is 97% full",
    "details": {"alertname": "DiskFull", "instance": "db1:9100"},
    "source": "http://alertmanager:9093",
    "responders": [{"type": "team", "name": "ops"}],
    "tags": ["db", "prod"],
    "note": "",
    "priority": "P2",
}


def body(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def test_a_create_keeps_message_alias_priority_details_and_the_rest() -> None:
    alert = opsgenie.parse_create(json.dumps(ALERTMANAGER_BODY).encode())
    assert alert.action is AlertAction.TRIGGER
    assert alert.dedup_key == ALERTMANAGER_BODY["alias"]
    assert alert.summary == "[FIRING:1] DiskFull db1"
    assert alert.source_severity == "P2"
    assert alert.labels == {"alertname": "DiskFull", "instance": "db1:9100"}
    assert alert.details["description"] == "Disk on db1 is 97% full"
    assert alert.details["tags"] == ["db", "prod"]
    assert alert.details["responders"] == [{"type": "team", "name": "ops"}]
    assert "note" not in alert.details  # empty text is not kept


def test_defaults_a_priority_and_a_dedup_key_from_the_message() -> None:
    one = opsgenie.parse_create(body(message="Queue stuck"))
    two = opsgenie.parse_create(body(message="Queue stuck", priority=""))
    assert one.source_severity == two.source_severity == "P3"
    assert one.dedup_key == two.dedup_key
    assert opsgenie.parse_create(body(message="Other")).dedup_key != one.dedup_key


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "message"),
        ({"message": "   "}, "message"),
        ({"message": 3}, "message"),
        ({"message": "m", "priority": "P0"}, "priority"),
        ({"message": "m", "alias": "a" * 600}, "alias"),
        ({"message": "m", "tags": "db"}, "tags"),
        ({"message": "m", "details": {"x": {"nested": 1}}}, "details.x"),
        ({"message": "m", "details": ["a"]}, "details"),
        ({"message": "bad\u0000text"}, "message"),
    ],
)
def test_bad_bodies_name_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidAlert) as raised:
        opsgenie.parse_create(body(**fields))
    assert raised.value.field == field


def test_a_body_that_is_not_an_object_is_refused() -> None:
    for raw in (b"[1]", b"{", b'"text"'):
        with pytest.raises(InvalidAlert) as raised:
            opsgenie.parse_create(raw)
        assert raised.value.field == "body"


def test_close_and_acknowledge_by_alias_with_or_without_a_body() -> None:
    closed = opsgenie.parse_action(b"", "checkout-p99", AlertAction.RESOLVE)
    assert (closed.action, closed.dedup_key) == (AlertAction.RESOLVE, "checkout-p99")
    acked = opsgenie.parse_action(body(note="on it", user="ana"), "x", AlertAction.ACKNOWLEDGE)
    assert acked.action is AlertAction.ACKNOWLEDGE and acked.details == {
        "note": "on it",
        "user": "ana",
    }


def test_answers_keep_opsgenies_shape() -> None:
    accepted = json.loads(opsgenie.accepted_body(0.0123))
    assert accepted["result"] == "Request will be processed"
    assert accepted["took"] == 0.012 and len(accepted["requestId"]) == 36
    error = json.loads(opsgenie.error_body("priority: bad", "priority"))
    assert error["errors"] == {"priority": "priority: bad"} and error["field"] == "priority"
