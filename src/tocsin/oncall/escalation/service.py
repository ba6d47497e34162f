"""Escalation policies, the services catalog, and who a service would page.

A policy is ordered levels of people and schedules, each with a timeout. Paging freezes the
policy of an incident's first service that has one (``escalation_snapshot_in``) as plain JSON,
so editing the policy later never changes paging already under way, and resolves each level's
targets at the instant it fires (``resolve_people_in``, over the schedule math of
``tocsin.core.schedule``). The preview plays a service's policy forward the same way, with the
step arithmetic of ``tocsin.core.escalation``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.escalation import timeline
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.oncall.escalation import tables
from tocsin.oncall.escalation.schemas import (
    LevelOut,
    PolicyBrief,
    PolicyCreate,
    PolicyOut,
    PreviewOut,
    PreviewPerson,
    PreviewStep,
    PreviewTarget,
    ServiceCreate,
    ServiceOut,
    ServicePatch,
    TargetOut,
    TargetType,
)
from tocsin.oncall.people.contacts import notification_plan_in
from tocsin.oncall.people.schemas import PlannedContactOut
from tocsin.oncall.people.service import PersonRef, people_by_id
from tocsin.oncall.people.tables import Person
from tocsin.oncall.schedules import rosters
from tocsin.oncall.schedules.tables import Schedule
from tocsin.oncall.teams.tables import Team
from tocsin.storage import column_values, flush_unique, get_or_404

# ---------------------------------------------------------------- what paging freezes and resolves


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


# ---------------------------------------------------------------- policies


def policy_out(session: Session, row: tables.EscalationPolicy) -> PolicyOut:
    snapshot = snapshot_of(session, row)
    levels = [
        LevelOut(
            position=position,
            timeout_minutes=level["timeout_minutes"],
            targets=[TargetOut.model_validate(t) for t in level["targets"]],
        )
        for position, level in enumerate(snapshot["levels"], start=1)
    ]
    return PolicyOut.model_validate({**column_values(row), "levels": levels})


def _level_rows(session: Session, body: PolicyCreate) -> list[tables.EscalationLevel]:
    """Each target checked to exist; an unknown one names its place, e.g. levels.1.targets.0."""
    rows = []
    for index, level in enumerate(body.levels):
        targets = []
        for position, target in enumerate(level.targets):
            model = Person if target.type is TargetType.PERSON else Schedule
            if session.get(model, target.id) is None:
                field = f"levels.{index}.targets.{position}.id"
                raise InvalidInput(f"{field}: no {target.type} with id {target.id}", field=field)
            targets.append(
                tables.EscalationTarget(
                    position=position,
                    target_type=target.type.value,
                    person_id=target.id if target.type is TargetType.PERSON else None,
                    schedule_id=target.id if target.type is TargetType.SCHEDULE else None,
                )
            )
        rows.append(
            tables.EscalationLevel(
                position=index + 1, timeout_minutes=level.timeout_minutes, targets=targets
            )
        )
    return rows


def create_policy(db: Database, *, body: PolicyCreate) -> PolicyOut:
    with db.transaction() as session:
        now = clock.now()
        _check_links(session, body.team_id, None)
        row = tables.EscalationPolicy(
            name=body.name,
            description=body.description,
            repeat=body.repeat,
            team_id=body.team_id,
            created_at=now,
            updated_at=now,
            levels=_level_rows(session, body),
        )
        session.add(row)
        session.flush()
        return policy_out(session, row)


def replace_policy(db: Database, *, policy_id: int, body: PolicyCreate) -> PolicyOut:
    """Paging already under way keeps the snapshot it took; new pages use this version."""
    with db.transaction() as session:
        row = get_or_404(session, tables.EscalationPolicy, policy_id, "escalation policy")
        _check_links(session, body.team_id, None)
        levels = _level_rows(session, body)
        row.levels.clear()
        session.flush()  # old levels go before new ones reuse their positions
        row.name, row.description, row.repeat = body.name, body.description, body.repeat
        row.team_id = body.team_id
        row.levels, row.updated_at = levels, clock.now()
        session.flush()
        return policy_out(session, row)


def list_policies(db: Database) -> list[PolicyOut]:
    with db.reading() as session:
        query = select(tables.EscalationPolicy).order_by(tables.EscalationPolicy.name)
        return [policy_out(session, row) for row in session.scalars(query).all()]


def get_policy(db: Database, *, policy_id: int) -> PolicyOut:
    with db.reading() as session:
        row = get_or_404(session, tables.EscalationPolicy, policy_id, "escalation policy")
        return policy_out(session, row)


def policy_team(db: Database, *, policy_id: int) -> int | None:
    """The team that owns the policy (404 if there is no such policy)."""
    with db.reading() as session:
        return get_or_404(session, tables.EscalationPolicy, policy_id, "escalation policy").team_id


def delete_policy(db: Database, *, policy_id: int) -> None:
    """Refused while a service uses the policy: unlink or relink the service first."""
    with db.transaction() as session:
        row = get_or_404(session, tables.EscalationPolicy, policy_id, "escalation policy")
        used_by = session.scalar(
            select(tables.Service.name).where(tables.Service.escalation_policy_id == policy_id)
        )
        if used_by is not None:
            raise Conflict(f"service {used_by!r} uses this policy", field="escalation_policy_id")
        session.delete(row)


# ---------------------------------------------------------------- services catalog


def _check_links(session: Session, team_id: int | None, policy_id: int | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise InvalidInput(f"team_id: no team with id {team_id}", field="team_id")
    if policy_id is not None and session.get(tables.EscalationPolicy, policy_id) is None:
        field = "escalation_policy_id"
        raise InvalidInput(f"{field}: no escalation policy with id {policy_id}", field=field)


def service_by_name(session: Session, name: str) -> tables.Service:
    row = session.scalar(select(tables.Service).where(tables.Service.name == name))
    if row is None:
        raise NotFound(f"no service named {name!r}", field="name")
    return row


def create_service(db: Database, *, body: ServiceCreate) -> ServiceOut:
    with db.transaction() as session:
        if session.scalar(select(tables.Service.id).where(tables.Service.name == body.name)):
            raise Conflict(f"a service is already named {body.name!r}", field="name")
        _check_links(session, body.team_id, body.escalation_policy_id)
        now = clock.now()
        row = tables.Service(**body.model_dump(), created_at=now, updated_at=now)
        session.add(row)
        flush_unique(session, field="name", message=f"a service is already named {body.name!r}")
        return ServiceOut.model_validate(row)


def edit_service(db: Database, *, name: str, patch: ServicePatch) -> ServiceOut:
    changes = patch.model_dump(exclude_unset=True)
    if "description" in changes and changes["description"] is None:
        raise InvalidInput("description: must not be null", field="description")
    with db.transaction() as session:
        row = service_by_name(session, name)
        _check_links(session, changes.get("team_id"), changes.get("escalation_policy_id"))
        for field, value in changes.items():
            setattr(row, field, value)
        row.updated_at = clock.now()
        session.flush()
        return ServiceOut.model_validate(row)


def list_services(db: Database) -> list[ServiceOut]:
    with db.reading() as session:
        rows = session.scalars(select(tables.Service).order_by(tables.Service.name))
        return [ServiceOut.model_validate(row) for row in rows]


def get_service(db: Database, *, name: str) -> ServiceOut:
    with db.reading() as session:
        return ServiceOut.model_validate(service_by_name(session, name))


def service_team(db: Database, *, name: str) -> int | None:
    """The team that owns the service (404 if there is none of that name)."""
    with db.reading() as session:
        return service_by_name(session, name).team_id


def service_team_if_any(db: Database, *, name: str) -> int | None:
    """The team that owns the service of that name, if it is in the catalog."""
    with db.reading() as session:
        query = select(tables.Service.team_id).where(tables.Service.name == name)
        return session.scalar(query)


def delete_service(db: Database, *, name: str) -> None:
    """Incidents keep naming the service; only its catalog entry goes."""
    with db.transaction() as session:
        session.delete(service_by_name(session, name))


# ---------------------------------------------------------------- who would be paged


def _target(session: Session, target: dict[str, Any], fires_at: datetime) -> PreviewTarget:
    people = []
    for person in resolve_people_in(session, targets=[target], at=fires_at):
        plan = notification_plan_in(session, person_id=person.id)
        people.append(
            PreviewPerson(
                **person.to_dict(),
                notifications=[PlannedContactOut.model_validate(p.to_dict()) for p in plan],
            )
        )
    return PreviewTarget(type=target["type"], id=target["id"], name=target["name"], people=people)


def _steps(session: Session, snapshot: dict[str, Any], at: datetime) -> list[PreviewStep]:
    """Every level of every pass, firing when paging would fire it (``core.escalation``)."""
    levels = snapshot["levels"]
    if not levels:
        return []
    timeouts = [level["timeout_minutes"] for level in levels]
    return [
        PreviewStep(
            pass_number=step.pass_number,
            level=step.level + 1,
            fires_at=fires_at,
            timeout_minutes=timeouts[step.level],
            targets=[_target(session, t, fires_at) for t in levels[step.level]["targets"]],
        )
        for step, fires_at in timeline(timeouts, repeat=snapshot["repeat"], start=at)
    ]


def escalation_preview(db: Database, *, service_name: str, at: datetime) -> PreviewOut:
    at = at.astimezone(UTC)
    with db.reading() as session:
        service_by_name(session, service_name)
        snapshot = escalation_snapshot_in(session, services=[service_name])
        if snapshot is None:
            return PreviewOut(service=service_name, at=at, policy=None, steps=[])
        policy = PolicyBrief(
            id=snapshot["policy_id"], name=snapshot["policy_name"], repeat=snapshot["repeat"]
        )
        return PreviewOut(
            service=service_name, at=at, policy=policy, steps=_steps(session, snapshot, at)
        )
