"""Paging pages: an incident's paging history, and a person's test pages (send and see them)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.access.pages import PagePrincipal
from tocsin.access.service import Principal
from tocsin.core.roles import AccessRole
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import Forbidden
from tocsin.fields import Id
from tocsin.oncall import service as oncall_service
from tocsin.page_forms import attempt
from tocsin.paging import service, trial_pages
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/incidents/{incident_id}/paging", response_class=HTMLResponse)
def paging_page(request: Request, incident_id: Id, db: DbDep, principal: PagePrincipal) -> Response:
    paging = service.paging_of(db, incident_id=incident_id)
    context = {"principal": principal, "incident_id": incident_id, "paging": paging}
    return templates.TemplateResponse(request, "paging.html", context)


def _may_send(principal: Principal) -> bool:
    """Who may send a test page: the API's role for it (a responder)."""
    return principal.role.allows(AccessRole.RESPONDER)


@router.post("/people/{person_id}/contact-methods/{contact_method_id}/test")
def test_page_from_form(
    person_id: Id,
    contact_method_id: Id,
    db: DbDep,
    settings: SettingsDep,
    principal: PagePrincipal,
) -> Response:
    if not _may_send(principal):
        raise Forbidden("viewers cannot send test pages")
    return attempt(
        f"/people/{person_id}/test-pages",
        lambda: trial_pages.send_test_page(
            db,
            person_id=person_id,
            contact_method_id=contact_method_id,
            actor=principal.actor,
            base_url=settings.base_url,
        ),
        notice="Test page queued: it is on its way.",
    )


@router.get("/people/{person_id}/test-pages", response_class=HTMLResponse)
def test_pages_page(
    request: Request, person_id: Id, db: DbDep, principal: PagePrincipal
) -> Response:
    sent = trial_pages.recent_test_pages(db, person_id=person_id)
    context = {
        "principal": principal,
        "person": oncall_service.get_person(db, person_id=person_id),
        "sent": sent,
        "error": request.query_params.get("error"),
        "notice": request.query_params.get("notice", "")[:200],
    }
    return templates.TemplateResponse(request, "people_test_pages.html", context)
