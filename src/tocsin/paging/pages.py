"""The paging history of an incident as a page: who was paged, when, how, delivered or not."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.access.pages import PagePrincipal
from tocsin.deps import DbDep
from tocsin.fields import Id
from tocsin.paging import service
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/incidents/{incident_id}/paging", response_class=HTMLResponse)
def paging_page(request: Request, incident_id: Id, db: DbDep, principal: PagePrincipal) -> Response:
    paging = service.paging_of(db, incident_id=incident_id)
    context = {"principal": principal, "incident_id": incident_id, "paging": paging}
    return templates.TemplateResponse(request, "paging.html", context)
