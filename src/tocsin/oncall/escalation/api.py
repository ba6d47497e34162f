"""JSON routes for escalation policies, the services catalog and the escalation service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime

from tocsin import clock
from tocsin.access.api import Responder, Viewer
from tocsin.deps import DbDep
from tocsin.errors import Conflict, answers
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

# Tagged here and again by the feature's router (tocsin.oncall.api): the API document lists
# "on-call" twice for these routes, as it always has.
router = APIRouter(tags=["on-call"])
ServiceName = Annotated[str, Path(max_length=100)]


@router.post("/escalation-policies", status_code=201)
def create_policy(body: PolicyCreate, db: DbDep, _: Responder) -> PolicyOut:
    return service.create_policy(db, body=body)


@router.get("/escalation-policies")
def list_policies(db: DbDep, _: Viewer) -> list[PolicyOut]:
    return service.list_policies(db)


@router.get("/escalation-policies/{policy_id}")
def get_policy(policy_id: Id, db: DbDep, _: Viewer) -> PolicyOut:
    return service.get_policy(db, policy_id=policy_id)


@router.put("/escalation-policies/{policy_id}")
def replace_policy(policy_id: Id, body: PolicyCreate, db: DbDep, _: Responder) -> PolicyOut:
    """Pages already under way keep the version they started with."""
    return service.replace_policy(db, policy_id=policy_id, body=body)


@router.delete("/escalation-policies/{policy_id}", status_code=204, responses=answers(Conflict))
def delete_policy(policy_id: Id, db: DbDep, _: Responder) -> None:
    """Refused (409) while a service uses the policy."""
    service.delete_policy(db, policy_id=policy_id)


@router.post("/services", status_code=201, responses=answers(Conflict))
def create_service(body: ServiceCreate, db: DbDep, _: Responder) -> ServiceOut:
    return service.create_service(db, body=body)


@router.get("/services")
def list_services(db: DbDep, _: Viewer) -> list[ServiceOut]:
    return service.list_services(db)


@router.get("/services/{name}")
def get_service(name: ServiceName, db: DbDep, _: Viewer) -> ServiceOut:
    return service.get_service(db, name=name)


@router.patch("/services/{name}")
def edit_service(name: ServiceName, body: ServicePatch, db: DbDep, _: Responder) -> ServiceOut:
    return service.edit_service(db, name=name, patch=body)


@router.delete("/services/{name}", status_code=204)
def delete_service(name: ServiceName, db: DbDep, _: Responder) -> None:
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
