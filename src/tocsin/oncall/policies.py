"""Escalation policies: ordered levels of people and schedules, each with a timeout."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput
from tocsin.oncall import tables
from tocsin.oncall.people.tables import Person
from tocsin.oncall.schedules.tables import Schedule
from tocsin.oncall.schemas import (
    LevelOut,
    PolicyCreate,
    PolicyOut,
    TargetOut,
    TargetType,
)
from tocsin.oncall.service import snapshot_of
from tocsin.storage import column_values, get_or_404


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
        row = tables.EscalationPolicy(
            name=body.name,
            description=body.description,
            repeat=body.repeat,
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
        levels = _level_rows(session, body)
        row.levels.clear()
        session.flush()  # old levels go before new ones reuse their positions
        row.name, row.description, row.repeat = body.name, body.description, body.repeat
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
