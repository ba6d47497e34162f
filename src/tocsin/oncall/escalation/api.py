"""JSON routes for escalation policies, the services catalog and the escalation service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime

from tocsin import clock
from tocsin.access.api import Responder, Viewer
from tocsin.deps import DbDep
from tocsin.errors import Conflict, Forbidden, answers
from tocsin.fields import Id
from tocsin.oncall.escalation import service
from tocsin.oncall.escalation.schemas import (
    PolicyCreate,
    PolicyOut,
    PreviewOut,
    ServiceCreate,
    ServiceOut,
    ServicePatch,
)
from tocsin.oncall.teams import access

# Tagged here and again by the feature's router (tocsin.oncall.api): the API document lists
# "on-call" twice for these routes, as it always has.
router = APIRouter(tags=["on-call"])
ServiceName = Annotated[str, Path(max_length=100)]


@router.post("/escalation-policies", status_code=201, responses=answers(Forbidden))
def create_policy(body: PolicyCreate, db: DbDep, principal: Responder) -> PolicyOut:
    """Admins, or a team admin for their own team (``team_id``)."""
    access.require_change(db, principal, body.team_id)
    return service.create_policy(db, body=body)


@router.get("/escalation-policies")
def list_policies(db: DbDep, _: Viewer) -> list[PolicyOut]:
    return service.list_policies(db)


@router.get("/escalation-policies/{policy_id}")
def get_policy(policy_id: Id, db: DbDep, _: Viewer) -> PolicyOut:
    return service.get_policy(db, policy_id=policy_id)


@router.put("/escalation-policies/{policy_id}", responses=answers(Forbidden))
def replace_policy(policy_id: Id, body: PolicyCreate, db: DbDep, principal: Responder) -> PolicyOut:
    """Pages already under way keep the version they started with. Moving the policy to
    another team needs the right to change both teams' configuration."""
    access.require_change(db, principal, service.policy_team(db, policy_id=policy_id), body.team_id)
    return service.replace_policy(db, policy_id=policy_id, body=body)


@router.delete(
    "/escalation-policies/{policy_id}", status_code=204, responses=answers(Conflict, Forbidden)
)
def delete_policy(policy_id: Id, db: DbDep, principal: Responder) -> None:
    """Refused (409) while a service uses the policy."""
    access.require_change(db, principal, service.policy_team(db, policy_id=policy_id))
    service.delete_policy(db, policy_id=policy_id)


@router.post("/services", status_code=201, responses=answers(Conflict, Forbidden))
def create_service(body: ServiceCreate, db: DbDep, principal: Responder) -> ServiceOut:
    """Admins, or a team admin for their own team (``team_id``)."""
    access.require_change(db, principal, body.team_id)
    return service.create_service(db, body=body)


@router.get("/services")
def list_services(db: DbDep, _: Viewer) -> list[ServiceOut]:
    return service.list_services(db)


@router.get("/services/{name}")
def get_service(name: ServiceName, db: DbDep, _: Viewer) -> ServiceOut:
    return service.get_service(db, name=name)


@router.patch("/services/{name}", responses=answers(Forbidden))
def edit_service(
    name: ServiceName, body: ServicePatch, db: DbDep, principal: Responder
) -> ServiceOut:
    """Moving the service to another team (``team_id``) needs the right to change both."""
    old_team = service.service_team(db, name=name)
    new_team = body.team_id if "team_id" in body.model_fields_set else old_team
    access.require_change(db, principal, old_team, new_team)
    return service.edit_service(db, name=name, patch=body)


@router.delete("/services/{name}", status_code=204, responses=answers(Forbidden))
def delete_service(name: ServiceName, db: DbDep, principal: Responder) -> None:
    access.require_change(db, principal, service.service_team(db, name=name))
    service.delete_service(db, name=name)


@router.get("/services/{name}/escalation-preview")
def escalation_preview(
    name: ServiceName,
    db: DbDep,
    _: Viewer,
    at: Annotated[AwareDatetime | None, Query(description="Default now.")] = None,
) -> PreviewOut:
    """Who would be paged, level by level and pass by pass, if an incident opened at ``at``."""
    return service.escalation_preview(db, service_name=name, at=at or clock.now())
