"""The postmortem page (/postmortems/{id}): the document, read-only and escaped, with the
blamelessness check's findings beside the sections they are in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tocsin.access.pages import PagePrincipal
from tocsin.deps import DbDep, PoliciesDep, SettingsDep
from tocsin.fields import Id
from tocsin.incidents.forms import attempt, form_actor
from tocsin.postmortems import service
from tocsin.postmortems.blameless import BlamelessFinding
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/postmortems/{postmortem_id}", response_class=HTMLResponse)
def postmortem_page(
    request: Request, postmortem_id: Id, db: DbDep, settings: SettingsDep, principal: PagePrincipal
) -> Response:
    with db.reading() as session:
        doc = service.document(session, postmortem_id, settings=settings)
        findings = service.findings_in(session, doc)
    by_section: dict[str, list[BlamelessFinding]] = {}
    for finding in findings:
        by_section.setdefault(finding.section, []).append(finding)
    context = {"principal": principal, "doc": doc, "findings": by_section, "error": None}
    return templates.TemplateResponse(request, "postmortem.html", context)


@router.post("/incidents/{incident_id}/postmortem")
def open_from_form(
    incident_id: Id,
    db: DbDep,
    settings: SettingsDep,
    policies: PoliciesDep,
    principal: PagePrincipal,
) -> Response:
    """Open the incident's postmortem from its page (one per incident: if it has one, that
    one opens), as the API's POST .../postmortem does."""
    opened: list[int] = []

    def action() -> None:
        postmortem_id, _ = service.open_postmortem(
            db,
            incident_id=incident_id,
            actor=form_actor(principal),
            settings=settings,
            policies=policies,
        )
        opened.append(postmortem_id)

    refused = attempt(f"/incidents/{incident_id}", action)
    if opened:
        return RedirectResponse(f"/postmortems/{opened[0]}", status_code=303)
    return refused
