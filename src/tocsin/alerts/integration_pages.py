"""The integrations pages: every integration (or one service's), and the forms to add one,
rotate its key and delete (revoke) it, shown to whoever the API lets change the service's
team's configuration (admins, and that team's admins).

The key is shown once, on the answer to the form that made or rotated it, with a first
request to paste; only its digest is stored, so no later page can show it again.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.access.api import check_role
from tocsin.access.pages import PagePrincipal
from tocsin.access.service import Principal
from tocsin.alerts import integrations
from tocsin.alerts.api import State, require_change_of
from tocsin.alerts.samples import sample_for
from tocsin.alerts.schemas import IntegrationCreate, IntegrationCreated, IntegrationKind
from tocsin.core.roles import AccessRole
from tocsin.db import Database
from tocsin.deps import DbDep, PoliciesDep, SettingsDep
from tocsin.errors import InvalidInput
from tocsin.fields import Id
from tocsin.oncall import service as oncall
from tocsin.page_forms import attempt
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=20_000)]


def _check(principal: Principal, role: AccessRole) -> Principal:
    """The role check of the API route that does the same (tocsin.access.api)."""
    return check_role(principal, role)


def _require_change(db: Database, principal: Principal, service: str) -> None:
    """The API's check: the right to change the configuration of the service's team."""
    _check(principal, AccessRole.RESPONDER)
    oncall.require_change(db, principal, oncall.service_team_if_any(db, name=service))


@router.get("/integrations", response_class=HTMLResponse)
def integrations_page(
    request: Request,
    db: DbDep,
    state: State,
    policies: PoliciesDep,
    principal: PagePrincipal,
    service: str = "",
    revoked: bool = False,
) -> Response:
    _check(principal, AccessRole.VIEWER)
    found = integrations.list_integrations(db, state=state, include_revoked=revoked)
    if service:
        found = [i for i in found if i.service == service]
    services = {i.service for i in found}
    owners = {name: oncall.service_team_if_any(db, name=name) for name in services}
    context = {
        "principal": principal,
        "rights": oncall.rights(db, principal),
        "owners": owners,
        "integrations": found,
        "kinds": list(IntegrationKind),
        "severities": list(policies),
        "service": service[:100],
        "revoked": revoked,
        "error": request.query_params.get("error"),
        "notice": request.query_params.get("notice"),
    }
    return templates.TemplateResponse(request, "alerts_integrations.html", context)


def _mapping(text: str) -> Any:
    """The generic field mapping typed as JSON; the schema checks what it says."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"generic: not JSON ({exc.msg})", field="generic") from None


def _created_page(request: Request, principal: Principal, created: IntegrationCreated) -> Response:
    context = {"principal": principal, "i": created, "sample": sample_for(created), "error": None}
    headers = {"Cache-Control": "no-store"}  # the key: never kept by the browser or a proxy
    return templates.TemplateResponse(
        request, "alerts_integration_key.html", context, headers=headers
    )


@router.post("/integrations", response_class=HTMLResponse)
def create_from_form(
    request: Request,
    db: DbDep,
    state: State,
    settings: SettingsDep,
    principal: PagePrincipal,
    kind: Text = "",
    name: Text = "",
    service: Text = "",
    default_severity: Text = "",
    heartbeat_interval_minutes: Text = "",
    generic: Text = "",
) -> Response:
    made: list[IntegrationCreated] = []

    def action() -> None:
        _require_change(db, principal, service.strip())
        body: dict[str, Any] = {"kind": kind, "name": name, "service": service.strip()}
        if default_severity:
            body["default_severity"] = default_severity
        if heartbeat_interval_minutes.strip():
            body["heartbeat_interval_minutes"] = heartbeat_interval_minutes.strip()
        if generic.strip():
            body["generic"] = _mapping(generic)
        made.append(
            integrations.create_integration(
                db,
                state=state,
                integration=IntegrationCreate.model_validate(body),
                created_by=principal.actor,
                base_url=settings.base_url,
            )
        )

    refused = attempt("/integrations", action)
    return _created_page(request, principal, made[0]) if made else refused


@router.post("/integrations/{integration_id}/rotate", response_class=HTMLResponse)
def rotate_from_form(
    request: Request,
    integration_id: Id,
    db: DbDep,
    state: State,
    settings: SettingsDep,
    principal: PagePrincipal,
) -> Response:
    made: list[IntegrationCreated] = []

    def action() -> None:
        _check(principal, AccessRole.RESPONDER)
        require_change_of(db, state, principal, integration_id)
        made.append(
            integrations.rotate_key(
                db, state=state, integration_id=integration_id, base_url=settings.base_url
            )
        )

    refused = attempt("/integrations", action)
    return _created_page(request, principal, made[0]) if made else refused


@router.post("/integrations/{integration_id}/delete")
def delete_from_form(
    integration_id: Id, db: DbDep, state: State, principal: PagePrincipal
) -> Response:
    def action() -> None:
        _check(principal, AccessRole.RESPONDER)
        require_change_of(db, state, principal, integration_id)
        integrations.revoke_integration(db, state=state, integration_id=integration_id)

    return attempt("/integrations", action, notice="Integration deleted: its key no longer works.")
