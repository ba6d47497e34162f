"""What one alert did: a :class:`Result` and the fields that go with it.

Code and tests read the fields. The sentence (``"joined INC-12"``) is rendered only where a
person reads it: the ``outcome`` of the ingest answer and the last step of the decision trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import msgspec

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
        return _SENTENCES[self.result](self)

    def answer(self) -> Answer:
        """This outcome's entry in the ingest answer."""
        alert_id = self.current.id if self.current is not None else None
        return Answer(
            self.dedup_key,
            alert_id,
            self.result,
            self.incident_id,
            self.silence_id,
            self.sentence(),
        )


class Answer(msgspec.Struct):
    """One alert's entry in the JSON answer of ``/hooks`` (keys in this order)."""

    dedup_key: str
    alert_id: int | None
    result: Result
    incident_id: int | None
    silence_id: int | None
    outcome: str
    """:meth:`Outcome.sentence`, for people."""


def _of(outcome: Outcome) -> str:
    return incidents_service.reference(outcome.incident_id) if outcome.incident_id else ""


def _with_incident(text: str) -> Callable[[Outcome], str]:
    """``text``, followed by the incident when the alert has one: "resolved (INC-4)"."""
    return lambda o: f"{text} ({_of(o)})" if o.incident_id else text


_SENTENCES: dict[Result, Callable[[Outcome], str]] = {
    Result.OPENED: lambda o: f"opened {_of(o)}",
    Result.JOINED: lambda o: f"joined {_of(o)}",
    Result.DEDUPLICATED: lambda o: f"deduplicated: event {o.count} of {_of(o)}",
    Result.SILENCED: lambda o: f"silenced by {o.silence_id}",
    Result.NOT_OPENED: lambda o: f"error: no incident opened: {o.detail}",
    Result.RESOLVED: _with_incident("resolved"),
    Result.ALREADY_RESOLVED: _with_incident("already resolved"),
    Result.ACKNOWLEDGED: _with_incident("acknowledged"),
    Result.ALREADY_FIRING: lambda o: "already firing",
    Result.IGNORED: lambda o: f"ignored: no open alert with key {o.dedup_key!r}",
}
