"""The long tail of services (Discord, Telegram, ntfy, Teams, Matrix...) through Apprise.

The target's address is an Apprise URL; it usually holds tokens or passwords, so it never
reaches a log: Apprise runs with secure logging, its logger stays at WARNING unless the
operator set a level, and every record emitted during a send has the URL's parts masked.
Apprise only says "failed", so every failure is retryable; the warnings it logged meanwhile
(masked) become the delivery's error.

Internal addresses: plugins that talk to a host of the user's choosing (``json://``,
``gotify://``, ``mailto://``...) have that host checked like a webhook URL. Plugins for a
fixed cloud service (``slack://``, ``discord://``...) carry tokens where the host would be,
and are not checked.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import apprise

from tocsin.notify.channels import http_post, redact
from tocsin.notify.channels.base import Delivery, Message, Target
from tocsin.notify.render import one_line

LOGGER = "apprise"
ERROR_LIMIT = 300


_said: ContextVar[list[str] | None] = ContextVar("tocsin_apprise_said", default=None)


class _Collect(logging.Handler):
    """Keeps the (already masked) warnings logged during a send.

    Apprise runs each service call on a worker thread with a copy of the caller's context,
    so a context variable, unlike the thread, tells which send a record belongs to.
    """

    def emit(self, record: logging.LogRecord) -> None:
        said = _said.get()
        if said is not None:
            said.append(record.getMessage())


_COLLECT = _Collect(logging.WARNING)


@contextmanager
def _collecting() -> Iterator[list[str]]:
    said: list[str] = []
    token = _said.set(said)
    try:
        yield said
    finally:
        _said.reset(token)


def _asset() -> Any:
    return apprise.AppriseAsset(async_mode=False, secure_logging=True)


def _plugin(url: str) -> Any:
    return apprise.Apprise.instantiate(url, asset=_asset(), suppress_exceptions=True)


def check_apprise_url(url: str, *, allow: Sequence[str]) -> Delivery | None:
    """``None`` when Apprise understands ``url`` and its host (if any) may be reached."""
    with redact.hiding(url):
        plugin = _plugin(url)
    if plugin is None:
        return Delivery(ok=False, error="address: not a URL Apprise supports")
    host = getattr(plugin, "host", None)
    if "host" not in getattr(plugin, "template_tokens", {}) or not isinstance(host, str):
        return None
    try:
        socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None  # not a resolvable host (e.g. an ntfy topic): nothing to reach
    return http_post.refusal(f"http://[{host}]/" if ":" in host else f"http://{host}/", allow)


class AppriseChannel:
    kind = "apprise"

    def __init__(self, *, allow: Sequence[str]) -> None:
        self.allow = tuple(allow)
        logger = logging.getLogger(LOGGER)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)  # DEBUG dumps URLs and responses
        redact.guard(LOGGER)
        if _COLLECT not in logger.handlers:
            logger.addHandler(_COLLECT)

    def send(self, target: Target, message: Message) -> Delivery:
        with redact.hiding(target.address):
            refused = check_apprise_url(target.address, allow=self.allow)
            if refused is not None:
                return refused
            notifier = apprise.Apprise(asset=_asset())
            if not notifier.add(target.address):
                return Delivery(ok=False, error="address: not a URL Apprise supports")
            body = message.text
            if message.ack_url and message.ack_url not in body:
                body = f"{body}\n\nAcknowledge: {message.ack_url}"
            with _collecting() as collected:
                try:
                    sent = bool(notifier.notify(title=message.subject, body=body))
                except Exception as exc:  # a plugin's bug must not stop the worker
                    collected.append(redact.scrub(f"{type(exc).__name__}: {exc}"))
                    sent = False
        if sent:
            return Delivery(ok=True, detail="apprise: sent")
        said = "; ".join(collected) or "the service did not accept the notification"
        return Delivery(ok=False, retryable=True, error=one_line(f"apprise: {said}", ERROR_LIMIT))
