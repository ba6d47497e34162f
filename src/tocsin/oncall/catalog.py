"""The services catalog: what incidents name, and the escalation policy each one pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.oncall import tables
from tocsin.oncall.schemas import ServiceCreate, ServiceOut, ServicePatch
from tocsin.oncall.teams.tables import Team
from tocsin.storage import flush_unique


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


def delete_service(db: Database, *, name: str) -> None:
    """Incidents keep naming the service; only its catalog entry goes."""
    with db.transaction() as session:
        session.delete(service_by_name(session, name))
