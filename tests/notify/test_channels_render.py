from __future__ import annotations

from typing import Any

import pytest

from tocsin.notify.render import one_line, page_message, resolved_message

INCIDENT: dict[str, Any] = {
    "id": 12,
    "reference": "INC-12",
    "title": "Checkout errors",
    "severity": "SEV1",
    "status": "triggered",
    "services": ["checkout", "payments"],
    "url": "https://tocsin.example.com/incidents/12",
}
ACK = "https://tocsin.example.com/ack/abc?sig=xyz"


def test_page_subject_text_and_data() -> None:
    message = page_message(idempotency_key="page-12-1", incident=INCIDENT, level=1, ack_url=ACK)
    assert message.subject == "[SEV1] INC-12 Checkout errors"
    assert message.text.splitlines() == [
        "SEV1 INC-12: Checkout errors",
        "Status: triggered",
        "Services: checkout, payments",
        "",
        f"Acknowledge: {ACK}",
        "Open incident: https://tocsin.example.com/incidents/12",
    ]
    assert (message.event, message.incident_id, message.ack_url) == ("incident.page", 12, ACK)
    assert message.idempotency_key == "page-12-1"
    assert message.data == {**INCIDENT, "level": 1}


def test_a_later_level_says_it_escalated() -> None:
    message = page_message(idempotency_key="k", incident=INCIDENT, level=3, ack_url=None)
    assert "Escalated: level 3" in message.text
    assert "Acknowledge" not in message.text
    assert message.data["level"] == 3


ALERT: dict[str, Any] = {
    "name": "HighErrorRate",
    "summary": "5xx above 5% on checkout",
    "labels": {"alertname": "HighErrorRate", "env": "prod", "severity": "critical"},
    "annotations": {
        "description": "Error rate 7.2% for 10m",
        "summary": "5xx above 5% on checkout",
    },
    "runbook_url": "https://wiki.example.com/runbooks/errors",
    "links": [{"label": "Source", "url": "http://prom.example.com/graph?g0.expr=x"}],
    "started_at": "2026-12-01T02:10:00+00:00",
    "alerts": 3,
}
REPEAT: dict[str, Any] = {
    "repeat": True,
    "first_paged_at": "2026-12-01T02:11:00+00:00",
    "paged_before": [
        {"name": "Alice", "level": 1, "at": "2026-12-01T02:11:00+00:00"},
        {"name": "Bob", "level": 2, "at": "2026-12-01T02:16:00+00:00"},
    ],
    "paged_with": ["Carol"],
}


def test_a_page_carries_the_alert_its_links_and_who_else_was_paged() -> None:
    incident = {**INCIDENT, "started_at": "2026-12-01T02:10:30+00:00"}  # as the alert's
    message = page_message(
        idempotency_key="k", incident=incident, level=1, ack_url=ACK, alert=ALERT, paging=REPEAT
    )
    assert message.subject == "[SEV1 REPEAT] INC-12 Checkout errors"
    assert message.text.splitlines() == [
        "SEV1 INC-12: Checkout errors",
        "REPEAT: paged again, nobody has acknowledged since 2026-12-01 02:11 UTC",
        "Status: triggered",
        "Services: checkout, payments",
        "Started: 2026-12-01 02:10 UTC",
        "",
        "Alert: HighErrorRate — 5xx above 5% on checkout (+2 more alerts)",
        "Labels: alertname=HighErrorRate, env=prod, severity=critical",
        "description: Error rate 7.2% for 10m",  # the summary annotation is the line above
        "",
        "Paged before: Alice (level 1, 2026-12-01 02:11 UTC), Bob (level 2, 2026-12-01 02:16 UTC)",
        "Also paged now: Carol",
        "",
        f"Acknowledge: {ACK}",
        "Open incident: https://tocsin.example.com/incidents/12",
        "Runbook: https://wiki.example.com/runbooks/errors",
        "Source: http://prom.example.com/graph?g0.expr=x",
    ]
    assert message.data["alert"] == ALERT
    assert message.data["paging"] == REPEAT
    assert message.data["started_at"] == "2026-12-01T02:10:30+00:00"


def test_a_first_page_is_no_repeat_and_a_long_history_is_cut() -> None:
    earlier = [{"name": f"p{n}", "level": 1, "at": "2026-12-01T02:11:00Z"} for n in range(20)]
    paging = {"repeat": False, "paged_before": earlier, "paged_with": []}
    message = page_message(
        idempotency_key="k", incident=INCIDENT, level=2, ack_url=None, paging=paging
    )
    assert message.subject == "[SEV1] INC-12 Checkout errors"
    assert "REPEAT" not in message.text
    line = next(x for x in message.text.splitlines() if x.startswith("Paged before: "))
    assert line.startswith(
        "Paged before: 12 earlier pages, then p12 (level 1, 2026-12-01 02:11 UTC)"
    )
    assert line.endswith("p19 (level 1, 2026-12-01 02:11 UTC)")


def test_resolved_notice() -> None:
    message = resolved_message(idempotency_key="resolved-12", incident=INCIDENT)
    assert message.subject == "[RESOLVED] INC-12 Checkout errors"
    assert message.text.startswith("Resolved — SEV1 INC-12: Checkout errors")
    assert (message.event, message.ack_url) == ("incident.resolved", None)


def test_a_title_cannot_break_the_subject_line() -> None:
    incident = {**INCIDENT, "title": "Bad\r\nBcc: victim@example.com\x00"}
    message = page_message(idempotency_key="k", incident=incident, level=1, ack_url=None)
    assert message.subject == "[SEV1] INC-12 Bad Bcc: victim@example.com"


def test_incomplete_data_still_renders() -> None:
    message = page_message(idempotency_key="k", incident={}, level=1, ack_url=None)
    assert message.subject == ""
    assert message.text == "Incident: "
    assert message.incident_id is None


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [("a\tb\n\nc", 50, "a b c"), ("x" * 10, 5, "xxxx…"), (42, 10, "42")],
)
def test_one_line(value: object, limit: int, expected: str) -> None:
    assert one_line(value, limit) == expected
