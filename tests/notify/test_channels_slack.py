"""The Slack channel against a local receiver standing in for an incoming webhook."""

from __future__ import annotations

import json

from tests.notify.resolvers import PUBLIC, Rebinding
from tests.peers import Receiver
from tocsin.notify.channels.base import Message, Target
from tocsin.notify.channels.slack import SlackChannel
from tocsin.notify.render import page_message, resolved_message
from tocsin.notify.urls import check_outbound_url

ALLOW = ["127.0.0.1/32"]
ACK = "https://tocsin.example.com/ack/12?sig=abc"
INCIDENT = {
    "id": 12,
    "reference": "INC-12",
    "title": "Checkout <errors> & more",
    "severity": "SEV1",
    "status": "triggered",
    "services": ["checkout"],
    "url": "https://tocsin.example.com/incidents/12",
}


def page(ack_url: str | None = ACK) -> Message:
    return page_message(idempotency_key="k", incident=INCIDENT, level=1, ack_url=ack_url)


def test_the_payload_has_header_section_and_buttons(receiver: Receiver) -> None:
    delivery = SlackChannel(allow=ALLOW).send(Target("slack", receiver.url()), page())
    assert (delivery.ok, delivery.detail) == (True, "HTTP 200")
    (request,) = receiver.requests
    assert request.headers["content-type"] == "application/json"
    assert "webhook-signature" not in request.headers
    body = json.loads(request.body)
    assert body["text"] == "[SEV1] INC-12 Checkout &lt;errors&gt; &amp; more"  # mrkdwn too
    header, section, actions = body["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "[SEV1] INC-12 Checkout <errors> & more"},
    }
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    assert section["text"]["text"].startswith("SEV1 INC-12: Checkout &lt;errors&gt; &amp; more")
    assert actions["type"] == "actions"
    ack, open_incident = actions["elements"]
    assert ack["type"] == "button" and ack["text"]["text"] == "Acknowledge"
    assert (ack["url"], ack["style"]) == (ACK, "primary")
    assert open_incident["url"] == INCIDENT["url"]


def test_no_ack_button_without_an_ack_link(receiver: Receiver) -> None:
    message = resolved_message(idempotency_key="r", incident=INCIDENT)
    assert SlackChannel(allow=ALLOW).send(Target("slack", receiver.url()), message).ok
    blocks = json.loads(receiver.requests[0].body)["blocks"]
    labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Open incident"]


def test_a_long_subject_is_cut_to_slacks_header_limit(receiver: Receiver) -> None:
    message = Message(idempotency_key="k", subject="x" * 400, text="t")
    assert SlackChannel(allow=ALLOW).send(Target("slack", receiver.url()), message).ok
    (header, _section) = json.loads(receiver.requests[0].body)["blocks"]
    assert len(header["text"]["text"]) == 150


def test_slack_errors_are_classified(receiver: Receiver) -> None:
    channel = SlackChannel(allow=ALLOW)
    gone = channel.send(Target("slack", receiver.url("/status/404")), page())
    assert (gone.ok, gone.retryable) == (False, False)
    assert gone.error is not None and "invalid_payload" in gone.error
    busy = channel.send(Target("slack", receiver.url("/status/503")), page())
    assert (busy.ok, busy.retryable) == (False, True)


def test_internal_addresses_are_refused_unless_allowed(receiver: Receiver) -> None:
    delivery = SlackChannel(allow=[]).send(Target("slack", receiver.url()), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert receiver.requests == []


def test_a_rebound_name_is_refused_at_connect(receiver: Receiver) -> None:
    rebinding = Rebinding(first=[PUBLIC], later=["::1", "127.0.0.1"])
    url = f"http://hooks.slack.tocsin.test:{receiver.port}/services/x"
    check_outbound_url(url, allow=[], resolve=rebinding)  # when the contact method is saved
    delivery = SlackChannel(allow=[], resolve=rebinding).send(Target("slack", url), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error is not None and "internal address ::1" in delivery.error
    assert receiver.requests == []
