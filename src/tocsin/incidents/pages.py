"""HTML pages for incidents: the list with a declare form, and one incident with its timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tocsin.access.pages import PagePrincipal
from tocsin.core.lifecycle import RuleViolation, Status
from tocsin.core.roles import AccessRole, Role
from tocsin.core.severity import parse_severity
from tocsin.deps import DbDep, PoliciesDep, SettingsDep
from tocsin.errors import Forbidden, TocsinError, Unavailable
from tocsin.fields import MAX_ID, Id
from tocsin.incidents import service
from tocsin.incidents.describe import describe
from tocsin.incidents.schemas import IncidentCreate, NoteCreate, StakeholderCreate, UpdateCreate
from tocsin.oncall import service as oncall_service
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=20_000)]


def _context(request: Request, principal: PagePrincipal, **values: Any) -> dict[str, Any]:
    return {
        "principal": principal,
        "can_change": principal.role.allows(AccessRole.RESPONDER),
        "policies": list(request.app.state.tocsin.policies.values()),
        "error": request.query_params.get("error"),
        **values,
    }


def _attempt(target: str, action: Callable[[], Any]) -> Response:
    """Run a form action; on refusal, come back to the page with the reason shown.

    An unavailable database is no refusal: it answers its 503 page (errors.py).
    """
    try:
        action()
    except Unavailable:
        raise
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = f"{where}: {first['msg']}"
        return RedirectResponse(f"{target}?error={quote(message)}", status_code=303)
    except (TocsinError, RuleViolation, ValueError) as exc:
        return RedirectResponse(f"{target}?error={quote(str(exc))}", status_code=303)
    return RedirectResponse(target, status_code=303)


@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/incidents", status_code=303)


@router.get("/incidents", response_class=HTMLResponse)
def incident_list(
    request: Request,
    db: DbDep,
    principal: PagePrincipal,
    status: str = "",
    severity: str = "",
    cursor: str | None = None,
) -> Response:
    service_name = request.query_params.get("service", "")
    try:
        where = service.IncidentFilter(
            statuses=[Status(status)] if status else [],
            severities=[parse_severity(severity)] if severity else [],
            service=service_name or None,
        )
    except ValueError as exc:
        return RedirectResponse(f"/incidents?error={quote(str(exc))}", status_code=303)
    reader = service.reader_of(principal)
    page = service.list_incidents(db, where=where, limit=50, cursor=cursor, reader=reader)
    filters = {"status": status, "severity": severity, "service": service_name}
    next_query = urlencode({**filters, "cursor": page.next_cursor or ""})
    context = _context(
        request,
        principal,
        page=page,
        filters=filters,
        statuses=list(Status),
        next_query=next_query,
    )
    return templates_response(request, "incidents_list.html", context)


@router.post("/incidents")
def declare_from_form(
    request: Request,
    db: DbDep,
    policies: PoliciesDep,
    principal: PagePrincipal,
    title: Text = "",
    severity: Text = "",
    services: Text = "",
    summary: Text = "",
    private: Text = "",
) -> Response:
    created: list[int] = []

    def action() -> None:
        body = IncidentCreate(
            title=title,
            severity=severity,  # parsed by the model
            summary=summary,
            services=[s.strip() for s in services.split(",") if s.strip()],
            private=bool(private),
        )
        out = service.declare(
            db,
            actor=_actor(principal),
            incident=body,
            policies=policies,
            declarer=service.reader_of(principal),
        )
        created.append(out.id)

    response = _attempt("/incidents", action)
    if created:
        return RedirectResponse(f"/incidents/{created[0]}", status_code=303)
    return response


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_detail(
    request: Request, incident_id: Id, db: DbDep, principal: PagePrincipal
) -> Response:
    reader = service.reader_of(principal)
    incident = service.get_incident(db, incident_id=incident_id, reader=reader)
    events = service.timeline(db, incident_id=incident_id, limit=200, reader=reader).items
    sections: dict[str, Any] = {}
    for section in request.app.state.tocsin.incident_sections:  # other features' parts
        sections.update(section(incident_id, reader))
    context = _context(
        request,
        principal,
        i=incident,
        events=events,
        roles=list(Role),
        describe=describe,
        people=oncall_service.list_people(db),
        stakeholders=service.list_stakeholders(db, incident_id=incident_id, reader=reader),
        **sections,
    )
    return templates_response(request, "incident_detail.html", context)


@router.post("/incidents/{incident_id}/status")
def status_from_form(
    incident_id: Id, db: DbDep, principal: PagePrincipal, status: Text = ""
) -> Response:
    return _attempt(
        f"/incidents/{incident_id}",
        lambda: service.change_status(
            db, incident_id=incident_id, actor=_actor(principal), status=Status(status)
        ),
    )


@router.post("/incidents/{incident_id}/severity")
def severity_from_form(
    incident_id: Id,
    db: DbDep,
    policies: PoliciesDep,
    principal: PagePrincipal,
    severity: Text = "",
    reason: Text = "",
) -> Response:
    return _attempt(
        f"/incidents/{incident_id}",
        lambda: service.change_severity(
            db,
            incident_id=incident_id,
            actor=_actor(principal),
            severity=parse_severity(severity),
            reason=reason,
            policies=policies,
        ),
    )


@router.post("/incidents/{incident_id}/updates")
def update_from_form(
    incident_id: Id,
    db: DbDep,
    settings: SettingsDep,
    policies: PoliciesDep,
    principal: PagePrincipal,
    status: Text = "",
    impact: Text = "",
    actions: Text = "",
    next_update_in_minutes: Text = "",
) -> Response:
    def action() -> None:
        update = UpdateCreate(
            status=status,
            impact=impact,
            actions=actions,
            next_update_in_minutes=next_update_in_minutes or None,
        )
        service.post_update(
            db,
            incident_id=incident_id,
            actor=_actor(principal),
            update=update,
            policies=policies,
            base_url=settings.base_url,
        )

    return _attempt(f"/incidents/{incident_id}", action)


@router.post("/incidents/{incident_id}/notes")
def note_from_form(
    incident_id: Id, db: DbDep, principal: PagePrincipal, body: Text = ""
) -> Response:
    return _attempt(
        f"/incidents/{incident_id}",
        lambda: service.add_note(
            db, incident_id=incident_id, actor=_actor(principal), body=NoteCreate(body=body).body
        ),
    )


@router.post("/incidents/{incident_id}/roles")
def role_from_form(
    incident_id: Id,
    db: DbDep,
    principal: PagePrincipal,
    role: Text = "",
    holder: Text = "",
    person_id: Text = "",
) -> Response:
    return _attempt(
        f"/incidents/{incident_id}",
        lambda: service.assign_role(
            db,
            incident_id=incident_id,
            actor=_actor(principal),
            role=Role(role),
            holder=holder.strip() or None,
            person_id=_person_id(person_id),
            reason=None,
        ),
    )


@router.post("/incidents/{incident_id}/stakeholders")
def stakeholder_from_form(
    incident_id: Id, db: DbDep, principal: PagePrincipal, person_id: Text = "", email: Text = ""
) -> Response:
    def action() -> None:
        body = StakeholderCreate(person_id=_person_id(person_id), email=email.strip() or None)
        service.add_stakeholder(db, incident_id=incident_id, actor=_actor(principal), body=body)

    return _attempt(f"/incidents/{incident_id}", action)


@router.post("/incidents/{incident_id}/stakeholders/{stakeholder_id}/remove")
def remove_stakeholder_from_form(
    incident_id: Id, stakeholder_id: Id, db: DbDep, principal: PagePrincipal
) -> Response:
    return _attempt(
        f"/incidents/{incident_id}",
        lambda: service.remove_stakeholder(
            db, incident_id=incident_id, stakeholder_id=stakeholder_id, actor=_actor(principal)
        ),
    )


def _person_id(value: str) -> int | None:
    """A person id from a form's select ("" for none); not a number is a ValueError."""
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_ID:
        raise ValueError(f"person_id: {value!r} is not a person id")
    return int(value)


def _actor(principal: PagePrincipal) -> str:
    """Pages act for the signed-in principal, and need at least the responder role."""
    if not principal.role.allows(AccessRole.RESPONDER):
        raise Forbidden("viewers cannot change incidents")
    return principal.actor


def templates_response(request: Request, name: str, context: dict[str, Any]) -> Response:
    return templates.TemplateResponse(request, name, context)
