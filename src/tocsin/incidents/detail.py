"""What the incident page shows beside the incident itself: the latest update, the update
composer (the template of SPEC §5, prefilled), the countdown to the next update, the lifecycle
actions as verbs, and what a close still needs."""

from __future__ import annotations

from dataclasses import dataclass

from tocsin.core.lifecycle import LEARNING_SETTLED, LearningState, Status
from tocsin.core.severity import SeverityPolicy
from tocsin.incidents.schemas import IncidentOut, UpdateOut


@dataclass(frozen=True)
class Action:
    """A lifecycle move as a button: its verb, and the question asked first (or None)."""

    status: Status
    verb: str
    confirm: str | None


@dataclass(frozen=True)
class Composer:
    """The update template's fields, prefilled from the latest update (a responder edits what
    changed instead of typing it again), the first time from the incident's summary."""

    status: str
    impact: str
    actions: str
    next_update_in_minutes: int | None


def actions(incident: IncidentOut) -> list[Action]:
    reference = f"{incident.reference} {incident.title}"
    out = []
    for target in incident.allowed_transitions:
        reopen = incident.status is Status.RESOLVED and target is Status.INVESTIGATING
        verb = "Reopen" if reopen else _VERBS[target]
        confirm = {
            Status.RESOLVED: f"Resolve {reference}? Paging stops.",
            Status.CLOSED: f"Close {reference}? Closed is final.",
        }.get(target)
        if reopen:
            confirm = f"Reopen {reference}?"
        out.append(Action(target, verb, confirm))
    return out


_VERBS = {
    Status.ACKNOWLEDGED: "Acknowledge",
    Status.INVESTIGATING: "Investigate",
    Status.IDENTIFIED: "Mark identified",
    Status.MITIGATED: "Mark mitigated",
    Status.RESOLVED: "Resolve",
    Status.CLOSED: "Close",
    Status.TRIGGERED: "Trigger",
}


def close_needs(incident: IncidentOut) -> list[str]:
    """What the rules still want before the incident can be closed (empty: nothing)."""
    if incident.status is Status.CLOSED:
        return []
    needs = []
    if incident.status is not Status.RESOLVED:
        needs.append("resolve the incident")
    if incident.learning not in LEARNING_SETTLED:
        needs.append(
            f"the {incident.severity} policy requires a postmortem: mark the learning phase "
            "done, or waive it with a reason"
        )
    return needs


def composer(
    incident: IncidentOut, latest: UpdateOut | None, policy: SeverityPolicy | None
) -> Composer:
    cadence = policy.update_cadence_minutes if policy else None
    if latest is None:
        return Composer(
            status=f"{incident.status.capitalize()}: {incident.title}.",
            impact=incident.summary or "",
            actions="",
            next_update_in_minutes=cadence,
        )
    return Composer(latest.status, latest.impact, latest.actions, cadence)


def learning_open(incident: IncidentOut) -> bool:
    """The learning phase waits to be settled (done, or waived with a reason)."""
    return incident.status is not Status.CLOSED and incident.learning is LearningState.PENDING
