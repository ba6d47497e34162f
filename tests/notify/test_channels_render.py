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
        "Details: https://tocsin.example.com/incidents/12",
    ]
    assert (message.event, message.incident_id, message.ack_url) == ("incident.page", 12, ACK)
    assert message.idempotency_key == "page-12-1"
    assert message.data == {**INCIDENT, "level": 1}


def test_a_later_level_says_it_escalated() -> None:
    message = page_message(idempotency_key="k", incident=INCIDENT, level=3, ack_url=None)
    assert "Escalated: level 3" in message.text
    assert "Acknowledge" not in message.text
    assert message.data["level"] == 3


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
