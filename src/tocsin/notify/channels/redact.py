"""Keep secrets of a delivery address out of library logs.

A Slack incoming-webhook URL or an Apprise URL *is* a credential, and httpx logs each
request's URL at INFO while Apprise logs tokens when it rejects them. While a channel sends,
``hiding(address)`` lists the address and its parts; a filter on the library's logger
replaces them with ``***`` in any record emitted meanwhile (in the same thread or task).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
SHORTEST_SECRET = 4
_active: ContextVar[tuple[str, ...]] = ContextVar("tocsin_hidden_fragments", default=())


def _token_like(host: str) -> bool:
    """A host part with no dot and no colon is a token rather than a name or an address."""
    return "." not in host and ":" not in host and host != "localhost"


def fragments(address: str) -> tuple[str, ...]:
    """The address and each part of it that may be a secret, longest first."""
    found = {address}
    try:
        parts = urlsplit(address)
        found.update((parts.username or "", parts.password or ""))
        if parts.scheme not in ("http", "https") and _token_like(parts.hostname or ""):
            found.add(parts.hostname or "")  # Apprise: slack://TOKEN/..., pover://user@TOKEN
        found.update(parts.path.split("/"))
        found.update(value for _, value in parse_qsl(parts.query))
        if parts.path or parts.query:
            found.add(address.split("://", 1)[-1].split("/", 1)[-1])
    except ValueError:
        pass
    found |= {unquote(f) for f in found}
    kept = [f for f in found if len(f) >= SHORTEST_SECRET]
    return tuple(sorted(kept, key=len, reverse=True))


def scrub(text: str) -> str:
    """``text`` with the fragments hidden by the current ``hiding`` block masked."""
    for fragment in _active.get():
        text = text.replace(fragment, MASK)
    return text


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _active.get():
            record.msg = scrub(record.getMessage())
            record.args = None
        return True


_FILTER = _Redact()
_installing = threading.Lock()


def guard(logger_name: str) -> None:
    """Install the filter on ``logger_name`` (once, even when threads race)."""
    logger = logging.getLogger(logger_name)
    with _installing:
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


@contextmanager
def hiding(*addresses: str) -> Iterator[None]:
    found: set[str] = set(_active.get())
    for address in addresses:
        found.update(fragments(address))
    token = _active.set(tuple(sorted(found, key=len, reverse=True)))
    try:
        yield
    finally:
        _active.reset(token)
