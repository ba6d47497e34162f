from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.alerts.sources.payloads import AM_FIRING, AM_PARTLY_RESOLVED, AM_RESOLVED, dumps
from tocsin.alerts.sources import KINDS, PARSERS, alertmanager
from tocsin.core.alerts import AlertAction, InvalidAlert, derive_dedup_key

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
STARTS = datetime(2026, 11, 24, 1, 37, 37, 774506, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def parse(body: bytes) -> list[Any]:
    return alertmanager.parse(body, now=NOW)


def with_alert(**changes: Any) -> bytes:
    """The captured firing payload with its first alert changed (None deletes a key)."""
    payload = copy.deepcopy(AM_FIRING)
    alert = payload["alerts"][0]
    for key, value in changes.items():
        if value is None:
            alert.pop(key, None)
        else:
            alert[key] = value
    return dumps(payload)


def test_firing_payload_from_a_real_alertmanager() -> None:
    db1, db2 = parse(dumps(AM_FIRING))
    assert db1.action is AlertAction.TRIGGER
    assert db1.dedup_key == "efb0c6c488e007da"
    assert db1.summary == "Disk almost full on db1"
    assert db1.name == "DiskFull"
    assert db1.source_severity == "critical"
    assert db1.labels == {"alertname": "DiskFull", "instance": "db1:9100", "severity": "critical"}
    assert db1.details == {
        "annotations": {
            "runbook_url": "https://runbooks/disk",
            "summary": "Disk almost full on db1",
        },
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
    }
    assert db1.starts_at == STARTS and db1.ends_at is None  # the zero endsAt means "not yet"
    assert (db2.dedup_key, db2.source_severity) == ("395116799cdefb2a", "warning")
    assert "generatorURL" not in db2.details  # empty in the payload


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            AM_PARTLY_RESOLVED,
            [
                ("efb0c6c488e007da", AlertAction.RESOLVE, utc(2026, 11, 24, 1, 37, 48)),
                ("395116799cdefb2a", AlertAction.TRIGGER, None),
            ],
        ),
        (
            AM_RESOLVED,
            [("395116799cdefb2a", AlertAction.RESOLVE, utc(2026, 11, 24, 1, 38, 4))],
        ),
    ],
)  # fmt: skip
def test_resolved_alerts_resolve_with_their_end(
    body: bytes, expected: list[tuple[str, AlertAction, datetime | None]]
) -> None:
    assert [(a.dedup_key, a.action, a.ends_at) for a in parse(body)] == expected


@pytest.mark.parametrize(
    ("changes", "summary", "name"),
    [
        ({"annotations": {"description": "Described"}}, "Described", "DiskFull"),
        ({"annotations": {"summary": "", "title": "Titled"}}, "Titled", "DiskFull"),
        ({"annotations": None}, "DiskFull (instance=db1:9100, severity=critical)", "DiskFull"),
        ({"annotations": {}, "labels": {"job": "a", "up": "0"}}, "job=a, up=0", "job=a, up=#"),
        ({"annotations": {"summary": "x" * 3000}}, "x" * 1023 + "…", "DiskFull"),
        ({"labels": {"alertname": "N" * 300}}, "Disk almost full on db1", "N" * 254 + "…"),
    ],
)  # fmt: skip
def test_summary_and_name_fallbacks(changes: dict[str, Any], summary: str, name: str) -> None:
    alert = parse(with_alert(**changes))[0]
    assert (alert.summary, alert.name) == (summary, name)


def test_without_fingerprint_the_labels_make_the_key() -> None:
    alert = parse(with_alert(fingerprint=None))[0]
    assert alert.dedup_key == derive_dedup_key(AM_FIRING["alerts"][0]["labels"])
    assert parse(with_alert(fingerprint=""))[0].dedup_key == alert.dedup_key


@pytest.mark.parametrize(
    "extra",
    [
        {"version": "5"},
        {"version": None, "groupKey": None},
        {"notification_reason": "first notification", "routeLabels": {"a": "b"}},
        {"somethingNew": [1, 2, {"x": None}]},
    ],
)
def test_unknown_and_newer_top_level_keys_are_ignored(extra: dict[str, Any]) -> None:
    payload = {**AM_FIRING, **extra}
    assert len(parse(dumps({k: v for k, v in payload.items() if v is not None}))) == 2


def test_minimal_alert_and_unknown_alert_keys() -> None:
    body = b'{"alerts":[{"status":"firing","labels":{"a":"b"},"new":1}]}'
    (alert,) = parse(body)
    assert alert.starts_at is None and alert.details == {} and alert.summary == "a=b"
    assert parse(b'{"alerts":[]}') == []


def test_firing_alert_with_an_end_is_still_open() -> None:
    alert = parse(with_alert(endsAt="2099-01-01T00:00:00Z"))[0]
    assert alert.action is AlertAction.TRIGGER and alert.ends_at is None


def test_offsets_become_utc_and_naive_refused() -> None:
    alert = parse(with_alert(startsAt="2026-11-24T03:30:00+02:00"))[0]
    assert alert.starts_at == datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    assert alert.starts_at is not None and alert.starts_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"", "body"),
        (b"{", "body"),
        (b"not json", "body"),
        (b"[]", "body"),
        (b'{"alerts":[]} trailing', "body"),
        (b"{}", "alerts"),
        (b'{"alerts":{}}', "alerts"),
        (b'{"alerts":[1]}', "alerts[0]"),
        (with_alert(status=None), "alerts[0].status"),
        (with_alert(status="pending"), "alerts[0].status"),
        (with_alert(status=1), "alerts[0].status"),
        (with_alert(labels=None), "alerts[0].labels"),
        (with_alert(labels={}), "alerts[0].labels"),
        (with_alert(labels={"a": 1}), "alerts[0].labels"),
        (with_alert(labels=["a"]), "alerts[0].labels"),
        (with_alert(annotations={"summary": ["x"]}), "alerts[0].annotations"),
        (with_alert(startsAt="yesterday"), "alerts[0].startsAt"),
        (with_alert(startsAt="2026-11-24T01:00:00"), "alerts[0].startsAt"),
        (with_alert(startsAt="2026-11-24T02:10:01Z"), "alerts[0].startsAt"),
        (with_alert(startsAt="9999-12-31T23:59:59Z"), "alerts[0].startsAt"),
        (with_alert(status="resolved", endsAt="2026-11-25T00:00:00Z"), "alerts[0].endsAt"),
        (with_alert(generatorURL=3), "alerts[0].generatorURL"),
        (with_alert(fingerprint="f" * 256), "alerts[0].fingerprint"),
    ],
)
def test_invalid_payloads_name_the_field(body: bytes, field: str) -> None:
    with pytest.raises(InvalidAlert) as caught:
        parse(body)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_errors_in_later_alerts_name_their_index() -> None:
    payload = copy.deepcopy(AM_FIRING)
    payload["alerts"][1]["status"] = "pending"
    with pytest.raises(InvalidAlert) as caught:
        parse(dumps(payload))
    assert caught.value.field == "alerts[1].status"


def test_ten_minutes_ahead_is_still_accepted() -> None:
    assert parse(with_alert(startsAt="2026-11-24T02:10:00Z"))[0].starts_at is not None


def test_registry_lists_every_kind() -> None:
    assert KINDS == ("alertmanager", "grafana", "pagerduty", "generic")
    assert PARSERS["alertmanager"] is alertmanager.parse
