from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.alerts.sources.payloads import AM_RESOLVED, GRAFANA_DOC, dumps
from tocsin.alerts.sources import grafana
from tocsin.core.alerts import AlertAction, InvalidAlert

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def with_alert(**changes: Any) -> bytes:
    payload = copy.deepcopy(GRAFANA_DOC)
    payload["alerts"][0].update(changes)
    return dumps(payload)


def test_documented_grafana_payload() -> None:
    memory, cpu = grafana.parse(dumps(GRAFANA_DOC), now=NOW)
    assert memory.action is AlertAction.TRIGGER
    assert memory.dedup_key == "c6eadffa33fcdf37"
    assert memory.name == "High memory usage"
    assert memory.summary == "This alert was triggered for zone us-1"
    assert memory.source_severity is None  # no severity label
    assert memory.starts_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert memory.details["values"] == {"B": 44.23943737541908, "C": 1}
    assert memory.details["silenceURL"].startswith("https://play.grafana.org/alerting/silence")
    assert memory.details["valueString"].startswith("[ var='B'")
    assert "dashboardURL" not in memory.details and "panelURL" not in memory.details
    assert memory.details["annotations"]["runbook_url"] == "https://myrunbook.com/runbook/1234"
    assert cpu.action is AlertAction.RESOLVE
    assert cpu.summary == "The system has high CPU usage"  # description when no summary
    assert cpu.ends_at == datetime(2021, 10, 12, 8, 6, 3, tzinfo=UTC)
    assert cpu.details["panelURL"] == "https://play.grafana.org/d/abc?viewPanel=2"
    assert "values" not in cpu.details  # null


@pytest.mark.parametrize(
    ("labels", "name"),
    [
        ({"__alert_rule_title__": "Rule title", "team": "a"}, "Rule title"),
        ({"alertname": "Named", "__alert_rule_title__": "Rule title"}, "Named"),
        ({"team": "a"}, "This alert was triggered for zone us-#"),  # from the summary
    ],
)
def test_name_comes_from_the_rule(labels: dict[str, str], name: str) -> None:
    assert grafana.parse(with_alert(labels=labels), now=NOW)[0].name == name


def test_alertmanager_shaped_payload_is_accepted() -> None:
    (alert,) = grafana.parse(AM_RESOLVED, now=NOW)
    assert alert.action is AlertAction.RESOLVE and alert.dedup_key == "395116799cdefb2a"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"receiver":"x"}', "alerts"),
        (with_alert(status="alerting"), "alerts[0].status"),
        (with_alert(values=[1, 2]), "alerts[0].values"),
        (with_alert(silenceURL=False), "alerts[0].silenceURL"),
        (with_alert(startsAt="2026-12-01T00:00:00+02:00"), "alerts[0].startsAt"),
        (with_alert(labels={}), "alerts[0].labels"),
    ],
)
def test_invalid_grafana_payloads_name_the_field(body: bytes, field: str) -> None:
    with pytest.raises(InvalidAlert) as caught:
        grafana.parse(body, now=NOW)
    assert caught.value.field == field
