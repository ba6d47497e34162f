"""HTML pages for incidents: the list with a declare form, and one incident with its timeline."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tocsin import live
from tocsin.access.pages import PagePrincipal
from tocsin.core.lifecycle import RuleViolation, Status
from tocsin.core.roles import AccessRole, Role
from tocsin.core.severity import parse_severity
from tocsin.deps import DbDep, PoliciesDep
from tocsin.errors import InvalidInput, TocsinError, Unavailable
from tocsin.fields import Id
from tocsin.incidents import detail, listing, service
from tocsin.incidents.describe import describe
from tocsin.incidents.forms import Text, form_id
from tocsin.incidents.forms import attempt as _attempt
from tocsin.incidents.forms import form_actor as _actor
from tocsin.incidents.schemas import (
    IncidentCreate,
)
from tocsin.oncall import service as oncall_service
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
PAGE_SIZE_MAX = 200


def _context(request: Request, principal: PagePrincipal, **values: Any) -> dict[str, Any]:
    return {
        "principal": principal,
        "can_change": principal.role.allows(AccessRole.RESPONDER),
        "policies": list(request.app.state.tocsin.policies.values()),
        "error": request.query_params.get("error"),
        **values,
    }


@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/incidents", status_code=303)


@router.get("/incidents", response_class=HTMLResponse)
def incident_list(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    view = _list_view(request, db, principal)
    return templates_response(request, "incidents_list.html", _context(request, principal, **view))


@router.get("/incidents/live")
def incident_list_live(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    """The list's rows (``event: list``, the ``<tbody>``'s HTML) each time an incident
    changes; the page passes its version as ``after``."""
    _list_view(request, db, principal)  # a bad tab or filter is a 4xx, now
    live.number_cursor(request)

    def changes(cursor: str | None) -> list[live.Frame]:
        now = listing.version(db)
        if cursor is not None and int(cursor) >= now:
            return []
        fresh = _list_view(request, db, principal)
        can_change = principal.role.allows(AccessRole.RESPONDER)
        html = templates.get_template("_incident_rows.html").render(
            {**fresh, "can_change": can_change}
        )
        return [live.Frame(data=html, id=str(fresh["version"]), event="list")]

    return live.event_stream(request, changes)


def _list_view(request: Request, db: DbDep, principal: PagePrincipal) -> dict[str, Any]:
    """The list's tab, filters and rows from the query string (a bad value is a 4xx)."""
    query = request.query_params
    tab_name, severity, service_name = (query.get(k, "") for k in ("tab", "severity", "service"))
    try:
        tab = listing.Tab(tab_name or listing.Tab.OPEN)
    except ValueError:
        raise InvalidInput(
            f"tab: {tab_name!r} is none of {[t.value for t in listing.Tab]}", field="tab"
        ) from None
    try:
        severities = [parse_severity(severity)] if severity else []
    except ValueError as exc:
        raise InvalidInput(f"severity: {exc}", field="severity") from None
    version = listing.version(db)  # before the read: a change after it is sent again
    page = listing.console_incidents(
        db,
        viewer=principal,
        tab=tab,
        severities=severities,
        service=service_name or None,
        cursor=query.get("cursor") or None,
    )
    filters = {"tab": tab.value, "severity": severity, "service": service_name}
    narrowed = {key: value for key, value in filters.items() if value and key != "tab"}
    live_query = urlencode({"tab": tab.value, **narrowed, "after": version})
    return {
        "tab": tab,
        "tabs": [
            (value, label, "?" + urlencode({"tab": value, **narrowed}))
            for value, label in listing.TAB_LABELS.items()
        ],
        "filters": filters,
        "rows": listing.rows(page.items, request.app.state.tocsin.paged_now),
        "next_query": urlencode({**filters, "cursor": page.next_cursor or ""}),
        "next_cursor": page.next_cursor,
        "version": version,
        "live_url": None if query.get("cursor") else f"/incidents/live?{live_query}",
        "notice": query.get("notice"),
    }


@router.post("/incidents/acknowledge")
def acknowledge_selected(
    db: DbDep,
    principal: PagePrincipal,
    incident_id: Annotated[list[str] | None, Form()] = None,
    tab: Text = "",
) -> Response:
    """Acknowledge the ticked incidents one by one (one timeline event each); the page
    names each one refused, with its reason."""
    back = f"/incidents?tab={tab if tab in set(listing.Tab) else listing.Tab.OPEN.value}"
    actor = _actor(principal)  # a viewer: 403, as every console form
    if not incident_id:
        return _back(back, error="incident_id: tick at least one incident")
    done, refused = 0, []
    for raw in incident_id[:PAGE_SIZE_MAX]:
        try:
            iid = form_id(raw, "incident_id")
            if iid is None:
                continue
            status = Status.ACKNOWLEDGED
            service.change_status(db, incident_id=iid, actor=actor, status=status)
            done += 1
        except Unavailable:
            raise
        except (TocsinError, RuleViolation, ValueError) as exc:
            refused.append(f"INC-{raw[:20]}: {exc}")
    notice = f"Acknowledged {done} incident{'' if done == 1 else 's'}." if done else None
    return _back(back, notice=notice, error="; ".join(refused) or None)


def _back(target: str, **values: str | None) -> Response:
    given = urlencode({key: value for key, value in values.items() if value})
    return RedirectResponse(f"{target}&{given}" if given else target, status_code=303)


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
        _actor(principal)  # the role first: a viewer hears that, not the form's faults
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
    request: Request, incident_id: Id, db: DbDep, policies: PoliciesDep, principal: PagePrincipal
) -> Response:
    reader = service.reader_of(principal)
    incident = service.get_incident(db, incident_id=incident_id, reader=reader)
    events = service.timeline(db, incident_id=incident_id, limit=200, reader=reader).items
    updates = service.list_updates(db, incident_id=incident_id, reader=reader)  # newest first
    latest = updates[0] if updates else None
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
        latest_update=latest,
        composer=detail.composer(incident, latest, policies.get(incident.severity)),
        actions=detail.actions(incident),
        close_needs=detail.close_needs(incident),
        learning_open=detail.learning_open(incident),
        notice=request.query_params.get("notice"),
        **sections,
    )
    return templates_response(request, "incident_detail.html", context)


@router.get("/incidents/{incident_id}/live")
def timeline_live(
    request: Request, incident_id: Id, db: DbDep, principal: PagePrincipal
) -> Response:
    """The incident's new timeline events as they happen: one ``event: timeline`` frame per
    event, its ``id`` the event's id and its data the ``<li>`` of ``_timeline_event.html``.
    A page passes the last event it shows as ``?after=`` (a reconnect sends
    ``Last-Event-ID``); without either the stream starts with the whole timeline. Use it
    with ``<ol class="timeline" data-live="/incidents/ID/live?after=LAST"
    data-live-event="timeline" data-live-swap="append">`` (tocsin.js listens)."""
    reader = service.reader_of(principal)
    service.get_incident(
        db, incident_id=incident_id, reader=reader
    )  # a 404 now, not a silent stream
    live.number_cursor(request)  # a bad cursor is a 4xx now
    item = templates.get_template("_timeline_event.html")

    def changes(cursor: str | None) -> list[live.Frame]:
        after = int(cursor) if cursor is not None else None
        events = listing.events_after(db, incident_id=incident_id, after=after)
        return [
            live.Frame(data=item.render(e=e, describe=describe), id=str(e.id), event="timeline")
            for e in events
        ]

    return live.event_stream(request, changes)


def templates_response(request: Request, name: str, context: dict[str, Any]) -> Response:
    return templates.TemplateResponse(request, name, context)
