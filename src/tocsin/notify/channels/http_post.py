"""One HTTP POST to a user-configured URL, shared by the webhook and Slack channels.

Each new connection resolves the host, checks every address against the outbound rule and
connects to the address it checked (``transport``), so a name that resolved to a public
address when it was saved and to an internal one now is refused. Redirects are never
followed: a 3xx is a failure, because a redirect could lead inside the network and a
receiver that moved will not move back.

    2xx                                           ok
    408, 425, 429, 5xx, network, timeout,         retryable
    host not resolving
    3xx, other 4xx, refused address, bad URL      permanent
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from tocsin import __version__
from tocsin.errors import InvalidInput
from tocsin.notify import urls
from tocsin.notify.channels import redact, transport
from tocsin.notify.channels.base import Delivery

USER_AGENT = f"Tocsin/{__version__}"
RETRYABLE_STATUSES = frozenset({408, 425, 429})
REPLY_EXCERPT = 200


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


def post(
    url: str,
    body: bytes,
    *,
    headers: Mapping[str, str],
    allow: Sequence[str],
    timeout: float,
    resolve: urls.Resolver = urls.system_resolver,
) -> Delivery:
    """POST ``body`` to ``url`` once and say how it went; never raises for a failed send."""
    try:
        urls.http_host(url, field="address")
    except InvalidInput as exc:
        return Delivery(ok=False, error=exc.message)
    sent_headers = {"content-type": "application/json", "user-agent": USER_AGENT, **headers}
    redact.guard("httpx")
    client = transport.client(timeout, urls.Allow.of(allow), resolve)
    try:
        with redact.hiding(url):
            response = client.post(url, content=body, headers=sent_headers)
    except urls.Unresolvable as exc:  # DNS may answer later
        return Delivery(ok=False, retryable=True, error=exc.message)
    except InvalidInput as exc:  # refused address
        return Delivery(ok=False, retryable=False, error=exc.message)
    except httpx.TimeoutException as exc:
        return Delivery(ok=False, retryable=True, error=f"timed out ({type(exc).__name__})")
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return Delivery(ok=False, retryable=False, error=f"bad URL ({type(exc).__name__})")
    except httpx.TransportError as exc:
        with redact.hiding(url):
            message = redact.scrub(str(exc))
        return Delivery(ok=False, retryable=True, error=f"{type(exc).__name__}: {message}")
    return classify(response)
