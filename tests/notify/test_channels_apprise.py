"""The Apprise channel, with Apprise's ``json://`` plugin posting to a local receiver."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from tests.notify.resolvers import PUBLIC, table
from tests.peers import Receiver, free_port
from tocsin.notify.channels.apprise_channel import AppriseChannel, check_apprise_address
from tocsin.notify.channels.base import Message, Target
from tocsin.notify.urls import OutboundRefused

ALLOW = ["127.0.0.1/32"]
ACK = "https://tocsin.example.com/ack/12?sig=abc"
MESSAGE = Message(
    idempotency_key="k", subject="[SEV2] INC-3 Slow search", text="SEV2 INC-3: Slow search"
)


def json_url(receiver: Receiver, path: str = "/hook", auth: str = "") -> str:
    return f"json://{auth}127.0.0.1:{receiver.port}{path}"


def test_a_notification_reaches_the_service(receiver: Receiver) -> None:
    message = Message(idempotency_key="k", subject="Subject", text="Body", ack_url=ACK)
    delivery = AppriseChannel(allow=ALLOW).send(Target("apprise", json_url(receiver)), message)
    assert delivery.ok, delivery
    (request,) = receiver.requests
    assert request.path == "/hook"
    body = json.loads(request.body)
    assert body["title"] == "Subject"
    assert body["message"] == f"Body\n\nAcknowledge: {ACK}"


def test_credentials_in_the_url_are_used(receiver: Receiver) -> None:
    url = json_url(receiver, auth="bot:pa55word@")
    assert AppriseChannel(allow=ALLOW).send(Target("apprise", url), MESSAGE).ok
    expected = "Basic " + base64.b64encode(b"bot:pa55word").decode()
    assert receiver.requests[0].headers["authorization"] == expected


def test_a_failure_is_retryable_and_leaks_no_secret(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    channel = AppriseChannel(allow=ALLOW)
    caplog.set_level(logging.DEBUG, logger="apprise")  # even at DEBUG
    url = json_url(receiver, "/status/500/tok3nSecretPath", auth="bot:s3cretPass@")
    delivery = channel.send(Target("apprise", url), MESSAGE)
    assert (delivery.ok, delivery.retryable) == (False, True)
    assert delivery.error is not None and "500" in delivery.error
    assert len(receiver.requests) == 1
    assert caplog.records, "Apprise logged nothing: this test would prove nothing"
    for secret in ("s3cretPass", "tok3nSecretPath"):
        assert secret not in caplog.text
        assert secret not in delivery.error


def test_the_apprise_logger_is_kept_at_warning() -> None:
    logger = logging.getLogger("apprise")
    previous = logger.level
    logger.setLevel(logging.NOTSET)
    try:
        AppriseChannel(allow=[])
        assert logger.level == logging.WARNING
    finally:
        logger.setLevel(previous)


def test_a_service_that_is_down_is_retryable() -> None:
    url = f"json://127.0.0.1:{free_port()}/hook"
    delivery = AppriseChannel(allow=ALLOW).send(Target("apprise", url), MESSAGE)
    assert (delivery.ok, delivery.retryable) == (False, True)


def test_internal_hosts_are_refused_unless_allowed(receiver: Receiver) -> None:
    delivery = AppriseChannel(allow=[]).send(Target("apprise", json_url(receiver)), MESSAGE)
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error is not None and "internal address 127.0.0.1" in delivery.error
    assert receiver.requests == []


@pytest.mark.parametrize("url", ["nosuchservice://token", "not a url", ""])
def test_an_unknown_url_is_a_permanent_failure(url: str) -> None:
    delivery = AppriseChannel(allow=[]).send(Target("apprise", url), MESSAGE)
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error == "address: not a URL Apprise supports"


@pytest.mark.parametrize(
    "url",
    [
        "slack://T1A2B3C4D/B1A2B3C4D/abcdefghijklmnopqrstuvwx",  # fixed cloud service
        "discord://123456789012345678/tokentokentoken",
    ],
)
def test_cloud_services_need_no_host_check(url: str) -> None:
    assert check_apprise_address(url, allow=[]) == []


def test_self_hosted_services_have_their_host_checked() -> None:
    with pytest.raises(OutboundRefused, match=r"internal address 10\.0\.0\.7"):
        check_apprise_address("gotify://10.0.0.7/token123", allow=[])
    assert check_apprise_address("gotify://10.0.0.7/token123", allow=["10.0.0.0/8"]) == []


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("json://[::1]:8080/hook", "::1"),  # bracketed IPv6 literal
        ("jsons://user:pw@[fe80::1]/", "fe80::1"),
        ("form://[::ffff:a00:1]/", "::ffff:a00:1"),
        ("json://[64:ff9b::a00:1]/", "64:ff9b::a00:1"),
        ("ntfy://[fc00::1]/topic", "fc00::1"),
        ("rsyslog://[::1]", "::1"),
        ("gotify://100.100.100.200/token123", "100.100.100.200"),
        ("xml://2130706433/", "127.0.0.1"),  # a number the resolver reads as an address
        ("mailto://user:pw@93.184.215.14?smtp=10.0.0.1", "10.0.0.1"),  # the SMTP server too
        ("discord://10.0.0.1/tokentokentoken", "10.0.0.1"),  # an address, even for a cloud
    ],
)
def test_every_scheme_has_its_host_checked(url: str, address: str) -> None:
    with pytest.raises(OutboundRefused) as refused:
        check_apprise_address(url, allow=[])
    assert f"internal address {address};" in refused.value.message


def test_a_bracketed_ipv6_literal_is_refused_at_send(receiver: Receiver) -> None:
    url = f"json://[::1]:{receiver.port}/hook"
    delivery = AppriseChannel(allow=ALLOW).send(Target("apprise", url), MESSAGE)
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error is not None and "internal address ::1" in delivery.error


def test_a_name_rebound_inside_is_refused_as_apprise_connects(receiver: Receiver) -> None:
    """The check sees a public address; Apprise's own lookup of the name gets loopback."""
    resolve = table({"localhost": [PUBLIC]})
    url = f"json://localhost:{receiver.port}/hook"
    assert check_apprise_address(url, allow=[], resolve=resolve) == []
    delivery = AppriseChannel(allow=[], resolve=resolve).send(Target("apprise", url), MESSAGE)
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error is not None and "refused to connect" in delivery.error
    assert receiver.requests == []


def test_a_name_on_the_allow_list_is_reached(receiver: Receiver) -> None:
    url = f"json://localhost:{receiver.port}/hook"
    assert AppriseChannel(allow=["localhost"]).send(Target("apprise", url), MESSAGE).ok
    assert len(receiver.requests) == 1
