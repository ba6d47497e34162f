"""The incident lifecycle as pure functions.

Each command takes the current ``IncidentState`` and the time, checks the rules, and returns
the new state with exactly one ``EventDraft`` for the timeline, or raises a ``RuleViolation``.
The incidents service persists both in one transaction, so the timeline and the state can
never disagree.

Recorded timestamps never go backwards: a command's time is clamped to the latest timestamp
already recorded, which absorbs small clock differences between replicas.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tocsin.core.comms import public_ack_due
from tocsin.core.severity import Severity, SeverityPolicy


class Status(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"


ACTIVE = frozenset(
    {
        Status.TRIGGERED,
        Status.ACKNOWLEDGED,
        Status.INVESTIGATING,
        Status.IDENTIFIED,
        Status.MITIGATED,
    }
)

TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.TRIGGERED: (
        Status.ACKNOWLEDGED,
        Status.INVESTIGATING,
        Status.IDENTIFIED,
        Status.MITIGATED,
        Status.RESOLVED,
    ),
    Status.ACKNOWLEDGED: (
        Status.INVESTIGATING,
        Status.IDENTIFIED,
        Status.MITIGATED,
        Status.RESOLVED,
    ),
    Status.INVESTIGATING: (Status.IDENTIFIED, Status.MITIGATED, Status.RESOLVED),
    Status.IDENTIFIED: (Status.INVESTIGATING, Status.MITIGATED, Status.RESOLVED),
    Status.MITIGATED: (Status.INVESTIGATING, Status.IDENTIFIED, Status.RESOLVED),
    # Reopening a resolved incident goes back to investigating; closing ends it for good.
    Status.RESOLVED: (Status.INVESTIGATING, Status.CLOSED),
    Status.CLOSED: (),
}


class LearningState(StrEnum):
    """The learning phase (postmortem), kept apart from the response phase."""

    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    DONE = "done"
    WAIVED = "waived"


LEARNING_SETTLED = frozenset({LearningState.NOT_REQUIRED, LearningState.DONE, LearningState.WAIVED})


class DetectionSource(StrEnum):
    ALERT = "alert"
    CHECK = "check"
    CUSTOMER_REPORT = "customer_report"
    PERSON = "person"


class RuleViolation(Exception):
    """A command that the lifecycle rules refuse; the incident is left unchanged."""

    field: str | None = None


class IllegalTransition(RuleViolation):
    def __init__(self, current: Status, target: Status) -> None:
        self.current = current
        self.target = target
        self.allowed = TRANSITIONS[current]
        allowed = ", ".join(self.allowed) or "none (closed is final)"
        super().__init__(
            f"cannot move from {current} to {target}; allowed from {current}: {allowed}"
        )


class LearningIncomplete(RuleViolation):
    def __init__(self, severity: Severity) -> None:
        super().__init__(
            f"the {severity} policy requires a postmortem: mark the learning phase done, "
            "or waive it with a reason, before closing"
        )


class IncidentClosed(RuleViolation):
    def __init__(self, what: str) -> None:
        super().__init__(f"the incident is closed; {what} is no longer possible")


class InvalidTime(RuleViolation):
    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


class MissingReason(RuleViolation):
    field = "reason"

    def __init__(self, what: str) -> None:
        super().__init__(f"reason: a reason is required to {what}")


@dataclass(frozen=True)
class EventDraft:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IncidentState:
    status: Status
    severity: Severity
    learning: LearningState
    impact_started_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    last_update_at: datetime | None = None
    next_update_due_at: datetime | None = None
    public_ack_due_at: datetime | None = None
    first_public_at: datetime | None = None

    def recorded_times(self) -> list[datetime]:
        times = [
            self.impact_started_at,
            self.detected_at,
            self.acknowledged_at,
            self.mitigated_at,
            self.resolved_at,
            self.closed_at,
            self.last_update_at,
        ]
        return [t for t in times if t is not None]


Outcome = tuple[IncidentState, EventDraft]

# An impact start or detection a little ahead of our clock is clock skew, not the future.
CLOCK_SKEW = timedelta(minutes=5)


def _clamped(state: IncidentState, now: datetime) -> datetime:
    return max([now, *state.recorded_times()])


def _learning_for(policy: SeverityPolicy) -> LearningState:
    return LearningState.PENDING if policy.postmortem_required else LearningState.NOT_REQUIRED


def open_incident(
    *,
    policy: SeverityPolicy,
    now: datetime,
    impact_started_at: datetime | None = None,
    detected_at: datetime | None = None,
    status: Status = Status.TRIGGERED,
) -> Outcome:
    """Open an incident; impact start defaults to detection, detection to now."""
    if now.tzinfo is None:
        raise InvalidTime("now", "must be time-zone aware")
    for name, value in (("impact_started_at", impact_started_at), ("detected_at", detected_at)):
        if value is not None and value.tzinfo is None:
            raise InvalidTime(name, "must carry a time zone (UTC offset)")
        if value is not None and value > now + CLOCK_SKEW:
            raise InvalidTime(name, "is in the future")
    detected = min(detected_at or now, now)
    impact = min(impact_started_at or detected, detected)
    if status not in (Status.TRIGGERED, Status.ACKNOWLEDGED, Status.INVESTIGATING):
        raise IllegalTransition(Status.TRIGGERED, status)
    state = IncidentState(
        status=status,
        severity=policy.severity,
        learning=_learning_for(policy),
        impact_started_at=impact,
        detected_at=detected,
        acknowledged_at=None if status is Status.TRIGGERED else now,
        next_update_due_at=policy.next_update_due(now),
        public_ack_due_at=public_ack_due(policy, current=None, published_at=None, at=now),
    )
    event = EventDraft(
        "declared",
        {
            "status": status.value,
            "severity": policy.severity.value,
            "impact_started_at": impact.isoformat(),
            "detected_at": detected.isoformat(),
        },
    )
    return state, event


def move(state: IncidentState, target: Status, *, now: datetime) -> Outcome:
    """Move the incident to ``target`` if the transition table allows it."""
    if target not in TRANSITIONS[state.status]:
        raise IllegalTransition(state.status, target)
    if target is Status.CLOSED and state.learning not in LEARNING_SETTLED:
        raise LearningIncomplete(state.severity)
    at = _clamped(state, now)
    changes: dict[str, Any] = {"status": target}
    if state.acknowledged_at is None:
        changes["acknowledged_at"] = at
    if target in (Status.MITIGATED, Status.RESOLVED) and state.mitigated_at is None:
        changes["mitigated_at"] = at
    if target is Status.RESOLVED:
        changes["resolved_at"] = at
        changes["next_update_due_at"] = None
    if target is Status.CLOSED:
        changes["closed_at"] = at
    if state.status is Status.RESOLVED and target is Status.INVESTIGATING:
        changes["resolved_at"] = None
    event = EventDraft("status_changed", {"from": state.status.value, "to": target.value})
    return replace(state, **changes), event


def change_severity(
    state: IncidentState, policy: SeverityPolicy, *, reason: str, now: datetime
) -> Outcome:
    """Change severity; the update cadence, the public acknowledgement deadline and the
    postmortem requirement follow the new policy."""
    if state.status is Status.CLOSED:
        raise IncidentClosed("changing severity")
    if not reason.strip():
        raise MissingReason("change severity")
    if policy.severity is state.severity:
        raise RuleViolation(f"severity: the incident is already {state.severity}")
    at = _clamped(state, now)
    learning = state.learning
    if learning in (LearningState.PENDING, LearningState.NOT_REQUIRED):
        learning = _learning_for(policy)
    due = state.next_update_due_at
    if state.status in ACTIVE:
        due = policy.next_update_due(state.last_update_at or at)
    event = EventDraft(
        "severity_changed",
        {"from": state.severity.value, "to": policy.severity.value, "reason": reason},
    )
    ack = state.public_ack_due_at
    if state.status in ACTIVE:
        ack = public_ack_due(policy, current=ack, published_at=state.first_public_at, at=at)
    new = replace(
        state,
        severity=policy.severity,
        learning=learning,
        next_update_due_at=due,
        public_ack_due_at=ack,
    )
    return new, event


def post_update(
    state: IncidentState,
    policy: SeverityPolicy,
    *,
    now: datetime,
    next_update_in: timedelta | None,
    content: dict[str, Any],
) -> Outcome:
    """Record an internal update; the next one is due by the given ETA or the cadence."""
    if state.status is Status.CLOSED:
        raise IncidentClosed("posting an update")
    at = _clamped(state, now)
    if next_update_in is not None:
        if next_update_in <= timedelta(0):
            raise InvalidTime("next_update_in_minutes", "must be positive")
        due: datetime | None = at + next_update_in
    elif state.status in ACTIVE:
        due = policy.next_update_due(at)
    else:
        due = None
    new = replace(state, last_update_at=at, next_update_due_at=due)
    data = {**content, "next_update_due_at": due.isoformat() if due else None}
    return new, EventDraft("update_posted", data)


def mark_published(state: IncidentState, *, at: datetime) -> IncidentState | None:
    """The state once the incident is first on the status page; None if it was already."""
    if state.first_public_at is not None:
        return None
    return replace(state, first_public_at=at)


def settle_learning(state: IncidentState, outcome: LearningState, *, reason: str | None) -> Outcome:
    """Mark the learning phase done, or waive it with a reason."""
    if outcome not in (LearningState.DONE, LearningState.WAIVED):
        raise RuleViolation("state: the learning phase can only be set to done or waived")
    if state.status is Status.CLOSED:
        raise IncidentClosed("changing the learning phase")
    if outcome is LearningState.WAIVED and not (reason and reason.strip()):
        raise MissingReason("waive the postmortem")
    event = EventDraft(
        "learning_settled", {"from": state.learning.value, "to": outcome.value, "reason": reason}
    )
    return replace(state, learning=outcome), event
