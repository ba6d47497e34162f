"""Scheduled maintenance routes: ``/api/v1/statuspage/maintenances``."""

from __future__ import annotations

from fastapi import APIRouter

from tocsin.access.api import Responder, Viewer
from tocsin.core.maintenance import Action, MaintenanceStatus
from tocsin.db import Database
from tocsin.deps import DbDep
from tocsin.errors import Conflict, answers
from tocsin.fields import Id
from tocsin.statuspage.api import Store
from tocsin.statuspage.maintenance import service
from tocsin.statuspage.maintenance.schemas import (
    MaintenanceCreate,
    MaintenanceOut,
    MaintenancePatch,
    MaintenanceUpdateCreate,
    TransitionBody,
)
from tocsin.statuspage.snapshot import SnapshotStore

router = APIRouter(prefix="/api/v1/statuspage/maintenances", tags=["status page"])


@router.get("")
def list_maintenances(
    db: DbDep, _: Viewer, page_id: Id | None = None, status: MaintenanceStatus | None = None
) -> list[MaintenanceOut]:
    """Newest window first (at most 200)."""
    return service.list_maintenances(db, page_id=page_id, status=status)


@router.post("", status_code=201)
def announce(
    body: MaintenanceCreate, db: DbDep, store: Store, principal: Responder
) -> MaintenanceOut:
    """Announce a maintenance: it starts and completes at its times unless told otherwise."""
    return service.announce(db, store, body=body, actor=principal.actor)


@router.get("/{maintenance_id}")
def get_maintenance(maintenance_id: Id, db: DbDep, _: Viewer) -> MaintenanceOut:
    return service.get_maintenance(db, maintenance_id=maintenance_id)


@router.patch("/{maintenance_id}", responses=answers(Conflict))
def edit(
    maintenance_id: Id, body: MaintenancePatch, db: DbDep, store: Store, _: Responder
) -> MaintenanceOut:
    """Change it; a new window reschedules its start, completion and reminder."""
    return service.edit(db, store, maintenance_id=maintenance_id, body=body)


@router.post("/{maintenance_id}/updates", status_code=201, responses=answers(Conflict))
def post_update(
    maintenance_id: Id,
    body: MaintenanceUpdateCreate,
    db: DbDep,
    store: Store,
    principal: Responder,
) -> MaintenanceOut:
    """A public update (its own text); a ``status`` moves the maintenance."""
    return service.post_update(
        db, store, maintenance_id=maintenance_id, body=body, actor=principal.actor
    )


def _act(
    action: Action,
    maintenance_id: int,
    body: TransitionBody | None,
    db: Database,
    store: SnapshotStore,
    actor: str,
) -> MaintenanceOut:
    text = body.body if body is not None else None
    return service.act(
        db, store, maintenance_id=maintenance_id, action=action, body=text, actor=actor
    )


@router.post("/{maintenance_id}/start", responses=answers(Conflict))
def start(
    maintenance_id: Id,
    db: DbDep,
    store: Store,
    principal: Responder,
    body: TransitionBody | None = None,
) -> MaintenanceOut:
    """Start it now (``in_progress``), before its time or without ``auto_start``."""
    return _act(Action.START, maintenance_id, body, db, store, principal.actor)


@router.post("/{maintenance_id}/complete", responses=answers(Conflict))
def complete(
    maintenance_id: Id,
    db: DbDep,
    store: Store,
    principal: Responder,
    body: TransitionBody | None = None,
) -> MaintenanceOut:
    """Complete a running maintenance: its components and alerts are back to normal."""
    return _act(Action.COMPLETE, maintenance_id, body, db, store, principal.actor)


@router.post("/{maintenance_id}/cancel", responses=answers(Conflict))
def cancel(
    maintenance_id: Id,
    db: DbDep,
    store: Store,
    principal: Responder,
    body: TransitionBody | None = None,
) -> MaintenanceOut:
    """Cancel a maintenance that has not started (it shows as completed, as in Statuspage)."""
    return _act(Action.CANCEL, maintenance_id, body, db, store, principal.actor)
