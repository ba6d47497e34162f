"""Small queries shared by the on-call use cases: people by id."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin.errors import InvalidInput
from tocsin.oncall.tables import Person


def people_by_id(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.scalars(select(Person).where(Person.id.in_(wanted)))
    return {row.id: row for row in rows}


def require_people(session: Session, ids: Iterable[int], *, field: str) -> dict[int, Person]:
    """The people with these ids; an unknown one is bad input naming ``field``."""
    ids = list(ids)
    found = people_by_id(session, ids)
    missing = sorted(set(ids) - found.keys())
    if missing:
        raise InvalidInput(f"{field}: no person with id {missing[0]}", field=field)
    return found
