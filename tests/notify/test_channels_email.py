"""The email channel against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.peers import SmtpServer, free_port
from tocsin.notify.channels.base import Message, Target
from tocsin.notify.channels.email import EmailChannel, message_id
from tocsin.notify.render import page_message

ACK = "https://tocsin.example.com/ack/12?sig=abc&x=1"
INCIDENT = {
    "id": 12,
    "reference": "INC-12",
    "title": "Checkout errors <script>",
    "severity": "SEV1",
    "status": "triggered",
    "services": ["checkout"],
    "url": "https://tocsin.example.com/incidents/12",
}
# RFC 5322 msg-id with a dot-atom on each side.
MSG_ID = re.compile(r"^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+>$")


def channel(server: SmtpServer, **options: object) -> EmailChannel:
    return EmailChannel(
        host=server.host,
        port=server.port,
        sender="Tocsin <pager@tocsin.example.com>",
        timeout=5,
        **options,  # type: ignore[arg-type]
    )


def page(key: str = "page-12-1", ack_url: str | None = ACK) -> Message:
    return page_message(idempotency_key=key, incident=INCIDENT, level=1, ack_url=ack_url)


def parts(mail: EmailMessage) -> tuple[str, str]:
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def test_a_page_arrives_with_headers_body_and_ack_link(smtp_server: SmtpServer) -> None:
    delivery = channel(smtp_server).send(Target("email", "Alice <alice@example.com>"), page())
    assert delivery.ok, delivery
    assert delivery.detail == "250 2.0.0 Ok: queued as 7A1B2C"
    (mail,) = smtp_server.mailbox.received
    assert (mail.mail_from, mail.rcpt_tos) == ("pager@tocsin.example.com", ["alice@example.com"])
    assert mail.message["From"] == "Tocsin <pager@tocsin.example.com>"
    assert mail.message["To"] == "Alice <alice@example.com>"
    assert mail.message["Subject"] == "[SEV1] INC-12 Checkout errors <script>"
    assert mail.message["Message-ID"] == "<page-12-1@tocsin>"
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert mail.message["Date"]
    text, html = parts(mail.message)
    assert "SEV1 INC-12: Checkout errors <script>" in text
    assert f"Acknowledge: {ACK}" in text
    assert 'href="https://tocsin.example.com/ack/12?sig=abc&amp;x=1"' in html
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_the_ack_link_is_added_when_the_text_lacks_it(smtp_server: SmtpServer) -> None:
    message = Message(idempotency_key="k1", subject="Hi", text="Plain words.", ack_url=ACK)
    assert channel(smtp_server).send(Target("email", "bob@example.com"), message).ok
    text, _ = parts(smtp_server.mailbox.received[0].message)
    assert text.splitlines() == ["Plain words.", "", f"Acknowledge: {ACK}"]


def test_a_retry_carries_the_same_message_id(smtp_server: SmtpServer) -> None:
    mail_channel = channel(smtp_server)
    for _ in range(2):
        assert mail_channel.send(Target("email", "bob@example.com"), page("page-7-2")).ok
    ids = {m.message["Message-ID"] for m in smtp_server.mailbox.received}
    assert ids == {"<page-7-2@tocsin>"}


def test_a_permanent_refusal_is_not_retryable(smtp_server: SmtpServer) -> None:
    delivery = channel(smtp_server).send(Target("email", "reject@example.com"), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.detail is not None and delivery.detail.startswith("550 5.1.1")
    assert smtp_server.mailbox.received == []


def test_a_temporary_refusal_is_retryable(smtp_server: SmtpServer) -> None:
    delivery = channel(smtp_server).send(Target("email", "busy@example.com"), page())
    assert (delivery.ok, delivery.retryable) == (False, True)
    assert delivery.detail is not None and delivery.detail.startswith("451 4.2.0")


def test_a_server_that_is_down_is_retryable() -> None:
    down = SmtpServer("127.0.0.1", free_port(), mailbox=None)  # type: ignore[arg-type]
    delivery = channel(down).send(Target("email", "bob@example.com"), page())
    assert (delivery.ok, delivery.retryable) == (False, True)
    assert delivery.error is not None and "ConnectionRefusedError" in delivery.error


def test_it_signs_in_when_configured(smtp_server: SmtpServer) -> None:
    good = channel(smtp_server, username="tocsin", password="letmein")
    assert good.send(Target("email", "bob@example.com"), page()).ok
    bad = channel(smtp_server, username="tocsin", password="wrong")
    delivery = bad.send(Target("email", "bob@example.com"), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.detail is not None and delivery.detail.startswith("535")
    assert set(smtp_server.mailbox.logins) == {"tocsin"}
    assert len(smtp_server.mailbox.received) == 1


def test_starttls_missing_on_the_server_is_a_permanent_error(smtp_server: SmtpServer) -> None:
    delivery = channel(smtp_server, starttls=True).send(Target("email", "b@example.com"), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error is not None and "STARTTLS" in delivery.error


@pytest.mark.parametrize("address", ["", "not an address", "Bob <>"])
def test_a_bad_address_is_refused_without_connecting(address: str) -> None:
    down = SmtpServer("127.0.0.1", free_port(), mailbox=None)  # type: ignore[arg-type]
    delivery = channel(down).send(Target("email", address), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error is not None and delivery.error.startswith("address:")


@given(st.text(min_size=1, max_size=300), st.text(min_size=1, max_size=300))
def test_message_ids_are_valid_and_distinct(key: str, other: str) -> None:
    assert MSG_ID.match(message_id(key))
    assert message_id(key) == message_id(key)
    if key != other:
        assert message_id(key) != message_id(other)


HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted"]
HEADERS += ["X-Auto-Response-Suppress", "MIME-Version", "Content-Type"]


def test_line_breaks_in_stored_text_add_no_header_and_no_recipient(
    smtp_server: SmtpServer,
) -> None:
    title = "DB down\r\nBcc: evil@example.com\nX-Evil: 1\r\u2028\x00\r\n\r\nforged body"
    incident = {**INCIDENT, "title": title, "services": ["db\r\nCc: evil@example.com"]}
    message = page_message(
        idempotency_key="page-12-1\r\nBcc: evil@example.com",
        incident=incident,
        level=1,
        ack_url=ACK,
    )
    delivery = channel(smtp_server).send(Target("email", "alice@example.com"), message)
    assert delivery.ok, delivery
    (mail,) = smtp_server.mailbox.received
    assert mail.rcpt_tos == ["alice@example.com"]
    assert mail.message.keys() == HEADERS
    assert mail.message["Subject"] == (
        "[SEV1] INC-12 DB down Bcc: evil@example.com X-Evil: 1 forged body"
    )
    assert MSG_ID.match(mail.message["Message-ID"])
    text, _ = parts(mail.message)
    assert "DB down Bcc: evil@example.com" in text


def test_a_subject_is_one_line_whoever_built_the_message(smtp_server: SmtpServer) -> None:
    message = Message(idempotency_key="k", subject="Hi\r\nBcc: evil@example.com", text="x")
    assert channel(smtp_server).send(Target("email", "bob@example.com"), message).ok
    (mail,) = smtp_server.mailbox.received
    assert (mail.rcpt_tos, mail.message.keys()) == (["bob@example.com"], HEADERS)
    assert mail.message["Subject"] == "Hi Bcc: evil@example.com"


@pytest.mark.parametrize(
    "address",
    [
        "bob@example.com\r\nBcc: evil@example.com",
        "Bob\r\nBcc: evil@example.com <bob@example.com>",
        "bob@example.com>\r\nRCPT TO:<evil@example.com",
    ],
)
def test_an_address_with_line_breaks_is_refused_and_nothing_is_sent(
    smtp_server: SmtpServer, address: str
) -> None:
    delivery = channel(smtp_server).send(Target("email", address), page())
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert delivery.error is not None
    assert smtp_server.mailbox.received == []
