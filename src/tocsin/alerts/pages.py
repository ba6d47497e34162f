"""The alerts pages: every alert (filtered by status, service or text) with its source and
incident, the noise figures per alert name, and the incident page's alert buttons (mark an
alert actionable or noise)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tocsin.access.api import check_role
from tocsin.access.pages import PagePrincipal
from tocsin.access.service import Principal
from tocsin.alerts import api as alerts_api
from tocsin.alerts import feedback, integrations
from tocsin.alerts import service as alerts_service
from tocsin.alerts.api import State
from tocsin.alerts.schemas import AlertOut, NoiseRow, Verdict
from tocsin.core.roles import AccessRole
from tocsin.deps import DbDep
from tocsin.errors import Forbidden, InvalidInput
from tocsin.fields import Id
from tocsin.incidents import service as incidents_service
from tocsin.page_forms import in_zone
from tocsin.storage import Page
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)


@router.post("/incidents/{incident_id}/alerts/{alert_id}/feedback")
def feedback_from_form(
    incident_id: Id,
    alert_id: Id,
    db: DbDep,
    principal: PagePrincipal,
    verdict: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    target = f"/incidents/{incident_id}"
    if not principal.role.allows(AccessRole.RESPONDER):
        raise Forbidden("viewers cannot mark alerts")
    if verdict not in {v.value for v in Verdict}:
        message = "verdict: actionable or noise"
    else:
        feedback.mark_alert(
            db,
            alert_id=alert_id,
            verdict=Verdict(verdict),
            actor=principal.actor,
            incident_id=incident_id,
        )
        return RedirectResponse(f"{target}#alerts", status_code=303)
    return RedirectResponse(f"{target}?error={quote(message)}", status_code=303)


# ---------------------------------------------------------------- the alerts and the noise

STATUSES = ("firing", "acknowledged", "resolved", "silenced")
PAGE_SIZE = 50


def _check(principal: Principal, role: AccessRole) -> Principal:
    """The role check of the API route that does the same (tocsin.access.api)."""
    return check_role(principal, role)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    db: DbDep,
    state: State,
    principal: PagePrincipal,
    status: Annotated[str, Query(max_length=20)] = "",
    service: Annotated[str, Query(max_length=100)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    _check(principal, AccessRole.VIEWER)
    filters = {"status": status, "service": service, "q": q}
    page: Page[AlertOut] = Page(items=[], next_cursor=None)
    error = request.query_params.get("error")
    try:
        if status and status not in STATUSES:
            raise InvalidInput(
                f"status: {status!r} is not one of {', '.join(STATUSES)}", field="status"
            )
        where = alerts_service.AlertFilter(
            status=status or None, service=service or None, text=q.strip() or None
        )
        reader = incidents_service.reader_of(principal)  # no private incident's alerts
        page = alerts_service.list_alerts(
            db, where=where, limit=PAGE_SIZE, cursor=cursor or None, reader=reader
        )
    except InvalidInput as exc:
        error = exc.message
    sources = integrations.list_integrations(db, state=state, include_revoked=True)
    context = {
        "principal": principal,
        "page": page,
        "sources": {i.id: i for i in sources},
        "filters": filters,
        "statuses": STATUSES,
        "next_query": urlencode({**filters, "cursor": page.next_cursor or ""}),
        "error": error,
    }
    return templates.TemplateResponse(request, "alerts_list.html", context)


@router.get("/alerts/noise", response_class=HTMLResponse)
def noise_page(
    request: Request,
    db: DbDep,
    principal: PagePrincipal,
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    _check(principal, AccessRole.VIEWER)
    rows: list[NoiseRow] = []
    error = None
    try:
        start, end = _instant(since, "since"), _instant(until, "until")
        rows = alerts_api.noise(db, principal, since=start, until=end)  # the API's defaults
    except InvalidInput as exc:
        error = exc.message
    context = {
        "principal": principal,
        "rows": rows,
        "since": since,
        "until": until,
        "error": error,
    }
    return templates.TemplateResponse(request, "alerts_noise.html", context)


def _instant(value: str, field: str) -> datetime | None:
    """A ``datetime-local`` (or ISO 8601) input, read as UTC; "" is none."""
    found = in_zone(value.strip(), "UTC")
    if isinstance(found, str):
        raise InvalidInput(f"{field}: {value!r} is not a date and time", field=field)
    return found
