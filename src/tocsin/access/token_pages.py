"""The API tokens page: the tokens (an admin sees every one), a form to make one (shown
once, with a copy button) and a button to revoke one. Admins only, as the token API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.access import service
from tocsin.access.api import Tokens, check_role
from tocsin.access.pages import PagePrincipal
from tocsin.access.schemas import TokenCreate, TokenCreated
from tocsin.access.service import Principal
from tocsin.core.roles import AccessRole
from tocsin.deps import DbDep
from tocsin.fields import Id
from tocsin.page_forms import attempt
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]


def _check(principal: Principal) -> Principal:
    """The role check of the token API's routes (tocsin.access.api): admins."""
    return check_role(principal, AccessRole.ADMIN)


def _page(request: Request, db: DbDep, principal: Principal, **values: Any) -> Response:
    context = {
        "principal": principal,
        "tokens": service.list_tokens(db),
        "roles": [r for r in AccessRole if principal.role.allows(r)],  # at most the user's
        "created": None,
        "error": request.query_params.get("error"),
        "notice": request.query_params.get("notice"),
        **values,
    }
    headers = {"Cache-Control": "no-store"} if values.get("created") else None
    return templates.TemplateResponse(request, "access_tokens.html", context, headers=headers)


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    return _page(request, db, _check(principal))


@router.post("/tokens", response_class=HTMLResponse)
def create_from_form(
    request: Request, db: DbDep, principal: PagePrincipal, name: Text = "", role: Text = ""
) -> Response:
    made: list[TokenCreated] = []

    def action() -> None:
        _check(principal)
        body = TokenCreate.model_validate({"name": name.strip(), "role": role})
        made.append(
            service.create_token(
                db,
                name=body.name,
                role=body.role,
                created_by=principal.actor,
                user_id=principal.user_id,
            )
        )

    refused = attempt("/tokens", action)
    return _page(request, db, principal, created=made[0]) if made else refused


@router.post("/tokens/{token_id}/revoke")
def revoke_from_form(token_id: Id, db: DbDep, tokens: Tokens, principal: PagePrincipal) -> Response:
    def action() -> None:
        _check(principal)
        service.revoke_token(db, token_id=token_id, cache=tokens)

    return attempt("/tokens", action, notice=f"Token {token_id} revoked.")
