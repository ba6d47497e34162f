"""Incident roles: assign, hand over and release them.

A role is held by a person of the on-call directory (``person_id``: reminders and pages can
reach them), by a name only (free text, for someone outside the directory), or by both, the
name being what is shown. People are read only through :mod:`tocsin.oncall.service`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.lifecycle import EventDraft
from tocsin.core.roles import Role
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.incidents.members import add_member_in
from tocsin.incidents.queries import load, to_out
from tocsin.incidents.schemas import IncidentOut
from tocsin.incidents.tables import Incident, IncidentRole
from tocsin.incidents.writing import append, refuse_if_closed, touch
from tocsin.oncall import service as oncall_service


def assign_role(
    db: Database,
    *,
    incident_id: int,
    actor: str,
    role: Role,
    holder: str | None = None,
    person_id: int | None = None,
    reason: str | None = None,
) -> IncidentOut:
    """Assign ``role`` to a directory person, a name, or both; a single-holder role is
    handed over from whoever holds it."""
    with db.transaction() as session:
        row = load(session, incident_id, for_update=True)
        refuse_if_closed(row, "assigning roles")
        assign_in(
            session,
            row,
            role,
            holder=holder,
            person_id=person_id,
            actor=actor,
            now=clock.now(),
            reason=reason,
        )
        return to_out(session, [row])[0]


def unassign_role(
    db: Database,
    *,
    incident_id: int,
    actor: str,
    role: Role,
    holder: str | None = None,
    person_id: int | None = None,
) -> IncidentOut:
    """Release ``role`` (only from ``holder`` or ``person_id`` when given)."""
    with db.transaction() as session:
        row = load(session, incident_id, for_update=True)
        refuse_if_closed(row, "changing roles")
        query = select(IncidentRole).where(
            IncidentRole.incident_id == row.id, IncidentRole.role == role.value
        )
        if holder:
            query = query.where(IncidentRole.holder == holder)
        if person_id:
            query = query.where(IncidentRole.person_id == person_id)
        held = list(session.scalars(query))
        if not held:
            who = f" by {holder or f'person {person_id}'}" if holder or person_id else ""
            raise NotFound(f"the {role.label} role is not held{who}", field="role")
        now = clock.now()
        for assignment in held:
            session.delete(assignment)
        touch(row, now)
        data = {"role": role.value, "holders": [a.holder for a in held]}
        append(session, row, actor, now, EventDraft("role_unassigned", data))
        session.flush()
        return to_out(session, [row])[0]


def assign_in(
    session: Session,
    row: Incident,
    role: Role,
    *,
    holder: str | None,
    person_id: int | None,
    actor: str,
    now: datetime,
    reason: str | None,
) -> None:
    """Assign inside the caller's transaction, with the incident row locked."""
    name = _holder_text(session, holder, person_id)
    current = list(
        session.scalars(
            select(IncidentRole).where(
                IncidentRole.incident_id == row.id, IncidentRole.role == role.value
            )
        )
    )
    if any(_same(a, name, person_id, role) for a in current):
        raise Conflict(f"{name} already holds the {role.label} role", field="holder")
    previous = [a.holder for a in current] if role.single_holder else []
    if role.single_holder:
        for assignment in current:
            session.delete(assignment)
        session.flush()
    session.add(
        IncidentRole(
            incident_id=row.id,
            role=role.value,
            holder=name,
            person_id=person_id,
            assigned_at=now,
            assigned_by=actor,
        )
    )
    touch(row, now)
    data: dict[str, Any] = {
        "role": role.value,
        "holder": name,
        "previous": previous[0] if previous else None,
    }
    if person_id:
        data["person_id"] = person_id
        add_member_in(
            session, incident_id=row.id, source="role", actor=actor, person_id=person_id, at=now
        )
    if reason:
        data["reason"] = reason
    append(session, row, actor, now, EventDraft("role_assigned", data))
    session.flush()


def _holder_text(session: Session, holder: str | None, person_id: int | None) -> str:
    """The name shown for the assignment; an unknown person is bad input naming the field."""
    if person_id is None:
        if not holder:
            raise InvalidInput("holder: name a person_id or a holder", field="holder")
        return holder
    people = oncall_service.people_in(session, [person_id])
    if person_id not in people:
        raise InvalidInput(f"person_id: no person with id {person_id}", field="person_id")
    return holder or people[person_id].name


def _same(held: IncidentRole, name: str, person_id: int | None, role: Role) -> bool:
    """Whether assigning ``name``/``person_id`` would repeat ``held``.

    A name held by text only may be handed to the directory person of that name; among
    experts (several holders) a name appears once.
    """
    if person_id is not None and held.person_id == person_id:
        return True
    return held.holder == name and (not role.single_holder or held.person_id == person_id)
