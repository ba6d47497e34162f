"""The webhook channel against a real HTTP receiver, verified with ``standardwebhooks``."""

from __future__ import annotations

import json
import logging

import pytest
from standardwebhooks import Webhook

from tests.notify.resolvers import PUBLIC, Rebinding, table
from tests.peers import Receiver, TlsReceiver, free_port
from tocsin import __version__
from tocsin.notify import signing
from tocsin.notify.channels.base import Message, Target
from tocsin.notify.channels.webhook import WebhookChannel
from tocsin.notify.render import page_message
from tocsin.notify.urls import check_outbound_url

ALLOW = ["127.0.0.1/32"]
ACK = "https://tocsin.example.com/ack/12?sig=abc"
INCIDENT = {
    "id": 12,
    "reference": "INC-12",
    "title": "Checkout errors",
    "severity": "SEV1",
    "status": "triggered",
    "services": ["checkout"],
    "url": "https://tocsin.example.com/incidents/12",
}


def page(key: str = "page-12-1") -> Message:
    return page_message(idempotency_key=key, incident=INCIDENT, level=2, ack_url=ACK)


def webhook(timeout: float = 5) -> WebhookChannel:
    return WebhookChannel(allow=ALLOW, timeout=timeout)


def test_a_signed_page_verifies_with_the_reference_library(receiver: Receiver) -> None:
    secret = signing.new_secret()
    delivery = webhook().send(Target("webhook", receiver.url(), secret), page())
    assert (delivery.ok, delivery.detail) == (True, "HTTP 200")
    (request,) = receiver.requests
    assert request.headers["webhook-id"] == "page-12-1"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == f"Tocsin/{__version__}"
    body = Webhook(secret).verify(request.body.decode(), request.headers)
    assert body["type"] == "incident.page"
    assert body["timestamp"].endswith("Z")
    assert body["data"] == {
        "incident_id": 12,
        "subject": "[SEV1] INC-12 Checkout errors",
        "text": page().text,
        **INCIDENT,
        "level": 2,
        "ack_url": ACK,
    }


def test_retries_keep_the_webhook_id(receiver: Receiver) -> None:
    channel, target = webhook(), Target("webhook", receiver.url(), signing.new_secret())
    assert channel.send(target, page("page-9-1")).ok
    assert channel.send(target, page("page-9-1")).ok
    assert [r.headers["webhook-id"] for r in receiver.requests] == ["page-9-1", "page-9-1"]


def test_without_a_secret_there_is_no_signature(receiver: Receiver) -> None:
    assert webhook().send(Target("webhook", receiver.url()), page()).ok
    (request,) = receiver.requests
    assert "webhook-signature" not in request.headers
    assert request.headers["webhook-timestamp"].isdigit()
    assert json.loads(request.body)["data"]["reference"] == "INC-12"


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (503, True), (408, True), (429, True), (400, False), (404, False), (410, False)],
)
def test_failures_are_classified(receiver: Receiver, status: int, retryable: bool) -> None:
    delivery = webhook().send(Target("webhook", receiver.url(f"/status/{status}")), page())
    assert (delivery.ok, delivery.retryable, delivery.detail) == (
        False,
        retryable,
        f"HTTP {status}",
    )
    assert delivery.error is not None and "invalid_payload" in delivery.error


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    delivery = webhook().send(Target("webhook", receiver.url("/redirect")), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error is not None and "not followed" in delivery.error
    assert [r.path for r in receiver.requests] == ["/redirect"]


def test_a_receiver_that_is_down_is_retryable() -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"
    delivery = webhook().send(Target("webhook", url), page())
    assert (delivery.ok, delivery.retryable) == (False, True)
    assert delivery.error is not None and delivery.error.startswith("ConnectError")


def test_a_slow_receiver_times_out_and_is_retryable(receiver: Receiver) -> None:
    delivery = webhook(timeout=0.2).send(Target("webhook", receiver.url("/slow")), page())
    assert (delivery.ok, delivery.retryable) == (False, True)
    assert delivery.error is not None and delivery.error.startswith("timed out")


def test_internal_addresses_are_refused_unless_allowed(receiver: Receiver) -> None:
    delivery = WebhookChannel(allow=[]).send(Target("webhook", receiver.url()), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error is not None and "internal address 127.0.0.1" in delivery.error
    assert receiver.requests == []


@pytest.mark.parametrize("host", ["[::1]", "[::ffff:127.0.0.1]", "[64:ff9b::7f00:1]", "0.0.0.0"])
def test_internal_literals_are_refused_before_connecting(receiver: Receiver, host: str) -> None:
    url = f"http://{host}:{receiver.port}/hook"
    delivery = WebhookChannel(allow=[]).send(Target("webhook", url), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error is not None and "internal address" in delivery.error
    assert receiver.requests == []


def test_the_connection_goes_to_the_address_that_was_checked(receiver: Receiver) -> None:
    resolve = table({"hooks.tocsin.test": ["127.0.0.1"]})  # a name no real DNS knows
    channel = WebhookChannel(allow=ALLOW, resolve=resolve)
    url = f"http://hooks.tocsin.test:{receiver.port}/hook"
    delivery = channel.send(Target("webhook", url), page())
    assert delivery.ok, delivery
    (request,) = receiver.requests
    assert request.headers["host"] == f"hooks.tocsin.test:{receiver.port}"  # name kept


def test_over_tls_the_name_is_verified_and_sent_as_sni(
    tls_receiver: TlsReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", tls_receiver.ca_file)  # trust the test CA only
    resolve = table({tls_receiver.name: ["127.0.0.1"]})
    url = f"https://{tls_receiver.name}:{tls_receiver.port}/hook"
    delivery = WebhookChannel(allow=ALLOW, resolve=resolve).send(Target("webhook", url), page())
    assert delivery.ok, delivery
    assert tls_receiver.server_names == [tls_receiver.name]
    assert tls_receiver.requests[0].headers["host"] == f"{tls_receiver.name}:{tls_receiver.port}"


def test_a_name_rebound_inside_after_the_check_is_refused_at_connect(receiver: Receiver) -> None:
    rebinding = Rebinding(first=[PUBLIC], later=["127.0.0.1"])
    url = f"http://rebind.tocsin.test:{receiver.port}/hook"
    check_outbound_url(url, allow=[], resolve=rebinding)  # when the contact method is saved
    delivery = WebhookChannel(allow=[], resolve=rebinding).send(Target("webhook", url), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error is not None and "internal address 127.0.0.1" in delivery.error
    assert rebinding.lookups == ["rebind.tocsin.test", "rebind.tocsin.test"]
    assert receiver.requests == []


def test_one_internal_address_among_several_refuses_the_name(receiver: Receiver) -> None:
    resolve = table({"mixed.tocsin.test": [PUBLIC, "127.0.0.1"]})
    url = f"http://mixed.tocsin.test:{receiver.port}/hook"
    delivery = WebhookChannel(allow=[], resolve=resolve).send(Target("webhook", url), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert receiver.requests == []


@pytest.mark.parametrize("url", ["ftp://example.com/x", "not a url", "http:///path"])
def test_malformed_urls_are_permanent_failures(url: str) -> None:
    delivery = webhook().send(Target("webhook", url), page())
    assert (delivery.ok, delivery.retryable) == (False, False)


def test_a_host_that_does_not_resolve_is_retryable() -> None:
    delivery = webhook().send(Target("webhook", "http://tocsin-nowhere.invalid/hook"), page())
    assert (delivery.ok, delivery.retryable) == (False, True)


def test_a_malformed_secret_is_a_permanent_failure(receiver: Receiver) -> None:
    delivery = webhook().send(Target("webhook", receiver.url(), "whsec_%%%"), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert receiver.requests == []


def test_the_url_path_stays_out_of_the_logs(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = receiver.url("/hook/T0SECRET/B0SECRET/xoxSecretToken")
    assert webhook().send(Target("webhook", url), page()).ok
    assert "HTTP Request: POST" in caplog.text  # httpx logged the request...
    assert "SECRET" not in caplog.text and "xoxSecretToken" not in caplog.text  # ...masked
