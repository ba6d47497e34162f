"""What paging asks of on-call, inside the caller's transaction.

* ``escalation_snapshot_in``: the escalation policy of an incident's services, frozen as plain
  JSON so editing the policy later never changes paging already under way;
* ``resolve_people_in``: who a level's targets mean at an instant (schedules resolved with the
  schedule math of ``tocsin.core.schedule``);
* ``notification_plan_in``: how and when to reach one person;
* ``delivery_target_in``: where a contact method delivers, secrets opened.

The other use cases live beside this module: ``people``, ``schedules``, ``policies``,
``catalog`` (teams and services) and ``preview``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin.oncall import tables
from tocsin.oncall.people.service import (
    PersonRef,
    PlannedContact,
    delivery_target_in,
    get_person,
    notification_plan_in,
    people_by_id,
)
from tocsin.oncall.schedules import rosters
from tocsin.oncall.schedules.tables import Schedule
from tocsin.oncall.schemas import TargetType

__all__ = [
    "PersonRef",
    "PlannedContact",
    "delivery_target_in",
    "escalation_snapshot_in",
    "get_person",
    "notification_plan_in",
    "resolve_people_in",
]


def escalation_snapshot_in(session: Session, *, services: Sequence[str]) -> dict[str, Any] | None:
    """The policy of the first named service that has one, as a JSON-ready dict, else None.

    ``{"policy_id", "policy_name", "repeat", "levels": [{"timeout_minutes",
    "targets": [{"type", "id", "name"}]}]}``
    """
    names = list(dict.fromkeys(services))
    if not names:
        return None
    rows = session.scalars(
        select(tables.Service).where(
            tables.Service.name.in_(names), tables.Service.escalation_policy_id.is_not(None)
        )
    ).all()
    by_name = {row.name: row for row in rows}
    first = next((by_name[name] for name in names if name in by_name), None)
    if first is None or first.escalation_policy_id is None:
        return None
    policy = session.get(tables.EscalationPolicy, first.escalation_policy_id)
    if policy is None:
        return None
    return snapshot_of(session, policy)


def snapshot_of(session: Session, policy: tables.EscalationPolicy) -> dict[str, Any]:
    names = target_names(session, [t for level in policy.levels for t in level.targets])
    return {
        "policy_id": policy.id,
        "policy_name": policy.name,
        "repeat": policy.repeat,
        "levels": [
            {
                "timeout_minutes": level.timeout_minutes,
                "targets": [
                    {
                        "type": t.target_type,
                        "id": target_id(t),
                        "name": names[t.target_type, target_id(t)],
                    }
                    for t in level.targets
                ],
            }
            for level in policy.levels
        ],
    }


def target_id(target: tables.EscalationTarget) -> int:
    found = target.person_id if target.target_type == TargetType.PERSON else target.schedule_id
    assert found is not None, "a target row always has the id its type names"
    return found


def target_names(
    session: Session, targets: Sequence[tables.EscalationTarget]
) -> dict[tuple[str, int], str]:
    people = people_by_id(session, [t.person_id for t in targets if t.person_id is not None])
    schedule_ids = {t.schedule_id for t in targets if t.schedule_id is not None}
    schedules = (
        session.execute(
            select(Schedule.id, Schedule.name).where(Schedule.id.in_(schedule_ids))
        ).all()
        if schedule_ids
        else []
    )
    names = {(TargetType.PERSON.value, i): p.name for i, p in people.items()}
    names |= {(TargetType.SCHEDULE.value, i): name for i, name in schedules}
    return names


def resolve_people_in(
    session: Session, *, targets: Sequence[dict[str, Any]], at: datetime
) -> list[PersonRef]:
    """The people ``targets`` mean at ``at``, in target order, each once.

    A schedule target means whoever is on call then (nobody: nothing); a target deleted since
    the snapshot was taken means nobody.
    """
    schedule_ids = [int(t["id"]) for t in targets if t.get("type") == TargetType.SCHEDULE]
    schedules = (
        session.scalars(select(Schedule).where(Schedule.id.in_(schedule_ids))).all()
        if schedule_ids
        else []
    )
    on_call = rosters.on_call_ids(session, schedules, at)
    person_ids: list[int] = []
    for target in targets:
        if target.get("type") == TargetType.PERSON:
            person_ids.append(int(target["id"]))
        elif target.get("type") == TargetType.SCHEDULE:
            person = on_call.get(int(target["id"]))
            if person is not None:
                person_ids.append(person)
    people = people_by_id(session, person_ids)
    ordered = [people[i] for i in dict.fromkeys(person_ids) if i in people]
    return [PersonRef(id=p.id, name=p.name, handle=p.handle) for p in ordered]
