"""Paging routes: the notification history of an incident, and signed acknowledge links."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.access.api import Viewer
from tocsin.deps import DbDep
from tocsin.fields import Id
from tocsin.paging import service
from tocsin.paging.schemas import PagingOut
from tocsin.templating import templates

router = APIRouter(tags=["paging"])


@router.get("/api/v1/incidents/{incident_id}/paging")
def paging_history(incident_id: Id, db: DbDep, _: Viewer) -> PagingOut:
    """The escalation (frozen policy, current level) and every notification with its attempts."""
    return service.paging_of(db, incident_id=incident_id)


@router.get("/ack/{incident_id}/{person_id}/{signature}", include_in_schema=False)
def ack_page(request: Request, incident_id: Id, person_id: Id, signature: str) -> Response:
    """A confirmation page: mail scanners follow links, so only the POST acknowledges."""
    context = {"incident_id": incident_id, "done": None, "principal": None}
    return templates.TemplateResponse(request, "ack.html", context)


@router.post("/ack/{incident_id}/{person_id}/{signature}", include_in_schema=False)
def ack_by_link(
    request: Request, incident_id: Id, person_id: Id, signature: str, db: DbDep
) -> HTMLResponse:
    status = service.acknowledge_by_link(
        db, incident_id=incident_id, person_id=person_id, signature=signature
    )
    context = {"incident_id": incident_id, "done": status, "principal": None}
    response: HTMLResponse = templates.TemplateResponse(request, "ack.html", context)
    return response
