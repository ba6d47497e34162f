"""What the ingest path keeps in memory: one :class:`IngestState` per application
(``tocsin.assembly`` makes it), shared by the web process's writer and its in-process worker.

Its parts: the open alerts (:mod:`~tocsin.alerts.open_alerts`), the silences
(:mod:`~tocsin.alerts.silence_cache`), the integrations by key
(:mod:`~tocsin.alerts.integration_cache`) and the rate limits
(:mod:`~tocsin.alerts.rate_limits`). Only the batch writer (or ``check_heartbeats``) changes
the open alerts, holding ``lock``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.alerts.integration_cache import IntegrationCache
from tocsin.alerts.open_alerts import OpenAlerts
from tocsin.alerts.rate_limits import RateLimits
from tocsin.alerts.silence_cache import SilenceCache
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.db import Database


@dataclass
class IngestState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    open_alerts: OpenAlerts = field(default_factory=OpenAlerts)
    silences: SilenceCache = field(default_factory=SilenceCache)
    integrations: IntegrationCache = field(default_factory=IntegrationCache)
    limits: RateLimits = field(default_factory=RateLimits)
    policies: Mapping[Severity, SeverityPolicy] | None = None

    def invalidate(self) -> None:
        """After a failed batch: the next one reloads the open alerts and the silences."""
        self.open_alerts.invalidate()
        self.silences.changed()

    def configuration_changed(self) -> None:
        """After integrations or silences changed by a path that cannot say which (a config
        apply, committed or rolled back whole): reread them on next use."""
        self.silences.changed()
        self.integrations.entries = {}

    def ensure_loaded(self, session: Session) -> None:
        self.open_alerts.ensure_loaded(session)

    def warm(self, db: Database) -> None:
        """Load the open alerts and the silences now, at start, so that the first request
        after a restart does not wait for them (a big cache takes seconds to read)."""
        with self.lock, db.reading() as session:
            self.open_alerts.ensure_loaded(session)
            self.silences.active(session, clock.now())
