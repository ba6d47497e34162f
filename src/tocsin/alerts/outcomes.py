"""What one alert did: a :class:`Result` and the fields that go with it.

Code and tests read the fields. The sentence (``"joined INC-12"``) is rendered only where a
person reads it: the ``outcome`` of the ingest answer and the last step of the decision trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tocsin.alerts.open_alerts import Current
from tocsin.incidents import service as incidents_service


class Result(StrEnum):
    OPENED = "opened"
    """Opened incident ``incident_id``."""
    JOINED = "joined"
    """Joined the open incident ``incident_id`` of its group."""
    DEDUPLICATED = "deduplicated"
    """Event ``count`` of an alert that already has incident ``incident_id``."""
    SILENCED = "silenced"
    """Stored, opens nothing: silence ``silence_id`` matched."""
    NOT_OPENED = "not_opened"
    """Stored, but the incident rules refused to open one (``detail`` says why)."""
    RESOLVED = "resolved"
    ALREADY_RESOLVED = "already_resolved"
    ACKNOWLEDGED = "acknowledged"
    ALREADY_FIRING = "already_firing"
    """A heartbeat check found its alert firing already and left it alone."""
    IGNORED = "ignored"
    """A resolve or acknowledge for a key with no open alert."""


@dataclass(slots=True)
class Outcome:
    dedup_key: str
    result: Result
    current: Current | None = None
    incident_id: int | None = None
    silence_id: int | None = None
    count: int | None = None
    detail: str | None = None

    def sentence(self) -> str:
        """The outcome as a person reads it."""
        result = self.result
        of = incidents_service.reference(self.incident_id) if self.incident_id else None
        if result is Result.DEDUPLICATED:
            return f"deduplicated: event {self.count} of {of}"
        if result in (Result.OPENED, Result.JOINED):
            return f"{result} {of}"
        if result is Result.SILENCED:
            return f"silenced by {self.silence_id}"
        if result is Result.NOT_OPENED:
            return f"error: no incident opened: {self.detail}"
        if result is Result.IGNORED:
            return f"ignored: no open alert with key {self.dedup_key!r}"
        if result is Result.ALREADY_FIRING:
            return "already firing"
        text = result.replace("_", " ")  # resolved, already resolved, acknowledged...
        return f"{text} ({of})" if of else text

    def as_dict(self) -> dict[str, Any]:
        """One entry of the ingest answer."""
        return {
            "dedup_key": self.dedup_key,
            "alert_id": self.current.id if self.current is not None else None,
            "result": self.result.value,
            "incident_id": self.incident_id,
            "silence_id": self.silence_id,
            "outcome": self.sentence(),
        }
