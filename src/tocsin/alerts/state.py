"""What the ingest path keeps in memory, one :class:`IngestState` per database.

The database stays the truth: open alerts are reloaded from it on start and after any failed
batch. Only the batch writer (or ``check_heartbeats``) changes the alert caches, holding
``lock``. Changes made elsewhere (an incident resolved by a person closes its alerts) reach
the caches through ``closed_incidents``, filled after their commit and drained by the writer.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, RowMapping, select
from sqlalchemy.orm import Session

from tocsin.alerts.schemas import IntegrationRules
from tocsin.alerts.sources.generic import GenericMapping
from tocsin.alerts.tables import Alert, Silence
from tocsin.core.alerts import AlertStatus
from tocsin.core.matchers import Matcher, WeeklyWindow, parse_matcher
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.db import Database

INTEGRATION_CACHE_SECONDS = 10.0  # a revoked key keeps working on other replicas this long
SILENCE_CACHE_SECONDS = 5.0

Key = tuple[int, str]


@dataclass(frozen=True, slots=True)
class IntegrationInfo:
    id: int
    kind: str
    name: str
    service: str
    rules: IntegrationRules
    revoked: bool = False
    mapping: GenericMapping | None = None  # generic integrations: where each field is

    @property
    def actor(self) -> str:
        return f"integration:{self.name}"

    @property
    def auto_resolve(self) -> bool:
        if self.rules.auto_resolve is None:
            return self.kind == "pagerduty"
        return self.rules.auto_resolve


@dataclass(slots=True)
class Current:
    """The open alert row of one key, as the writer sees it."""

    integration_id: int
    dedup_key: str
    name: str
    status: AlertStatus
    incident_id: int | None
    silenced_by: int | None
    group_key: str | None
    count: int
    first_seen_at: datetime
    last_seen_at: datetime
    last_logged_at: datetime | None
    ends_at: datetime | None
    # Decision steps not written yet: the whole trace until the row is inserted, then the
    # steps added since the last write (the stored trace is not kept in memory).
    steps: list[dict[str, Any]] | None = None
    id: int | None = None
    open: bool = True
    # Columns written once, kept only until the row is inserted.
    row: dict[str, Any] | None = None

    @property
    def key(self) -> Key:
        return (self.integration_id, self.dedup_key)

    def add_steps(self, *steps: dict[str, Any]) -> None:
        if self.steps is None:
            self.steps = []
        self.steps.extend(steps)


@dataclass(slots=True)
class Group:
    incident_id: int
    started_at: datetime


@dataclass(frozen=True, slots=True)
class ActiveSilence:
    id: int
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    weekly: WeeklyWindow | None
    service: str | None
    integration_id: int | None


class Bucket:
    """A token bucket refilled at ``per_minute``/60 a second, holding at most a minute's worth."""

    __slots__ = ("at", "per_minute", "tokens")

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.tokens = float(per_minute)
        self.at = time.monotonic()

    def take(self, count: int) -> bool:
        now = time.monotonic()
        self.tokens = min(self.per_minute, self.tokens + (now - self.at) * self.per_minute / 60)
        self.at = now
        # A request larger than the whole bucket passes when the bucket is full, then owes.
        if self.tokens < min(count, self.per_minute):
            return False
        self.tokens -= count
        return True


@dataclass
class IngestState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    loaded: bool = False
    current: dict[Key, Current] = field(default_factory=dict)
    incident_keys: dict[int, set[Key]] = field(default_factory=dict)
    groups: dict[Key, Group] = field(default_factory=dict)
    closed_incidents: deque[int] = field(default_factory=deque)
    policies: Mapping[Severity, SeverityPolicy] | None = None
    # Read by the event loop; replaced whole, never mutated in place.
    integrations: dict[str, tuple[IntegrationInfo | None, float]] = field(default_factory=dict)
    silences: tuple[ActiveSilence, ...] = ()
    silences_loaded_at: float = -1e9
    buckets: dict[int, Bucket] = field(default_factory=dict)
    rate_limited: dict[int, int] = field(default_factory=dict)

    # ------------------------------------------------------------ open alerts

    def invalidate(self) -> None:
        """Forget the open alerts (after a failed batch); the next batch reloads them."""
        self.loaded = False
        self.current.clear()
        self.incident_keys.clear()
        self.groups.clear()
        self.silences_loaded_at = -1e9

    def ensure_loaded(self, session: Session) -> None:
        if self.loaded:
            self.apply_closed_incidents()
            return
        self.invalidate()
        self.closed_incidents.clear()
        columns = [getattr(Alert, name) for name in _LOADED]
        query = select(*columns).where(Alert.open.is_(True)).order_by(Alert.id)
        for row in session.execute(query).mappings():
            current = _current(row)
            self.add(current)
            if current.group_key and current.incident_id is not None:
                key = (current.integration_id, current.group_key)
                known = self.groups.get(key)
                if known is None or known.started_at > current.first_seen_at:
                    self.groups[key] = Group(current.incident_id, current.first_seen_at)
        self.loaded = True

    def find(self, session: Session, key: Key) -> Current | None:
        """The open alert for ``key``: from the cache, else from the database.

        Another replica (or the worker) may have opened it; a resolve or an acknowledgement
        must still reach it.
        """
        current = self.current.get(key)
        if current is not None:
            return current
        columns = [getattr(Alert, name) for name in _LOADED]
        query = select(*columns).where(
            Alert.open.is_(True), Alert.integration_id == key[0], Alert.dedup_key == key[1]
        )
        row = session.execute(query).mappings().first()
        if row is None:
            return None
        found = _current(row)
        self.add(found)
        return found

    def add(self, current: Current) -> None:
        self.current[current.key] = current
        if current.incident_id is not None:
            self.incident_keys.setdefault(current.incident_id, set()).add(current.key)

    def attach(self, current: Current, incident_id: int) -> None:
        current.incident_id = incident_id
        self.incident_keys.setdefault(incident_id, set()).add(current.key)

    def drop(self, current: Current) -> None:
        current.open = False
        if self.current.get(current.key) is current:
            del self.current[current.key]
        if current.incident_id is not None:
            keys = self.incident_keys.get(current.incident_id)
            if keys is not None:
                keys.discard(current.key)

    def drop_incident(self, incident_id: int) -> None:
        """The incident resolved or closed: its alerts stop being open."""
        for key in self.incident_keys.pop(incident_id, set()):
            current = self.current.get(key)
            if current is not None and current.incident_id == incident_id:
                current.open = False
                del self.current[key]
        for key, group in list(self.groups.items()):
            if group.incident_id == incident_id:
                del self.groups[key]

    def apply_closed_incidents(self) -> None:
        while self.closed_incidents:
            self.drop_incident(self.closed_incidents.popleft())

    def incident_alerts(self, incident_id: int) -> list[Current]:
        keys = self.incident_keys.get(incident_id, ())
        return [self.current[key] for key in keys if key in self.current]

    # ------------------------------------------------------------ silences

    def active_silences(self, session: Session, now: datetime) -> tuple[ActiveSilence, ...]:
        if time.monotonic() - self.silences_loaded_at > SILENCE_CACHE_SECONDS:
            rows = session.scalars(select(Silence).where(Silence.ends_at > now))
            self.silences = tuple(_active(row) for row in rows)
            self.silences_loaded_at = time.monotonic()
        return self.silences

    def silences_changed(self) -> None:
        self.silences_loaded_at = -1e9

    # ------------------------------------------------------------ integrations

    def forget_integration(self, digest: str) -> None:
        self.integrations = {k: v for k, v in self.integrations.items() if k != digest}

    def remember_integration(self, digest: str, info: IntegrationInfo | None) -> None:
        entries = dict(self.integrations)
        if len(entries) > 10_000:  # unknown keys must not grow memory without bound
            entries = {k: v for k, v in entries.items() if v[0] is not None}
        entries[digest] = (info, time.monotonic() + INTEGRATION_CACHE_SECONDS)
        self.integrations = entries

    def cached_integration(self, digest: str) -> tuple[bool, IntegrationInfo | None]:
        """(found in the cache, the integration or None for an unknown key)."""
        entry = self.integrations.get(digest)
        if entry is None or entry[1] < time.monotonic():
            return False, None
        return True, entry[0]

    def allow(self, integration: IntegrationInfo, count: int) -> bool:
        limit = integration.rules.rate_limit_per_minute
        bucket = self.buckets.get(integration.id)
        if bucket is None or bucket.per_minute != limit:
            bucket = self.buckets[integration.id] = Bucket(limit)
        if bucket.take(count):
            return True
        self.rate_limited[integration.id] = self.rate_limited.get(integration.id, 0) + count
        return False


def _current(row: RowMapping) -> Current:
    return Current(**{**row, "status": AlertStatus(row["status"])})


def _active(row: Silence) -> ActiveSilence:
    return ActiveSilence(
        id=row.id,
        matchers=tuple(parse_matcher(text) for text in row.matchers),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        weekly=WeeklyWindow.from_dict(row.weekly) if row.weekly else None,
        service=row.service,
        integration_id=row.integration_id,
    )


_LOADED = (
    *("id", "integration_id", "dedup_key", "name", "status", "incident_id", "silenced_by"),
    *("group_key", "count", "first_seen_at", "last_seen_at", "last_logged_at", "ends_at"),
)
_states: dict[Engine, IngestState] = {}
_states_lock = threading.Lock()


def state_for(db: Database) -> IngestState:
    with _states_lock:
        state = _states.get(db.engine)
        if state is None:
            state = _states[db.engine] = IngestState()
        return state


def state_of_engine(engine: Engine) -> IngestState | None:
    return _states.get(engine)
