"""The open alerts the batch writer knows, by key: the cache behind dedup and grouping.

The database stays the truth: the cache is loaded from it as the app starts, before the
port opens (``IngestState.warm``), and again after any failed batch; a key it lacks is looked
up there (another replica, or the worker, may have opened it). Changes made elsewhere (an
incident resolved by a person closes its alerts) arrive through ``closed_incidents``, filled
after their commit and drained before the next batch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select, text, tuple_
from sqlalchemy.orm import Session

from tocsin.alerts.tables import Alert
from tocsin.core.alerts import AlertStatus

Key = tuple[int, str]
"""(integration id, dedup key)"""


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
    # Repeats counted here since the row was last written: what the next write adds to its
    # stored count (another process's repeats of the key are in the row, not in ``count``).
    unwritten_repeats: int = 0
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
    """The open incident of a group, and when the group's first alert opened it."""

    incident_id: int
    started_at: datetime


@dataclass
class OpenAlerts:
    loaded: bool = False
    current: dict[Key, Current] = field(default_factory=dict)
    incident_keys: dict[int, set[Key]] = field(default_factory=dict)
    groups: dict[Key, Group] = field(default_factory=dict)
    """By (integration id, group key)."""
    closed_incidents: deque[int] = field(default_factory=deque)
    loads: int = 0
    """How many times the whole cache was read from the database."""

    def invalidate(self) -> None:
        """Forget everything (after a failed batch); the next batch reloads."""
        self.loaded = False
        self.current.clear()
        self.incident_keys.clear()
        self.groups.clear()

    def ensure_loaded(self, session: Session) -> None:
        if self.loaded:
            self.apply_closed_incidents()
            return
        self.invalidate()
        self.closed_incidents.clear()
        columns = [getattr(Alert, name) for name in _LOADED]
        query = select(*columns).where(Alert.open.is_(True)).order_by(Alert.id)
        for row in session.execute(query).mappings():
            self._remember(_current(row))
        self.loaded = True
        self.loads += 1

    def _remember(self, current: Current) -> None:
        self.add(current)
        if current.group_key and current.incident_id is not None:
            key = (current.integration_id, current.group_key)
            known = self.groups.get(key)
            if known is None or known.started_at > current.first_seen_at:
                self.groups[key] = Group(current.incident_id, current.first_seen_at)

    def find_groups(self, session: Session, wanted: Collection[Key]) -> None:
        """Learn the open incidents of groups this process has not seen (by integration id
        and group key) from the database: another replica may have opened them.

        On PostgreSQL each group is locked until the transaction ends first, so two replicas
        opening the same group at once take turns: the second finds the first's incident.
        """
        pairs = sorted(k for k in wanted if k not in self.groups)
        if not pairs:
            return
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                _LOCK_GROUPS, {"ids": [i for i, _ in pairs], "keys": [k for _, k in pairs]}
            )
        columns = [getattr(Alert, name) for name in _LOADED]
        for start in range(0, len(pairs), _PAIRS_PER_QUERY):
            chunk = pairs[start : start + _PAIRS_PER_QUERY]
            query = select(*columns).where(
                Alert.open.is_(True),
                Alert.incident_id.is_not(None),
                tuple_(Alert.integration_id, Alert.group_key).in_(chunk),
            )
            for row in session.execute(query).mappings():
                if (row["integration_id"], row["dedup_key"]) not in self.current:
                    self._remember(_current(row))

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


def _current(row: RowMapping) -> Current:
    return Current(**{**row, "status": AlertStatus(row["status"])})


_PAIRS_PER_QUERY = 400  # two bound parameters each
# Locks taken in key order (the array is sorted), so two batches cannot wait on each other.
_LOCK_GROUPS = text(
    "SELECT pg_advisory_xact_lock(g.id, hashtext(g.key)) "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:keys AS text[])) WITH ORDINALITY AS g(id, key, n) "
    "ORDER BY g.n"
)
_LOADED = (
    *("id", "integration_id", "dedup_key", "name", "status", "incident_id", "silenced_by"),
    *("group_key", "count", "first_seen_at", "last_seen_at", "last_logged_at", "ends_at"),
)
