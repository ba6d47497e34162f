"""Mail over SMTP (stdlib ``smtplib``), plain text with a simple HTML alternative.

The Message-ID comes from the message's idempotency key, so a retry after a lost reply
carries the same ID and the receiving side can drop the repeat. Replies decide retrying:
a 4xx (mailbox busy, greylisting) or no answer at all is retryable, a 5xx (no such user,
relaying denied, bad credentials) is not. The delivery's ``detail`` keeps the last reply.

A message may bring its own HTML document (``data["html"]``, escaped by its sender) and an
unsubscribe URL (``data["list_unsubscribe"]``), sent as ``List-Unsubscribe`` with
``List-Unsubscribe-Post`` (one click, RFC 8058): the status page's subscriber mail does.
"""

from __future__ import annotations

import hashlib
import html
import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import quote

from tocsin import clock
from tocsin.notify.channels.base import Delivery, Message, Target
from tocsin.notify.render import PAGE_EVENT, one_line

ID_DOMAIN = "tocsin"
LONGEST_ID_KEY = 200
REPLY_EXCERPT = 300


def message_id(idempotency_key: str) -> str:
    """``<key@tocsin>`` with the key encoded so the ID is valid and distinct keys stay distinct."""
    local = quote(idempotency_key, safe="-_").replace(".", "%2E")
    if len(local) > LONGEST_ID_KEY:
        local = "sha256-" + hashlib.sha256(idempotency_key.encode()).hexdigest()
    return f"<{local}@{ID_DOMAIN}>"


def _text(message: Message) -> str:
    if message.ack_url and message.ack_url not in message.text:
        return f"{message.text}\n\nAcknowledge: {message.ack_url}"
    return message.text


_LINK_LINE = re.compile(r"([^:]{1,60}): (https?://\S+)")
_BUTTON = (
    '<a href="{url}" style="display:inline-block;padding:8px 16px;margin-right:8px;'
    'background:{colour};color:#fff;text-decoration:none;border-radius:4px">{label}</a>'
)


def _line(line: str) -> str:
    """A line, escaped; a ``Label: https://...`` line (a runbook, a source) is a link."""
    link = _LINK_LINE.fullmatch(line)
    if link is None:
        return html.escape(line)
    label, url = link.groups()
    target = html.escape(url, quote=True)
    return f'{html.escape(label)}: <a href="{target}">{html.escape(url)}</a>'


def _html(message: Message) -> str:
    paragraphs = "".join(
        f"<p>{'<br>'.join(_line(line) for line in block.splitlines())}</p>"
        for block in message.text.split("\n\n")
    )
    buttons = []
    if message.ack_url:
        url = html.escape(message.ack_url, quote=True)
        buttons.append(_BUTTON.format(url=url, colour="#b91c1c", label="Acknowledge"))
    incident_url = message.data.get("url")
    if message.event == PAGE_EVENT and isinstance(incident_url, str) and incident_url:
        url = html.escape(incident_url, quote=True)
        buttons.append(_BUTTON.format(url=url, colour="#374151", label="Open incident"))
    button = f"<p>{''.join(buttons)}</p>" if buttons else ""
    return f"<!doctype html>\n<html><body>{paragraphs}{button}</body></html>\n"


def compose(message: Message, *, sender: str, recipient: str) -> EmailMessage:
    mail = EmailMessage(policy=policy.SMTP)
    mail["From"] = sender
    mail["To"] = recipient
    mail["Subject"] = one_line(message.subject, 250)
    mail["Date"] = format_datetime(clock.now())
    mail["Message-ID"] = message_id(message.idempotency_key)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to pages
    mail["X-Auto-Response-Suppress"] = "All"
    unsubscribe = message.data.get("list_unsubscribe")
    if isinstance(unsubscribe, str):  # RFC 2369 and RFC 8058 one-click unsubscribe
        mail["List-Unsubscribe"] = f"<{unsubscribe}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(_text(message), cte="quoted-printable")
    given = message.data.get("html")  # a whole document its sender escaped (subscriber mail)
    html_part = given if isinstance(given, str) else _html(message)
    mail.add_alternative(html_part, subtype="html", cte="quoted-printable")
    return mail


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return one_line(f"{code} {words}", REPLY_EXCERPT)


def _refused(step: str, code: int, text: bytes | str) -> Delivery:
    reply = _reply(code, text)
    return Delivery(
        ok=False, retryable=not 500 <= code < 600, error=f"{step}: {reply}", detail=reply
    )


class EmailChannel:
    kind = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        use_ssl: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self._password = username, password
        self.starttls, self.use_ssl, self.timeout = starttls, use_ssl, timeout

    def send(self, target: Target, message: Message) -> Delivery:
        with self.session() as session:
            return session.send(target, message)

    @contextmanager
    def session(self) -> Iterator[MailSession]:
        """Many mails over one connection (a batch of subscriber mail); closed after."""
        session = MailSession(self)
        try:
            yield session
        finally:
            session.close()

    def connect(self) -> smtplib.SMTP:
        """A connection greeted, upgraded (STARTTLS) and signed in as configured."""
        smtp: smtplib.SMTP
        if self.use_ssl:
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo_or_helo_if_needed()
            if self.starttls and not self.use_ssl:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self._password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def transact(self, smtp: smtplib.SMTP, recipient: str, body: bytes) -> Delivery:
        """One mail transaction (MAIL FROM, RCPT TO, DATA) on an open connection."""
        options = [] if recipient.isascii() else ["SMTPUTF8"]
        if options and not smtp.has_extn("smtputf8"):
            return Delivery(ok=False, error="the SMTP server cannot take non-ASCII addresses")
        code, text = smtp.mail(parseaddr(self.sender)[1], options)
        if code != 250:
            return _refused("sender refused", code, text)
        code, text = smtp.rcpt(recipient)
        if code not in (250, 251):
            return _refused("recipient refused", code, text)
        code, text = smtp.data(body)  # raises SMTPDataError unless DATA is accepted (354)
        if code != 250:
            return _refused("message refused", code, text)
        return Delivery(ok=True, detail=_reply(code, text))


def _written(target: Target, message: Message, sender: str) -> tuple[str, bytes] | Delivery:
    """The envelope recipient and the mail's bytes, or why it cannot be sent."""
    recipient = parseaddr(target.address)[1]
    if "@" not in recipient:
        return Delivery(ok=False, error=f"address: {target.address!r} is not a mail address")
    try:
        mail = compose(message, sender=sender, recipient=target.address)
        return recipient, mail.as_bytes()
    except (ValueError, TypeError) as exc:
        return Delivery(ok=False, error=f"message cannot be written as mail: {exc}")


class MailSession:
    """One SMTP connection, opened at the first mail and reused for the next ones.

    Each mail is its own transaction (MAIL FROM, RCPT TO, DATA); a refused one is reset
    (``RSET``) so the next starts clean. A connection lost between mails is opened again
    once; if opening fails, the mails left are not tried and get the same retryable (or, for
    refused credentials, permanent) answer, so a batch never waits on a dead server 200 times.
    """

    def __init__(self, channel: EmailChannel) -> None:
        self.channel = channel
        self.smtp: smtplib.SMTP | None = None
        self.unusable: Delivery | None = None  # why connecting failed: the rest are not tried

    def send(self, target: Target, message: Message) -> Delivery:
        written = _written(target, message, self.channel.sender)
        if isinstance(written, Delivery):
            return written
        if self.unusable is not None:
            return self.unusable
        if self.smtp is None:
            try:
                self.smtp = self.channel.connect()
            except Exception as exc:
                self.unusable = _failed(self.channel, exc)
                return self.unusable
        try:
            delivery = self.channel.transact(self.smtp, *written)
        except smtplib.SMTPResponseException as exc:  # this mail refused, e.g. at DATA
            delivery = _failed(self.channel, exc)
        except Exception as exc:  # the connection is gone: the next mail opens a new one
            self.close()
            return _failed(self.channel, exc)
        if not delivery.ok:
            self._reset()
        return delivery

    def _reset(self) -> None:
        """After a refused mail: end its transaction, so the next mail can begin."""
        if self.smtp is None:
            return
        try:
            self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _failed(channel: EmailChannel, exc: Exception) -> Delivery:
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Delivery(ok=False, error=f"SMTP server: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _refused("SMTP", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPException | OSError):
        error = f"SMTP {channel.host}:{channel.port}: {type(exc).__name__}: {exc}"
        return Delivery(ok=False, retryable=True, error=one_line(error, REPLY_EXCERPT))
    raise exc
