"""The silences not yet ended, as the ingest path reads them: reloaded every few seconds,
and at once after a change made through this process."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin.alerts.tables import Silence
from tocsin.core.matchers import WeeklyWindow, parse_matcher
from tocsin.core.silences import ActiveSilence

SILENCE_CACHE_SECONDS = 5.0  # a silence made on another replica applies here this late
_STALE = -1e9


@dataclass
class SilenceCache:
    silences: tuple[ActiveSilence, ...] = ()
    loaded_at: float = _STALE

    def active(self, session: Session, now: datetime) -> tuple[ActiveSilence, ...]:
        if time.monotonic() - self.loaded_at > SILENCE_CACHE_SECONDS:
            rows = session.scalars(select(Silence).where(Silence.ends_at > now))
            self.silences = tuple(_active(row) for row in rows)
            self.loaded_at = time.monotonic()
        return self.silences

    def changed(self) -> None:
        self.loaded_at = _STALE


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
