"""Who would be paged: a service's escalation policy played forward from an instant.

Each level fires when all earlier levels (of this pass and the passes before) have timed
out, and a schedule target is resolved at that instant, exactly as paging would resolve it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tocsin.db import Database
from tocsin.oncall import service
from tocsin.oncall.catalog import service_by_name
from tocsin.oncall.people.schemas import PlannedContactOut
from tocsin.oncall.schemas import (
    PolicyBrief,
    PreviewOut,
    PreviewPerson,
    PreviewStep,
    PreviewTarget,
)


def _target(session: Session, target: dict[str, Any], fires_at: datetime) -> PreviewTarget:
    people = []
    for person in service.resolve_people_in(session, targets=[target], at=fires_at):
        plan = service.notification_plan_in(session, person_id=person.id)
        people.append(
            PreviewPerson(
                **person.to_dict(),
                notifications=[PlannedContactOut.model_validate(p.to_dict()) for p in plan],
            )
        )
    return PreviewTarget(type=target["type"], id=target["id"], name=target["name"], people=people)


def steps_of(session: Session, snapshot: dict[str, Any], at: datetime) -> list[PreviewStep]:
    steps = []
    fires_at = at
    for pass_number in range(snapshot["repeat"] + 1):
        for number, level in enumerate(snapshot["levels"], start=1):
            targets = [_target(session, t, fires_at) for t in level["targets"]]
            steps.append(
                PreviewStep(
                    pass_number=pass_number,
                    level=number,
                    fires_at=fires_at,
                    timeout_minutes=level["timeout_minutes"],
                    targets=targets,
                )
            )
            fires_at += timedelta(minutes=level["timeout_minutes"])
    return steps


def escalation_preview(db: Database, *, service_name: str, at: datetime) -> PreviewOut:
    at = at.astimezone(UTC)
    with db.reading() as session:
        service_by_name(session, service_name)
        snapshot = service.escalation_snapshot_in(session, services=[service_name])
        if snapshot is None:
            return PreviewOut(service=service_name, at=at, policy=None, steps=[])
        policy = PolicyBrief(
            id=snapshot["policy_id"], name=snapshot["policy_name"], repeat=snapshot["repeat"]
        )
        return PreviewOut(
            service=service_name, at=at, policy=policy, steps=steps_of(session, snapshot, at)
        )
