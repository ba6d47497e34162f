from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.alerts.sources.payloads import dumps
from tocsin.alerts.sources import generic
from tocsin.alerts.sources.generic import GenericMapping, mapping_from
from tocsin.core.alerts import AlertAction, InvalidAlert, derive_dedup_key

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)

# The examples of docs/alert-sources.md.
SCRIPT = GenericMapping(
    summary="title",
    dedup_key="id",
    status="state",
    severity="level",
    labels="tags",
    starts_at="time",
)
SCRIPT_BODY = {
    "id": "backup-nightly",
    "title": "Nightly backup failed",
    "state": "alerting",
    "level": "error",
    "tags": {"team": "data", "host": "db1", "attempt": 3, "retried": True, "extra": None},
    "time": 1764000000,
}
LISTED = GenericMapping(
    root="data.events",
    summary="message",
    dedup_key="check.id",
    status="check.status",
    resolve_values=["UP"],
    name="check.name",
    labels="check.labels",
    details="check",
)
LISTED_BODY = {
    "data": {
        "events": [
            {"message": "api down", "check": {"id": 7, "name": "API", "status": "DOWN",
                                              "labels": {"env": "prod"}}},
            {"message": "api up", "check": {"id": 7, "name": "API", "status": "up"}},
        ]
    }
}  # fmt: skip


def parse(body: Any, mapping: GenericMapping) -> list[Any]:
    return generic.parse(dumps(body), now=NOW, mapping=mapping)


def test_single_object_webhook() -> None:
    (alert,) = parse(SCRIPT_BODY, SCRIPT)
    assert alert.action is AlertAction.TRIGGER
    assert alert.dedup_key == "backup-nightly"
    assert alert.summary == "Nightly backup failed"
    assert alert.source_severity == "error"
    assert alert.labels == {"team": "data", "host": "db1", "attempt": "3", "retried": "true"}
    assert alert.starts_at == datetime(2025, 11, 24, 16, 0, tzinfo=UTC)
    assert alert.details == {"data": SCRIPT_BODY}
    assert alert.name == "Nightly backup failed"


def test_list_root_with_resolve_values_and_details() -> None:
    down, up = parse(LISTED_BODY, LISTED)
    assert (down.action, up.action) == (AlertAction.TRIGGER, AlertAction.RESOLVE)  # any case
    assert down.dedup_key == up.dedup_key == "7"
    assert down.name == "API" and down.labels == {"env": "prod"}
    assert down.details == {"data": LISTED_BODY["data"]["events"][0]["check"]}


@pytest.mark.parametrize(
    ("state", "action"),
    [("ok", AlertAction.RESOLVE), ("RESOLVED", AlertAction.RESOLVE),
     ("ack", AlertAction.ACKNOWLEDGE), ("firing", AlertAction.TRIGGER),
     (None, AlertAction.TRIGGER), (1, AlertAction.TRIGGER)],
)  # fmt: skip
def test_status_values(state: Any, action: AlertAction) -> None:
    assert parse({**SCRIPT_BODY, "state": state}, SCRIPT)[0].action is action


def test_body_array_and_index_paths() -> None:
    mapping = GenericMapping(summary="msg", dedup_key="ids.0")
    alerts = parse([{"msg": "a", "ids": ["x1"]}, {"msg": "b", "ids": ["x2"]}], mapping)
    assert [a.dedup_key for a in alerts] == ["x1", "x2"]


def test_derived_keys_without_a_dedup_path() -> None:
    mapping = GenericMapping(summary="msg", labels="labels")
    with_labels = parse({"msg": "m", "labels": {"a": "1"}}, mapping)[0]
    assert with_labels.dedup_key == derive_dedup_key({"a": "1"})
    bare = parse({"msg": "m 1"}, mapping)[0]
    assert bare.dedup_key == derive_dedup_key({"summary": "m 1"})
    assert bare.name == "m #"


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        (1764000000, datetime(2025, 11, 24, 16, 0, tzinfo=UTC)),
        (1764000000500, datetime(2025, 11, 24, 16, 0, 0, 500000, tzinfo=UTC)),  # ms
        ("2026-11-24T01:00:00+01:00", datetime(2026, 11, 24, 0, 0, tzinfo=UTC)),
        (None, None),
    ],
)
def test_start_times(time: Any, expected: datetime | None) -> None:
    assert parse({**SCRIPT_BODY, "time": time}, SCRIPT)[0].starts_at == expected


@pytest.mark.parametrize(
    ("body", "mapping", "field"),
    [
        ({**SCRIPT_BODY, "title": None}, SCRIPT, "title"),
        ({**SCRIPT_BODY, "title": " "}, SCRIPT, "title"),
        ({k: v for k, v in SCRIPT_BODY.items() if k != "title"}, SCRIPT, "title"),
        ({**SCRIPT_BODY, "title": {"x": 1}}, SCRIPT, "title"),
        ({**SCRIPT_BODY, "id": "k" * 256}, SCRIPT, "id"),
        ({**SCRIPT_BODY, "tags": ["a"]}, SCRIPT, "tags"),
        ({**SCRIPT_BODY, "time": "soon"}, SCRIPT, "time"),
        ({**SCRIPT_BODY, "time": 4102444800}, SCRIPT, "time"),  # 2100: far future
        ({**SCRIPT_BODY, "time": 10**30}, SCRIPT, "time"),
        ({"data": {"events": {}}}, LISTED, "data.events"),
        ({"data": {}}, LISTED, "data.events"),
        ({"data": {"events": [{"message": "ok", "check": {}}, {"check": {}}]}}, LISTED,
         "data.events[1].message"),
        ({"data": {"events": ["text"]}}, LISTED, "data.events[0]"),
        ([{"title": "a"}, 3], SCRIPT, "[1]"),
        ("just text", SCRIPT, "body"),
    ],
)  # fmt: skip
def test_invalid_bodies_name_the_json_path(body: Any, mapping: GenericMapping, field: str) -> None:
    with pytest.raises(InvalidAlert) as caught:
        parse(body, mapping)
    assert caught.value.field == field


def test_malformed_json() -> None:
    with pytest.raises(InvalidAlert) as caught:
        generic.parse(b"{oops", now=NOW, mapping=SCRIPT)
    assert caught.value.field == "body"


def test_long_summaries_are_cut() -> None:
    alert = parse({**SCRIPT_BODY, "title": "x" * 5000}, SCRIPT)[0]
    assert len(alert.summary) == 1024


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({}, "mapping.summary"),
        ({"summary": ""}, "mapping.summary"),
        ({"summary": "a..b"}, "mapping.summary"),
        ({"summary": "a", "root": ".a"}, "mapping.root"),
        ({"summary": "a", "labels": "x" * 201}, "mapping.labels"),
        ({"summary": "a", "colour": "x"}, "mapping.colour"),
        ({"summary": "a", "resolve_values": [""]}, "mapping.resolve_values.0"),
    ],
)
def test_mapping_validation_names_the_key(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidAlert) as caught:
        mapping_from(settings)
    assert caught.value.field == field


def test_mapping_round_trips_through_settings() -> None:
    assert mapping_from(LISTED.model_dump()) == LISTED
