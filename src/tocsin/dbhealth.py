"""When the database cannot do its job: which errors mean that, and one log line per outage.

A stopped or unreachable PostgreSQL, a read-only or full SQLite file, a failing disk: none
of these is a bug in the request, and none is helped by a traceback per request. The
:class:`~tocsin.db.Database` translates such errors into :class:`DatabaseUnavailable` (503,
``Retry-After``) and tells its :class:`Health`, which logs once when the database stops
answering and once when it is back. Any other database error (a constraint, a bad query)
is left alone: it is either handled by the caller or a bug that deserves its 500.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exc as sa_exc

from tocsin.errors import Unavailable

log = logging.getLogger("tocsin.db")

UNREACHABLE = "unreachable"
READ_ONLY = "read-only"
DISK_FULL = "disk full"
DISK_ERROR = "disk error"
BUSY = "busy"

_MESSAGES = {
    UNREACHABLE: "the database is unreachable; retry shortly",
    READ_ONLY: "the database is read-only; nothing was stored, retry later",
    DISK_FULL: "the database's disk is full; nothing was stored, retry later",
    DISK_ERROR: "the database's disk failed; nothing was stored, retry later",
    BUSY: "the database is busy; retry shortly",
}

_SQLITE_KINDS = {
    sqlite3.SQLITE_READONLY: READ_ONLY,
    sqlite3.SQLITE_FULL: DISK_FULL,
    sqlite3.SQLITE_IOERR: DISK_ERROR,
    sqlite3.SQLITE_CANTOPEN: UNREACHABLE,
    sqlite3.SQLITE_BUSY: BUSY,
}
# The same, by message, for a driver that does not say the code.
_SQLITE_TEXTS = {
    "readonly database": READ_ONLY,
    "database or disk is full": DISK_FULL,
    "disk i/o error": DISK_ERROR,
    "unable to open database file": UNREACHABLE,
    "database is locked": BUSY,
}


@dataclass(frozen=True)
class Outage:
    """What is wrong with the database: a kind (see the constants) and the driver's words."""

    kind: str
    detail: str

    @property
    def writes_only(self) -> bool:
        """Reads still work (a read-only file, a full disk); only a write shows it is over."""
        return self.kind in (READ_ONLY, DISK_FULL)

    @property
    def message(self) -> str:
        """What a client is told: no host names, no driver text."""
        return _MESSAGES[self.kind]

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}" if self.detail else self.kind


class DatabaseUnavailable(Unavailable):
    """503: the database cannot serve this request now (``outage`` says why)."""

    def __init__(self, outage: Outage) -> None:
        super().__init__(outage.message)
        self.outage = outage


def reason(error: BaseException) -> str:
    """The driver's reason without the address it tried: 'Connection refused'."""
    first = (str(error).strip().splitlines() or [""])[0]
    return first.rsplit(" failed: ", 1)[-1].strip()[:200]


def _sqlite_kind(error: sqlite3.Error) -> str | None:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None and (kind := _SQLITE_KINDS.get(code & 0xFF)):
        return kind
    text = str(error).lower()
    return next((kind for part, kind in _SQLITE_TEXTS.items() if part in text), None)


def _postgres_kind(error: sa_exc.DBAPIError) -> str | None:
    if error.connection_invalidated or isinstance(error, sa_exc.InterfaceError):
        return UNREACHABLE
    if not hasattr(error.orig, "sqlstate"):  # not psycopg's error: nothing to go by
        return None
    state: str | None = getattr(error.orig, "sqlstate", None)
    if state == "25006":  # read_only_sql_transaction: a standby, or a server set read-only
        return READ_ONLY
    if not isinstance(error, sa_exc.OperationalError):
        return None
    if state is None or state[:2] == "08" or state.startswith("57P"):
        return UNREACHABLE  # no connection, connection lost, server shutting down or starting
    if state == "53100":
        return DISK_FULL
    if state[:2] in ("53", "58"):  # out of memory or connections; I/O error
        return UNREACHABLE
    return None  # deadlocks, serialization failures, cancelled statements: not an outage


def classify(error: BaseException) -> Outage | None:
    """The outage ``error`` reports, or None when it is some other error.

    The errors it was raised while handling count too: SQLite undoes a whole transaction on
    a full disk, so the savepoint release that follows fails with "no such savepoint", an
    error that only says the disk was full through its context.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if outage := _classify_one(current):
            return outage
        current = current.__cause__ or current.__context__
    return None


def _classify_one(error: BaseException) -> Outage | None:
    if isinstance(error, sa_exc.TimeoutError):  # every pooled connection is stuck
        return Outage(UNREACHABLE, "no connection free in the pool")
    if isinstance(error, sqlite3.Error):  # from a raw connection
        kind = _sqlite_kind(error)
        return Outage(kind, reason(error)) if kind else None
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    if isinstance(error.orig, sqlite3.Error):
        kind = _sqlite_kind(error.orig)
    else:
        kind = _postgres_kind(error)
    return Outage(kind, reason(error.orig or error)) if kind else None


class Health:
    """The database's last known state, for one line in the log per outage.

    Callers take ``epoch`` when a transaction starts and report how it ended with it: a
    transaction that started before the state last changed says nothing new (a read that
    was already under way when the server stopped is no sign that it is back). While
    nothing changes, both calls are an attribute read or two.

    A read-only or full database is back only when a write commits, and only once no write
    has failed for ``settle_seconds``: on a full disk small writes may still fit while
    large ones fail, which is one outage, not one per request.
    """

    def __init__(
        self, *, settle_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settle_seconds = settle_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self.outage: Outage | None = None
        self.epoch = 0
        self._since = self._last_failure = 0.0

    def failed(self, outage: Outage, epoch: int) -> None:
        self._last_failure = self._clock()
        current = self.outage
        if epoch != self.epoch or (current is not None and current.kind == outage.kind):
            return
        with self._lock:
            if epoch != self.epoch:
                return
            if self.outage is None:
                self._since = self._last_failure
            self.outage = outage
            self.epoch += 1
        log.warning("database unavailable (%s): requests answer 503 until it is back", outage)

    def succeeded(self, epoch: int, *, wrote: bool) -> None:
        outage = self.outage
        if outage is None or epoch != self.epoch:
            return
        if outage.writes_only and (
            not wrote or self._clock() - self._last_failure < self.settle_seconds
        ):
            return
        with self._lock:
            if epoch != self.epoch:
                return
            self.outage = None
            self.epoch += 1
            seconds = self._clock() - self._since
        log.warning("database available again after %.1f s", seconds)
