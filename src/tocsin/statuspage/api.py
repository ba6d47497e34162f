"""Status page management routes (``/api/v1/statuspage``); the public documents are served
by :mod:`tocsin.statuspage.public`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from tocsin.access.api import Admin, Responder, Viewer
from tocsin.deps import DbDep
from tocsin.errors import Conflict, answers
from tocsin.fields import Id
from tocsin.statuspage import page_admin, publishing, service, uptime
from tocsin.statuspage.schemas import (
    ComponentCreate,
    ComponentOut,
    ComponentPatch,
    GroupCreate,
    GroupOut,
    GroupPatch,
    PageCreate,
    PageOut,
    PagePatch,
    PublicIncidentCreate,
    PublicIncidentOut,
    PublicIncidentPatch,
    PublicUpdateCreate,
    Rule,
    UptimeOut,
)
from tocsin.statuspage.snapshot import SnapshotStore

router = APIRouter(prefix="/api/v1/statuspage", tags=["status page"])


def get_store(request: Request) -> SnapshotStore:
    store: SnapshotStore = request.app.state.tocsin.statuspage
    return store


Store = Annotated[SnapshotStore, Depends(get_store)]


@router.get("/components")
def list_components(db: DbDep, _: Viewer, page_id: Id | None = None) -> list[ComponentOut]:
    return service.list_components(db, page_id=page_id)


@router.post("/components", status_code=201)
def create_component(body: ComponentCreate, db: DbDep, store: Store, _: Responder) -> ComponentOut:
    """A component, shown on the page; its status follows open incidents on its services."""
    return service.create_component(db, store, body=body)


@router.get("/components/{component_id}")
def get_component(component_id: Id, db: DbDep, _: Viewer) -> ComponentOut:
    return service.get_component(db, component_id=component_id)


@router.patch("/components/{component_id}")
def update_component(
    component_id: Id, body: ComponentPatch, db: DbDep, store: Store, _: Responder
) -> ComponentOut:
    """Change a component; ``status`` sets it by hand, ``null`` hands it back to the rule."""
    return service.update_component(db, store, component_id=component_id, body=body)


@router.get("/components/{component_id}/uptime")
def get_uptime(
    component_id: Id,
    db: DbDep,
    _: Viewer,
    days: Annotated[int, Query(ge=1, le=uptime.MAX_DAYS)] = uptime.DEFAULT_DAYS,
) -> UptimeOut:
    """Uptime per UTC day for the ``days`` days ending today, and over them all."""
    found = uptime.component_uptime(db, component_id=component_id, days=days)
    return UptimeOut.of(component_id, found)


@router.delete("/components/{component_id}", status_code=204)
def delete_component(component_id: Id, db: DbDep, store: Store, _: Responder) -> None:
    service.delete_component(db, store, component_id=component_id)


@router.get("/groups")
def list_groups(db: DbDep, _: Viewer, page_id: Id | None = None) -> list[GroupOut]:
    return service.list_groups(db, page_id=page_id)


@router.post("/groups", status_code=201)
def create_group(body: GroupCreate, db: DbDep, store: Store, _: Responder) -> GroupOut:
    return service.create_group(db, store, body=body)


@router.patch("/groups/{group_id}")
def update_group(group_id: Id, body: GroupPatch, db: DbDep, store: Store, _: Responder) -> GroupOut:
    return service.update_group(db, store, group_id=group_id, body=body)


@router.delete("/groups/{group_id}", status_code=204)
def delete_group(group_id: Id, db: DbDep, store: Store, _: Responder) -> None:
    """Delete a group; its components stay, ungrouped."""
    service.delete_group(db, store, group_id=group_id)


@router.get("/rule")
def get_rule(db: DbDep, _: Viewer) -> Rule:
    """What an open incident of each severity does to its services' components."""
    return service.get_rule(db)


@router.put("/rule")
def set_rule(body: Rule, db: DbDep, store: Store, _: Responder) -> Rule:
    return service.set_rule(db, store, body=body)


@router.get("/incidents")
def list_public_incidents(db: DbDep, _: Viewer) -> list[PublicIncidentOut]:
    """The 50 newest public incidents."""
    return publishing.list_public(db)


@router.post("/incidents", status_code=201)
def publish(
    body: PublicIncidentCreate, db: DbDep, store: Store, principal: Responder
) -> PublicIncidentOut:
    """Publish an incident: its public title, impact and first public update."""
    return publishing.publish(db, store, body=body, actor=principal.actor)


@router.get("/incidents/{public_id}")
def get_public_incident(public_id: Id, db: DbDep, _: Viewer) -> PublicIncidentOut:
    return publishing.get_public(db, public_id=public_id)


@router.patch("/incidents/{public_id}")
def edit_public_incident(
    public_id: Id, body: PublicIncidentPatch, db: DbDep, store: Store, _: Responder
) -> PublicIncidentOut:
    return publishing.edit(db, store, public_id=public_id, body=body)


@router.post("/incidents/{public_id}/updates", status_code=201)
def post_public_update(
    public_id: Id, body: PublicUpdateCreate, db: DbDep, store: Store, principal: Responder
) -> PublicIncidentOut:
    """A public update (its own text); ``status`` becomes the public incident's status."""
    return publishing.post_update(db, store, public_id=public_id, body=body, actor=principal.actor)


@router.get("/pages")
def list_pages(db: DbDep, store: Store, _: Viewer) -> list[PageOut]:
    return page_admin.list_pages(db, store)


@router.post("/pages", status_code=201, responses=answers(Conflict))
def create_page(body: PageCreate, db: DbDep, store: Store, _: Admin) -> PageOut:
    """Another page (e.g. an internal one for employees): its own components and incidents."""
    return page_admin.create_page(db, store, body=body)


@router.get("/pages/{page_id}")
def get_page(page_id: Id, db: DbDep, store: Store, _: Viewer) -> PageOut:
    return page_admin.get_page(db, store, page_id=page_id)


@router.patch("/pages/{page_id}", responses=answers(Conflict))
def update_page(page_id: Id, body: PagePatch, db: DbDep, store: Store, _: Admin) -> PageOut:
    """Its name, logo, links, address or visibility."""
    return page_admin.update_page(db, store, page_id=page_id, body=body)


@router.delete("/pages/{page_id}", status_code=204)
def delete_page(page_id: Id, db: DbDep, store: Store, _: Admin) -> None:
    """Delete a page with its components and public incidents (not the default page)."""
    page_admin.delete_page(db, store, page_id=page_id)
