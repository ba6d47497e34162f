"""One run of a check against its target: no database, just the network and a verdict.

Both kinds connect through the notify feature's pinned transport (``tocsin.notify.channels.
transport``): the host is resolved, every address is checked against the outbound rule, the
connection goes to the checked address and its peer is checked again, so a name that
re-resolves inside the network (DNS rebinding) is refused at run time too, not only when
the check is saved. Redirects are not followed (a 3xx is judged like any other status).

Latency is measured with ``timer`` (``time.perf_counter`` unless a test passes its own):
for HTTP from the request to the end of the part of the body that was read, for TCP the
connect.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpcore
import httpx

from tocsin import __version__
from tocsin.errors import InvalidInput
from tocsin.notify import urls
from tocsin.notify.channels import redact, transport

USER_AGENT = f"Tocsin-check/{__version__}"
MAX_BODY_BYTES = 1 << 20  # ``body_contains`` looks at the first MiB
MAX_ERROR = 500
Timer = Callable[[], float]


@dataclass(frozen=True)
class Target:
    kind: str  # http | tcp
    url: str | None
    host: str | None
    port: int | None
    timeout_seconds: float
    expected_status: int | None = None
    body_contains: str | None = None
    latency_threshold_ms: int | None = None


@dataclass(frozen=True)
class Probe:
    ok: bool
    latency_ms: float | None = None
    status_code: int | None = None
    error: str | None = None


def run(
    target: Target,
    *,
    allow: urls.Allow,
    resolve: urls.Resolver = urls.system_resolver,
    timer: Timer = time.perf_counter,
) -> Probe:
    """Probe ``target`` once; never raises for a failed run (the failure is the verdict)."""
    if target.kind == "tcp":
        found = _tcp(target, allow, resolve, timer)
    else:
        found = _http(target, allow, resolve, timer)
    return _slow(target, found)


def _slow(target: Target, found: Probe) -> Probe:
    limit = target.latency_threshold_ms
    if not found.ok or limit is None or found.latency_ms is None or found.latency_ms <= limit:
        return found
    error = f"took {found.latency_ms:.0f} ms, over the threshold of {limit} ms"
    return Probe(False, found.latency_ms, found.status_code, error)


def _failed(error: str, latency_ms: float | None = None, status: int | None = None) -> Probe:
    return Probe(False, latency_ms, status, error[:MAX_ERROR])


def _tcp(target: Target, allow: urls.Allow, resolve: urls.Resolver, timer: Timer) -> Probe:
    assert target.host is not None and target.port is not None
    backend = transport.PinnedBackend(allow, resolve)
    started = timer()
    try:
        stream = backend.connect_tcp(target.host, target.port, timeout=target.timeout_seconds)
    except InvalidInput as exc:  # refused or unresolvable
        return _failed(exc.message)
    except httpcore.ConnectTimeout:
        return _failed(f"no connection within {target.timeout_seconds:g} s")
    except (httpcore.ConnectError, OSError) as exc:
        return _failed(f"connection failed: {exc}")
    latency = (timer() - started) * 1000
    stream.close()
    return Probe(True, latency)


def _read(response: httpx.Response, needle: str | None, timeout: float) -> bool:
    """Read the body up to the needle (or ``MAX_BODY_BYTES``); whether it was found.

    httpx's timeout bounds each read; a body trickling in slower than that in all still
    ends the run once ``timeout`` has passed since the headers came.
    """
    if needle is None:
        return True
    wanted = needle.encode()
    tail, read = b"", 0
    deadline = time.monotonic() + timeout
    for chunk in response.iter_bytes():
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the body took too long", request=response.request)
        seen = tail + chunk
        if wanted in seen:
            return True
        read += len(chunk)
        if read >= MAX_BODY_BYTES:
            return False
        tail = seen[-len(wanted) :]  # what may start a match across chunks
    return False


def _http(target: Target, allow: urls.Allow, resolve: urls.Resolver, timer: Timer) -> Probe:
    assert target.url is not None
    url = target.url
    redact.guard("httpx")
    client = transport.client(target.timeout_seconds, allow, resolve)
    headers = {"user-agent": USER_AGENT, "connection": "close"}  # a fresh connection each run
    started = timer()
    try:
        with redact.hiding(url), client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            found = _read(response, target.body_contains, target.timeout_seconds)
    except InvalidInput as exc:  # refused or unresolvable
        return _failed(exc.message)
    except httpx.TimeoutException:
        return _failed(f"no answer within {target.timeout_seconds:g} s")
    except httpx.HTTPError as exc:
        with redact.hiding(url):
            message = redact.scrub(str(exc))
        return _failed(f"{type(exc).__name__}: {message}")
    latency = (timer() - started) * 1000
    expected = target.expected_status
    if not (status == expected if expected is not None else 200 <= status < 300):
        wanted = str(expected) if expected is not None else "2xx"
        return _failed(f"HTTP {status}, expected {wanted}", latency, status)
    if not found:
        return _failed(f"the body does not contain {target.body_contains!r}", latency, status)
    return Probe(True, latency, status)
