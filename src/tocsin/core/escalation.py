"""Escalation arithmetic: which level fires when, across repeat passes.

A policy has ordered levels, each with a timeout, and ``repeat`` extra passes. Level 0 of
pass 0 fires when paging starts; each later step fires when the previous level's timeout
runs out without an acknowledgement. After the last level of the last pass, the policy is
exhausted once that level's timeout has passed too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, order=True)
class Step:
    pass_number: int
    level: int


FIRST = Step(pass_number=0, level=0)


def next_step(step: Step, *, levels: int, repeat: int) -> Step | None:
    """The step after ``step``, or None when the policy is exhausted."""
    if levels < 1:
        raise ValueError("levels: a policy needs at least one level")
    if step.level + 1 < levels:
        return Step(step.pass_number, step.level + 1)
    if step.pass_number < repeat:
        return Step(step.pass_number + 1, 0)
    return None


def timeline(
    timeouts_minutes: Sequence[int], *, repeat: int, start: datetime
) -> list[tuple[Step, datetime]]:
    """Every step with the time it fires if nobody acknowledges; the simulator's answer."""
    steps: list[tuple[Step, datetime]] = []
    step: Step | None = FIRST
    at = start
    while step is not None:
        steps.append((step, at))
        at += timedelta(minutes=timeouts_minutes[step.level])
        step = next_step(step, levels=len(timeouts_minutes), repeat=repeat)
    return steps
