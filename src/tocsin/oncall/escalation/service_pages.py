"""The services pages: the catalog (team, escalation policy, open incidents), a form to add
a service, and one service's page to edit or delete it.

Each action builds the body the API route takes and calls the same use case, with the same
checks: viewers read; admins, and a team admin for their own team's services, change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.access.api import check_role
from tocsin.access.pages import PagePrincipal
from tocsin.access.service import Principal
from tocsin.core.roles import AccessRole
from tocsin.deps import DbDep
from tocsin.oncall.escalation import service
from tocsin.oncall.escalation.schemas import ServiceCreate, ServicePatch
from tocsin.oncall.teams import access
from tocsin.oncall.teams import service as teams_service
from tocsin.page_forms import attempt
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
ServiceName = Annotated[str, Path(max_length=100)]


def _check(principal: Principal, role: AccessRole) -> Principal:
    """The role check of the API route that does the same (tocsin.access.api)."""
    return check_role(principal, role)


def _or_none(value: str) -> str | None:
    """An optional id from a select: "" is none; anything else the schema reads (or refuses,
    naming the field)."""
    return value.strip() or None


def _open_counts(request: Request) -> Mapping[str, int]:
    """Open incidents per service: counted by the incidents feature (wired in assembly)."""
    counts: Mapping[str, int] = request.app.state.tocsin.open_incidents_by_service()
    return counts


def _page(request: Request, db: DbDep, principal: Principal, name: str, **values: Any) -> Response:
    """A page; its forms show as the API would allow (``rights``: per service, its team)."""
    rights = access.rights(db, principal)
    every_team = teams_service.list_teams(db)
    context = {
        "principal": principal,
        "rights": rights,
        "teams": {t.id: t.name for t in every_team},
        "team_choices": {t.id: t.name for t in rights.teams(every_team)},
        "policies": {p.id: p.name for p in service.list_policies(db)},
        "error": request.query_params.get("error"),
        "notice": request.query_params.get("notice"),
        **values,
    }
    return templates.TemplateResponse(request, name, context)


@router.get("/services", response_class=HTMLResponse)
def services_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    _check(principal, AccessRole.VIEWER)
    services = service.list_services(db)
    return _page(
        request,
        db,
        principal,
        "oncall_services.html",
        services=services,
        open=_open_counts(request),
    )


@router.post("/services")
def create_from_form(
    db: DbDep,
    principal: PagePrincipal,
    name: Text = "",
    description: Text = "",
    team_id: Text = "",
    escalation_policy_id: Text = "",
) -> Response:
    def action() -> None:
        _check(principal, AccessRole.RESPONDER)
        access.require_new(db, principal, team_id)
        body = ServiceCreate.model_validate(
            {
                "name": name,
                "description": description,
                "team_id": _or_none(team_id),
                "escalation_policy_id": _or_none(escalation_policy_id),
            }
        )
        service.create_service(db, body=body)  # its team_id is the one require_new checked

    return attempt("/services", action, notice=f"Service {name.strip()} added.")


@router.get("/services/{name}", response_class=HTMLResponse)
def service_page(
    request: Request, name: ServiceName, db: DbDep, principal: PagePrincipal
) -> Response:
    _check(principal, AccessRole.VIEWER)
    found = service.get_service(db, name=name)
    count = _open_counts(request).get(found.name, 0)
    return _page(request, db, principal, "oncall_service.html", s=found, open_count=count)


@router.post("/services/{name}")
def edit_from_form(
    name: ServiceName,
    db: DbDep,
    principal: PagePrincipal,
    description: Text = "",
    team_id: Text = "",
    escalation_policy_id: Text = "",
) -> Response:
    def action() -> None:
        _check(principal, AccessRole.RESPONDER)
        old_team = service.service_team(db, name=name)
        access.require_change(db, principal, old_team)
        patch = ServicePatch.model_validate(
            {
                "description": description,
                "team_id": _or_none(team_id),
                "escalation_policy_id": _or_none(escalation_policy_id),
            }
        )
        access.require_change(db, principal, old_team, patch.team_id)
        service.edit_service(db, name=name, patch=patch)

    return attempt(_at(name), action, notice="Saved.")


@router.post("/services/{name}/delete")
def delete_from_form(name: ServiceName, db: DbDep, principal: PagePrincipal) -> Response:
    def action() -> None:
        _check(principal, AccessRole.RESPONDER)
        access.require_change(db, principal, service.service_team(db, name=name))
        service.delete_service(db, name=name)

    return attempt(_at(name), action, notice=f"Service {name} deleted.", then="/services")


def _at(name: str) -> str:
    return f"/services/{quote(name, safe='')}"
