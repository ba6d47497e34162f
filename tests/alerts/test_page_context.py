"""What a page says about its alert, from each source's ``details`` (a pure reading)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tocsin.alerts.page_context import alert_facts

AT = datetime(2026, 3, 6, 2, 10, tzinfo=UTC)


def facts(labels: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
    return alert_facts(
        name="DiskFull", summary="Disk", labels=labels, details=details, started_at=AT, alerts=2
    )


def test_alertmanager_runbook_annotation_and_source() -> None:
    details = {
        "annotations": {"runbook_url": "https://wiki/rb", "description": "3% free", "empty": ""},
        "generatorURL": "http://prom:9090/graph",
    }
    got = facts({"severity": "critical", "alertname": "DiskFull"}, details)
    assert got["runbook_url"] == "https://wiki/rb"
    assert got["annotations"] == {"description": "3% free"}  # the runbook is its own line
    assert got["links"] == [{"label": "Source", "url": "http://prom:9090/graph"}]
    assert list(got["labels"]) == ["alertname", "severity"]
    assert (got["started_at"], got["alerts"]) == ("2026-03-06T02:10:00+00:00", 2)


def test_pagerduty_client_url_links_and_a_runbook_link() -> None:
    details = {
        "client_url": "https://monitoring.example.com/check/7",
        "links": [
            {"href": "https://wiki.example.com/rb/7", "text": "Runbook for checks"},
            {"href": "https://grafana.example.com/d/1", "text": "Dashboard"},
            {"href": "https://monitoring.example.com/check/7", "text": "the same again"},
        ],
    }
    got = facts({}, details)
    assert got["runbook_url"] == "https://wiki.example.com/rb/7"
    assert got["links"] == [
        {"label": "Source", "url": "https://monitoring.example.com/check/7"},
        {"label": "Dashboard", "url": "https://grafana.example.com/d/1"},
    ]


def test_only_web_links_are_kept_and_long_values_are_cut() -> None:
    details = {
        "annotations": {"runbook_url": "javascript:alert(1)", "note": "x" * 5000},
        "generatorURL": "file:///etc/passwd",
        "dashboardURL": "https://ok.example.com/a b",
        "links": [{"href": "data:text/html,hi"}, "not an object"],
    }
    got = facts({"big": "v" * 1000}, details)
    assert got["runbook_url"] is None and got["links"] == []
    assert len(got["annotations"]["note"]) == 1000
    assert got["annotations"]["runbook_url"] == "javascript:alert(1)"
    assert len(got["labels"]["big"]) == 300
