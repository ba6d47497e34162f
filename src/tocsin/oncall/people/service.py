"""People themselves: the directory, creating, editing and deleting a person.

Besides the use cases of the routes, what the other on-call sub-features and other features
need of people, inside the caller's transaction: ``people_by_id`` and ``require_people``.
Contact methods and notification rules are in ``tocsin.oncall.people.contacts``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput
from tocsin.oncall.escalation.tables import EscalationLevel, EscalationTarget
from tocsin.oncall.people import tables
from tocsin.oncall.people.schemas import PersonCreate, PersonOut, PersonPatch
from tocsin.oncall.schedules.tables import Layer, LayerParticipant, Override
from tocsin.storage import flush_unique, get_or_404


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str
    handle: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def people_by_id(session: Session, ids: Iterable[int]) -> dict[int, tables.Person]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.scalars(select(tables.Person).where(tables.Person.id.in_(wanted)))
    return {row.id: row for row in rows}


def people_in(session: Session, ids: Iterable[int]) -> dict[int, PersonRef]:
    """The people among ``ids`` that exist, by id (other features naming people read them so)."""
    return {
        i: PersonRef(id=row.id, name=row.name, handle=row.handle)
        for i, row in people_by_id(session, ids).items()
    }


def directory_in(session: Session) -> list[PersonRef]:
    """Everyone in the directory, by name (the blamelessness check looks for their names)."""
    rows = session.scalars(select(tables.Person).order_by(tables.Person.name, tables.Person.id))
    return [PersonRef(id=row.id, name=row.name, handle=row.handle) for row in rows]


def require_people(session: Session, ids: Iterable[int], *, field: str) -> dict[int, tables.Person]:
    """The people with these ids; an unknown one is bad input naming ``field``."""
    ids = list(ids)
    found = people_by_id(session, ids)
    missing = sorted(set(ids) - found.keys())
    if missing:
        raise InvalidInput(f"{field}: no person with id {missing[0]}", field=field)
    return found


def _handle_taken(session: Session, handle: str, but: int | None = None) -> None:
    query = select(tables.Person.id).where(tables.Person.handle == handle)
    if session.scalar(query) not in (None, but):
        raise Conflict(f"the handle {handle!r} is taken", field="handle")


def create_person(db: Database, *, body: PersonCreate) -> PersonOut:
    with db.transaction() as session:
        _handle_taken(session, body.handle)
        row = tables.Person(**body.model_dump(), created_at=clock.now())
        session.add(row)
        flush_unique(session, field="handle", message=f"the handle {body.handle!r} is taken")
        return PersonOut.model_validate(row)


def list_people(db: Database) -> list[PersonOut]:
    with db.reading() as session:
        rows = session.scalars(select(tables.Person).order_by(tables.Person.name))
        return [PersonOut.model_validate(row) for row in rows]


def get_person(db: Database, *, person_id: int) -> PersonOut:
    with db.reading() as session:
        return PersonOut.model_validate(get_or_404(session, tables.Person, person_id, "person"))


def edit_person(db: Database, *, person_id: int, patch: PersonPatch) -> PersonOut:
    with db.transaction() as session:
        row = get_or_404(session, tables.Person, person_id, "person")
        changes = patch.model_dump(exclude_unset=True)
        if "handle" in changes:
            _handle_taken(session, changes["handle"], but=person_id)
        for field, value in changes.items():
            setattr(row, field, value)
        flush_unique(session, field="handle", message="the handle is taken")
        return PersonOut.model_validate(row)


def delete_person(db: Database, *, person_id: int) -> None:
    """Refused while a schedule layer, a future override or an escalation policy names them."""
    with db.transaction() as session:
        row = get_or_404(session, tables.Person, person_id, "person")
        _refuse_if_referenced(session, person_id)
        # through the ORM, not a DELETE statement: the audit log records each override
        for override in session.scalars(select(Override).where(Override.person_id == person_id)):
            session.delete(override)
        session.delete(row)


def _refuse_if_referenced(session: Session, person_id: int) -> None:
    layer = session.scalar(
        select(Layer.schedule_id)
        .join(LayerParticipant)
        .where(LayerParticipant.person_id == person_id)
        .limit(1)
    )
    if layer is not None:
        raise Conflict(f"the person is in a rotation of schedule {layer}", field="person_id")
    override = session.scalar(
        select(Override.schedule_id)
        .where(Override.person_id == person_id, Override.end > clock.now())
        .limit(1)
    )
    if override is not None:
        raise Conflict(f"the person has an override on schedule {override}", field="person_id")
    policy = session.scalar(
        select(EscalationLevel.policy_id)
        .join(EscalationTarget)
        .where(EscalationTarget.person_id == person_id)
        .limit(1)
    )
    if policy is not None:
        raise Conflict(f"escalation policy {policy} targets the person", field="person_id")
