"""Token routes, and the dependency every API route uses to require a role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tocsin.access import acting, service
from tocsin.access.schemas import TokenCreate, TokenCreated, TokenOut
from tocsin.access.service import Principal
from tocsin.core.roles import AccessRole
from tocsin.deps import DbDep
from tocsin.errors import Forbidden, NotFound
from tocsin.fields import Id


def token_cache(request: Request) -> service.TokenCache:
    """The application's cache of checked tokens (``tocsin.assembly``)."""
    cache: service.TokenCache = request.app.state.tocsin.tokens
    return cache


Tokens = Annotated[service.TokenCache, Depends(token_cache)]

# Declared as a security scheme so the API docs offer an "Authorize" button.
bearer = HTTPBearer(auto_error=False, description="An API token from `tocsin token create`.")


def require(role: AccessRole) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates the caller and checks its role.

    The role is the bearer scheme's scope, so the API document lists it on each operation
    (OpenAPI's "role names" for non-OAuth schemes); ``tocsin.web.openapi`` reads it there.
    """
    scoped = Security(bearer, scopes=[role.value])

    def authenticated(
        request: Request,
        db: DbDep,
        tokens: Tokens,
        credentials: HTTPAuthorizationCredentials | None = scoped,
    ) -> Principal:
        token = credentials.credentials if credentials else None
        names = request.app.state.tocsin.access.person_name
        principal = service.authenticate(db, token, cache=tokens, person_name=names)
        check_role(principal, role)
        refuse_hidden_incident(request, principal)
        return principal

    # Async, so it runs in the request's own task: the route's thread inherits who acts.
    async def dependency(
        request: Request, principal: Principal = Depends(authenticated)
    ) -> Principal:
        acting.begin(request_acting(request, principal, via="api"))
        return principal

    return dependency


def check_role(principal: Principal, role: AccessRole) -> Principal:
    """``principal``, if its role includes ``role``; else Forbidden. Every API route checks
    this (:func:`require`), and each console page that mirrors a route checks the same."""
    if not principal.role.allows(role):
        holder = "the session" if principal.session_id is not None else "the token"
        raise Forbidden(f"this needs the {role} role; {holder} has {principal.role}")
    return principal


HIDING_PARAMS = ("incident_id", "postmortem_id", "alert_id")
"""The path parameters through which a route is about an incident (the first one named)."""


def refuse_hidden_incident(request: Request, principal: Principal) -> None:
    """A route about one incident (an ``{incident_id}`` in its path, or the id of something
    of one) answers 404, as for a missing one, when the incident is private and
    ``principal`` is no member of it (``AccessWiring.sees_path``)."""
    sees = request.app.state.tocsin.access.sees_path
    params = request.path_params
    if sees is None or not params or sees(principal, params):
        return
    # worded as storage.get_or_404 words a missing row: the two answers are the same
    name = next((n for n in HIDING_PARAMS if n in params), next(iter(params)))
    what = name.removesuffix("_id").replace("_", " ")
    raise NotFound(f"no {what} with id {params[name]}", field=name)


def request_acting(request: Request, principal: Principal, *, via: str) -> acting.Acting:
    """Who acts in ``request`` (its principal) and from where (client address, route)."""
    address = request.client.host if request.client else None
    route = f"{request.method} {request.url.path}"
    return acting.Acting(actor=principal.actor, via=via, address=address, route=route)


Viewer = Annotated[Principal, Depends(require(AccessRole.VIEWER))]
Responder = Annotated[Principal, Depends(require(AccessRole.RESPONDER))]
Admin = Annotated[Principal, Depends(require(AccessRole.ADMIN))]

router = APIRouter(prefix="/api/v1/tokens", tags=["access"])


@router.post("", status_code=201)
def create_token(body: TokenCreate, db: DbDep, principal: Admin) -> TokenCreated:
    """A token of the caller's user (at most the user's role), or an ownerless one when the
    caller's own token has no user."""
    return service.create_token(
        db,
        name=body.name,
        role=body.role,
        created_by=principal.actor,
        user_id=principal.user_id,
    )


@router.get("")
def list_tokens(db: DbDep, _: Admin) -> list[TokenOut]:
    return service.list_tokens(db)


@router.delete("/{token_id}")
def revoke_token(token_id: Id, db: DbDep, tokens: Tokens, _: Admin) -> TokenOut:
    return service.revoke_token(db, token_id=token_id, cache=tokens)
