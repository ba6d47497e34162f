"""The audit log page: who changed what (before → after), when and from where, filtered
and paged as the API does, with the same filters' CSV. Admins only, as the API."""

from __future__ import annotations

from typing import Annotated, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from tocsin.access.api import check_role
from tocsin.access.pages import PagePrincipal
from tocsin.access.service import Principal
from tocsin.audit import api, service
from tocsin.audit.schemas import AuditEntryOut
from tocsin.core.roles import AccessRole
from tocsin.deps import DbDep
from tocsin.errors import InvalidInput
from tocsin.page_forms import in_zone
from tocsin.storage import Page
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FIELDS = ("actor", "kind", "object", "action", "since", "until")


def _check(principal: Principal) -> Principal:
    """The role check of the audit API's routes (tocsin.access.api): admins."""
    return check_role(principal, AccessRole.ADMIN)


def _filters(request: Request, zone: str) -> tuple[dict[str, str], service.Filters]:
    """The page's filters as typed, and as the API's ``filters`` reads them (its checks)."""
    typed = {name: request.query_params.get(name, "").strip()[:300] for name in FIELDS}
    action = typed["action"] or None
    if action is not None and action not in get_args(api.Action):
        choices = ", ".join(get_args(api.Action))
        raise InvalidInput(f"action: {action!r} is not one of {choices}", field="action")
    times = {}
    for name in ("since", "until"):
        found = in_zone(typed[name], zone)
        if isinstance(found, str):
            raise InvalidInput(f"{name}: {found!r} is not a date and time", field=name)
        times[name] = found
    where = api.filters(
        actor=typed["actor"] or None,
        kind=typed["kind"] or None,
        object=typed["object"] or None,
        action=action,  # type: ignore[arg-type]  # checked against api.Action above
        **times,
    )
    return typed, where


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    db: DbDep,
    principal: PagePrincipal,
    cursor: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    _check(principal)
    typed = {name: request.query_params.get(name, "")[:300] for name in FIELDS}
    page: Page[AuditEntryOut] = Page(items=[], next_cursor=None)
    error = None
    try:
        typed, where = _filters(request, principal.form_zone)
        page = service.list_entries(db, filters=where, limit=PAGE_SIZE, cursor=cursor or None)
    except InvalidInput as exc:
        error = exc.message
    chosen = {name: value for name, value in typed.items() if value}
    context = {
        "principal": principal,
        "page": page,
        "filters": typed,
        "actions": get_args(api.Action),
        "csv_query": urlencode(chosen),
        "next_query": urlencode({**chosen, "cursor": page.next_cursor or ""}),
        "error": error,
    }
    return templates.TemplateResponse(request, "audit_log.html", context)


@router.get("/audit.csv", response_class=StreamingResponse)
def audit_csv(request: Request, db: DbDep, principal: PagePrincipal) -> StreamingResponse:
    """The API's CSV export (``GET /api/v1/audit.csv``), for a signed-in browser."""
    _check(principal)
    _, where = _filters(request, principal.form_zone)
    return api.export_audit(db, principal, where)
