"""The long tail of services (Discord, Telegram, ntfy, Teams, Matrix...) through Apprise.

The target's address is an Apprise URL; it usually holds tokens or passwords, so it never
reaches a log: Apprise runs with secure logging, its logger stays at WARNING unless the
operator set a level, and every record emitted during a send has the URL's parts masked.
Apprise only says "failed", so every failure is retryable (but a refused address); the
warnings it logged meanwhile (masked) become the delivery's error.

Internal addresses, checked twice. Before: the host Apprise parses out of the URL (a
bracketed IPv6 literal too, and ``mailto://``'s ``smtp=`` server) is checked like a webhook
URL's when a plugin talks to a host of the user's choosing (``json://``, ``gotify://``,
``ntfy://host/topic``...); a plugin for a fixed cloud service (``slack://``, ``discord://``...)
carries tokens where the host would be, so only an IP address written there is checked. A
host that does not resolve is left to Apprise (an ntfy topic is not a host). During: every
socket Apprise opens is checked as it connects (``tocsin.notify.guard``), whatever the
scheme, so a name that resolves elsewhere by then (DNS rebinding) is refused too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import apprise

from tocsin.errors import InvalidInput
from tocsin.notify import guard, urls
from tocsin.notify.channels import redact
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


def _hosts(plugin: Any) -> list[tuple[str, int, bool]]:
    """The hosts a plugin names: ``(host, port, chosen)``; not ``chosen`` means a token."""
    chosen = "host" in getattr(plugin, "template_tokens", {})
    port = getattr(plugin, "port", None)
    port = port if isinstance(port, int) else 0
    found: list[tuple[str, int, bool]] = []
    host = getattr(plugin, "host", None)
    if isinstance(host, str) and host:
        found.append((host, port, chosen))
    smtp = getattr(plugin, "smtp_host", None)  # mailto://...?smtp=server
    if isinstance(smtp, str) and smtp:
        found.append((smtp, 0, True))
    return found


def check_apprise_address(
    url: str, *, allow: Sequence[str], resolve: urls.Resolver = urls.system_resolver
) -> list[urls.Address]:
    """Raise ``InvalidInput`` unless Apprise understands ``url`` and its hosts may be reached.

    Returns the addresses of hosts that ``allow`` lets through by name, which the
    connection guard must let through as well.
    """
    with redact.hiding(url):
        plugin = _plugin(url)
    if plugin is None:
        raise InvalidInput("address: not a URL Apprise supports", field="address")
    rules = urls.Allow.of(allow)
    trusted: list[urls.Address] = []
    for host, port, chosen in _hosts(plugin):
        if not chosen and urls.parse_address(host) is None:
            continue  # a token in the host's place
        try:
            found = urls.check_host(host, port, allow=rules, field="address", resolve=resolve)
        except urls.Unresolvable:
            continue  # not a host (an ntfy topic), or not now: Apprise will say
        if rules.lists_name(host):
            trusted.extend(found)
    return trusted


class AppriseChannel:
    kind = "apprise"

    def __init__(
        self, *, allow: Sequence[str], resolve: urls.Resolver = urls.system_resolver
    ) -> None:
        self.allow = tuple(allow)
        self.resolve = resolve
        logger = logging.getLogger(LOGGER)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)  # DEBUG dumps URLs and responses
        redact.guard(LOGGER)
        if _COLLECT not in logger.handlers:
            logger.addHandler(_COLLECT)

    def send(self, target: Target, message: Message) -> Delivery:
        with redact.hiding(target.address):
            try:
                trusted = check_apprise_address(
                    target.address, allow=self.allow, resolve=self.resolve
                )
            except InvalidInput as exc:
                return Delivery(ok=False, error=exc.message)
            notifier = apprise.Apprise(asset=_asset())
            if not notifier.add(target.address):
                return Delivery(ok=False, error="address: not a URL Apprise supports")
            body = message.text
            if message.ack_url and message.ack_url not in body:
                body = f"{body}\n\nAcknowledge: {message.ack_url}"
            allow = urls.Allow.of(self.allow)
            with guard.guarding(allow, trusted) as scope, _collecting() as collected:
                try:
                    sent = bool(notifier.notify(title=message.subject, body=body))
                except Exception as exc:  # a plugin's bug must not stop the worker
                    collected.append(redact.scrub(f"{type(exc).__name__}: {exc}"))
                    sent = False
        if scope.refused:
            refused = scope.refused[0]
            error = f"address: refused to connect to {refused}; add it to TOCSIN_OUTBOUND_ALLOW"
            return Delivery(ok=False, retryable=False, error=error)
        if sent:
            return Delivery(ok=True, detail="apprise: sent")
        said = "; ".join(collected) or "the service did not accept the notification"
        return Delivery(ok=False, retryable=True, error=one_line(f"apprise: {said}", ERROR_LIMIT))
