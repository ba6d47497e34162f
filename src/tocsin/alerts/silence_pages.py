"""The silences page: silences in force or to come, those that ended, a form to add one
(matchers, from and until or for how long, why) and a button to end one early."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tocsin import clock
from tocsin.access.api import check_role
from tocsin.access.pages import PagePrincipal
from tocsin.access.service import Principal
from tocsin.alerts import silences
from tocsin.alerts.api import State
from tocsin.alerts.schemas import SilenceCreate
from tocsin.core.roles import AccessRole
from tocsin.deps import DbDep
from tocsin.errors import Forbidden, InvalidInput
from tocsin.fields import Id
from tocsin.page_forms import attempt, in_zone
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=20_000)]
MAX_MINUTES = 366 * 24 * 60


def _check(principal: Principal, role: AccessRole) -> Principal:
    """The role check of the API route that does the same (tocsin.access.api)."""
    return check_role(principal, role)


def _may(principal: Principal, role: AccessRole) -> bool:
    try:
        _check(principal, role)
    except Forbidden:
        return False
    return True


@router.get("/silences", response_class=HTMLResponse)
def silences_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    _check(principal, AccessRole.VIEWER)
    now = clock.now()
    every = silences.list_silences(db, include_expired=True)
    context = {
        "principal": principal,
        "can_change": _may(principal, AccessRole.RESPONDER),
        "current": [s for s in every if s.ends_at > now],
        "expired": [s for s in every if s.ends_at <= now],
        "error": request.query_params.get("error"),
        "notice": request.query_params.get("notice"),
    }
    return templates.TemplateResponse(request, "alerts_silences.html", context)


def _ends_at(starts_at: Any, ends_at: str, duration_minutes: str, zone: str) -> Any:
    """The end: as given (read in ``zone``), else the start (or now) plus the duration."""
    if ends_at.strip() or not duration_minutes.strip():
        return in_zone(ends_at.strip(), zone)
    minutes = duration_minutes.strip()
    if not (minutes.isascii() and minutes.isdigit()) or not 0 < int(minutes) <= MAX_MINUTES:
        message = f"duration_minutes: {minutes!r} is not a number of minutes (1–{MAX_MINUTES})"
        raise InvalidInput(message, field="duration_minutes")
    start = starts_at if isinstance(starts_at, datetime) else clock.now()
    return start + timedelta(minutes=int(minutes))


@router.post("/silences")
def create_from_form(
    db: DbDep,
    state: State,
    principal: PagePrincipal,
    matchers: Text = "",
    starts_at: Text = "",
    ends_at: Text = "",
    duration_minutes: Text = "",
    comment: Text = "",
    service: Text = "",
) -> Response:
    def action() -> None:
        _check(principal, AccessRole.RESPONDER)
        start = in_zone(starts_at.strip(), principal.form_zone)
        body = SilenceCreate.model_validate(
            {
                "matchers": [line.strip() for line in matchers.splitlines() if line.strip()],
                "starts_at": start,
                "ends_at": _ends_at(start, ends_at, duration_minutes, principal.form_zone),
                "comment": comment,
                "service": service.strip() or None,
            }
        )
        silences.create_silence(db, state=state, silence=body, created_by=principal.actor)

    return attempt("/silences", action, notice="Silence added.")


@router.post("/silences/{silence_id}/expire")
def expire_from_form(silence_id: Id, db: DbDep, state: State, principal: PagePrincipal) -> Response:
    def action() -> None:
        _check(principal, AccessRole.RESPONDER)
        silences.expire_silence(db, state=state, silence_id=silence_id)

    return attempt("/silences", action, notice=f"Silence {silence_id} ended.")
