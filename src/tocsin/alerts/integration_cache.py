"""The integration as the ingest path sees it, and a short cache of them by key digest."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from tocsin.alerts.schemas import IntegrationRules
from tocsin.alerts.sources.generic import GenericMapping

INTEGRATION_CACHE_SECONDS = 10.0  # a revoked key keeps working on other replicas this long
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class IntegrationInfo:
    id: int
    kind: str
    name: str
    service: str
    rules: IntegrationRules
    revoked: bool = False
    mapping: GenericMapping | None = None  # generic integrations: where each field is
    # The rules' windows, made once here rather than for every alert.
    burst_window: timedelta = field(init=False)
    group_window: timedelta = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "burst_window", timedelta(minutes=self.rules.burst_minutes))
        window = timedelta(minutes=self.rules.group_window_minutes)
        object.__setattr__(self, "group_window", window)

    @property
    def actor(self) -> str:
        return f"integration:{self.name}"

    @property
    def auto_resolve(self) -> bool:
        if self.rules.auto_resolve is None:
            return self.kind == "pagerduty"
        return self.rules.auto_resolve


@dataclass
class IntegrationCache:
    """Key digest → (the integration, or None for an unknown key; when the entry expires).

    Read by the event loop and written from threads: the dict is replaced whole, never
    changed in place.
    """

    entries: dict[str, tuple[IntegrationInfo | None, float]] = field(default_factory=dict)

    def forget(self, digest: str) -> None:
        self.entries = {k: v for k, v in self.entries.items() if k != digest}

    def remember(self, digest: str, info: IntegrationInfo | None) -> None:
        entries = dict(self.entries)
        if len(entries) > MAX_ENTRIES:  # unknown keys must not grow memory without bound
            entries = {k: v for k, v in entries.items() if v[0] is not None}
        entries[digest] = (info, time.monotonic() + INTEGRATION_CACHE_SECONDS)
        self.entries = entries

    def cached(self, digest: str) -> tuple[bool, IntegrationInfo | None]:
        """(found in the cache, the integration or None for an unknown key)."""
        entry = self.entries.get(digest)
        if entry is None or entry[1] < time.monotonic():
            return False, None
        return True, entry[0]
