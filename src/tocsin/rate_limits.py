"""Per-client-address rate limits of the public endpoints (sign-in, the report form, the
subscribe call and form): the rule of :class:`tocsin.core.rate_limit.BucketTable` on the
process's monotonic clock.

In memory, per process (as the alert ingest's per-integration limit): a replica counts its
own requests. The client address is the connection's, or the one a trusted proxy named in
``X-Forwarded-For`` (uvicorn sets it, see :mod:`tocsin.web.server`).

A route takes a limit with ``dependencies=[per_client(...)]``; its limits live in the app's
:class:`ClientLimits` (``app.state.tocsin.client_limits``), one table per name.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import Depends, Request

from tocsin.config import Settings
from tocsin.core.rate_limit import BucketTable
from tocsin.errors import RateLimited

MAX_SOURCES = 10_000


class SourceLimits:
    def __init__(self, *, max_sources: int = MAX_SOURCES) -> None:
        self.table = BucketTable(max_sources)
        self._lock = threading.Lock()

    def wait(self, source: str, per_minute: int) -> int:
        """Count one request from ``source``: 0 if allowed, else the seconds to wait (≥ 1)."""
        now = time.monotonic()
        with self._lock:
            return self.table.wait(source, per_minute, now)

    def take(self, source: str, per_minute: int, *, what: str) -> None:
        """Count one request from ``source``; ``RateLimited`` (with ``retry_after``, so a 429
        with ``Retry-After``) naming ``what`` was asked too often."""
        wait = self.wait(source, per_minute)
        if wait:
            message = f"too many {what} from {source}; try again in {wait} s"
            raise RateLimited(message, field="client", retry_after=wait)

    def clear(self) -> None:
        with self._lock:
            self.table.buckets.clear()


class ClientLimits:
    """The app's per-address limits, a :class:`SourceLimits` per name (made on first use)."""

    def __init__(self) -> None:
        self._tables: dict[str, SourceLimits] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> SourceLimits:
        with self._lock:
            return self._tables.setdefault(name, SourceLimits())

    def clear(self) -> None:
        with self._lock:
            for limits in self._tables.values():
                limits.clear()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def per_client(name: str, per_minute: Callable[[Settings], int], *, what: str) -> Any:
    """A route dependency: count the request against its client address's limit ``name``
    (``per_minute`` of the settings) before the route runs; over it, ``RateLimited``: a 429
    with ``Retry-After``, as JSON for the API and as a page for browsers.

    ``@router.post("/login", dependencies=[per_client("sign-in", lambda s:
    s.signin_per_minute, what="sign-in attempts")])``
    """

    def take(request: Request) -> None:
        tocsin = request.app.state.tocsin
        limits: SourceLimits = tocsin.client_limits[name]
        limits.take(client_address(request), per_minute(tocsin.settings), what=what)

    return Depends(take)
