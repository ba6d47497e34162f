"""One HTTP POST to a user-configured URL, shared by the webhook and Slack channels.

The URL is checked against internal addresses right before each attempt (DNS may have
changed since it was saved). Redirects are never followed: a 3xx is a failure, because a
redirect could lead inside the network and a receiver that moved will not move back.

    2xx                                   ok
    408, 425, 429, 5xx, network, timeout  retryable
    3xx, other 4xx, refused URL           permanent
"""

from __future__ import annotations

import functools
import socket
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import httpx

from tocsin import __version__
from tocsin.errors import InvalidInput
from tocsin.notify.channels import redact
from tocsin.notify.channels.base import Delivery
from tocsin.notify.urls import check_outbound_url

USER_AGENT = f"Tocsin/{__version__}"
RETRYABLE_STATUSES = frozenset({408, 425, 429})
REPLY_EXCERPT = 200


def _unresolved(url: str) -> bool:
    """True when ``url`` names a host that does not resolve at this moment."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    try:
        socket.getaddrinfo(parts.hostname, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return True
    return False


def refusal(url: str, allow: Sequence[str]) -> Delivery | None:
    """``None`` when ``url`` may be reached now, else the failed ``Delivery``.

    A host that does not resolve at this moment may resolve later, so that failure is
    retryable; an internal address or a malformed URL is not.
    """
    try:
        check_outbound_url(url, allow=allow, field="address")
    except InvalidInput as exc:
        return Delivery(ok=False, retryable=_unresolved(url), error=exc.message)
    return None


def classify(response: httpx.Response) -> Delivery:
    status = response.status_code
    detail = f"HTTP {status}"
    if 200 <= status < 300:
        return Delivery(ok=True, detail=detail)
    excerpt = " ".join(response.text[:REPLY_EXCERPT].split())
    error = f"{detail} {response.reason_phrase}".strip() + (f": {excerpt}" if excerpt else "")
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        error = f"{detail}: redirect to {location[:REPLY_EXCERPT]!r} not followed"
    retryable = status in RETRYABLE_STATUSES or status >= 500
    return Delivery(ok=False, retryable=retryable, error=error, detail=detail)


@functools.cache
def _client(timeout: float) -> httpx.Client:
    """One pooled client per timeout, shared by all threads (httpx clients are thread-safe):
    a new client per message would pay for a TLS context and a connection every time."""
    return httpx.Client(timeout=timeout, follow_redirects=False)


def post(
    url: str,
    body: bytes,
    *,
    headers: Mapping[str, str],
    allow: Sequence[str],
    timeout: float,
) -> Delivery:
    """POST ``body`` to ``url`` once and say how it went; never raises for a failed send."""
    refused = refusal(url, allow)
    if refused is not None:
        return refused
    sent_headers = {"content-type": "application/json", "user-agent": USER_AGENT, **headers}
    redact.guard("httpx")
    try:
        with redact.hiding(url):
            response = _client(timeout).post(url, content=body, headers=sent_headers)
    except httpx.TimeoutException as exc:
        return Delivery(ok=False, retryable=True, error=f"timed out ({type(exc).__name__})")
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return Delivery(ok=False, retryable=False, error=f"bad URL ({type(exc).__name__})")
    except httpx.TransportError as exc:
        with redact.hiding(url):
            message = redact.scrub(str(exc))
        return Delivery(ok=False, retryable=True, error=f"{type(exc).__name__}: {message}")
    return classify(response)
