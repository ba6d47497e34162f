"""Rules of incident communication: deadlines and who is reminded when one passes.

Two deadlines are watched: the next internal update (``next_update_due_at``, set by the
severity's cadence) and the first public acknowledgement on the status page
(``public_ack_due_at``, set by the severity's ``public_ack_minutes``). When one passes, the
reminder goes through a chain of roles, one stage at a time: the Communications Lead
first, then, a grace period later, the Incident Commander. A stage whose role names no
reachable person falls to the next role in the chain; when none is left, nobody can be
reminded, and that is said on the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tocsin.core.roles import Role
from tocsin.core.severity import SeverityPolicy


class Reminder(StrEnum):
    UPDATE = "update"
    PUBLIC_ACK = "public_ack"

    @property
    def label(self) -> str:
        if self is Reminder.UPDATE:
            return "internal update"
        return "first public acknowledgement"


CHAIN: tuple[Role, ...] = (Role.COMMUNICATIONS_LEAD, Role.INCIDENT_COMMANDER)
"""Who is reminded, stage by stage: stage 0 starts at the Comms Lead, stage 1 at the IC."""


@dataclass(frozen=True)
class Holder:
    """Who holds a role, as far as reminding goes."""

    person_id: int | None  # None: a free-text holder, not a person of the directory
    reachable: bool = True  # the person has at least one contact method


@dataclass(frozen=True)
class Choice:
    role: Role | None  # None: nobody could be reminded
    person_id: int | None
    skipped: tuple[tuple[Role, str], ...]  # each role passed over, with why


def choose_recipient(stage: int, holders: Mapping[Role, Holder]) -> Choice:
    """The first role from ``CHAIN[stage]`` on whose holder is a reachable person.

    ``holders`` maps each held role to its holder; a role missing from it is unassigned.
    """
    if not 0 <= stage < len(CHAIN):
        raise ValueError(f"stage: {stage} is not a reminder stage (0–{len(CHAIN) - 1})")
    skipped: list[tuple[Role, str]] = []
    for role in CHAIN[stage:]:
        holder = holders.get(role)
        if holder is None:
            skipped.append((role, "unassigned"))
        elif holder.person_id is None:
            skipped.append((role, "held by a name, not a person of the directory"))
        elif not holder.reachable:
            skipped.append((role, "the person has no contact method"))
        else:
            return Choice(role=role, person_id=holder.person_id, skipped=tuple(skipped))
    return Choice(role=None, person_id=None, skipped=tuple(skipped))


def public_ack_due(
    policy: SeverityPolicy,
    *,
    current: datetime | None,
    published_at: datetime | None,
    at: datetime,
) -> datetime | None:
    """The public acknowledgement deadline after opening, or moving to ``policy``, at ``at``.

    Once met (``published_at``) it never changes. A severity without a deadline clears it;
    one with a deadline counts from ``at`` but never postpones a deadline already running.
    """
    if published_at is not None:
        return current
    due = policy.public_ack_due(at)
    if due is None or current is None:
        return due
    return min(current, due)


def overdue_since(due: datetime | None, now: datetime) -> datetime | None:
    """``due`` when it has passed at ``now``, else None."""
    return due if due is not None and due < now else None
