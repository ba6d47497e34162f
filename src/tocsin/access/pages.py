"""Sign-in for the web pages: an API token kept in an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Cookie, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tocsin.access import acting, service
from tocsin.access.api import Tokens, request_acting
from tocsin.access.hooks import SignedIn, publish_sign_in
from tocsin.access.service import Principal
from tocsin.deps import DbDep
from tocsin.errors import Unauthorized
from tocsin.rate_limits import per_client
from tocsin.templating import templates

COOKIE = "tocsin_token"
router = APIRouter(include_in_schema=False)


def _signed_in(
    db: DbDep, tokens: Tokens, tocsin_token: Annotated[str | None, Cookie()] = None
) -> Principal:
    return service.authenticate(db, tocsin_token, cache=tokens)


async def page_principal(
    request: Request, principal: Annotated[Principal, Depends(_signed_in)]
) -> Principal:
    """The signed-in principal; an ``Unauthorized`` here sends the browser to /login.

    Async, so it runs in the request's own task: the route's thread inherits who acts.
    """
    acting.begin(request_acting(request, principal, via="web"))
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def login_redirect(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(path)}", status_code=303)


def _safe_next(target: str) -> str:
    """Only local paths: never bounce a signed-in user to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/incidents"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/incidents", error: str | None = None) -> Response:
    context = {"next": _safe_next(next), "error": error, "principal": None}
    return templates.TemplateResponse(request, "login.html", context)


SIGN_IN_LIMIT = per_client("sign-in", lambda s: s.signin_per_minute, what="sign-in attempts")


@router.post("/login", dependencies=[SIGN_IN_LIMIT])
def login(
    request: Request,
    db: DbDep,
    token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/incidents",
) -> Response:
    try:
        principal = service.authenticate(db, token.strip())
    except Unauthorized as exc:
        context = {"next": _safe_next(next), "error": exc.message, "principal": None}
        return templates.TemplateResponse(request, "login.html", context, status_code=401)
    who = request_acting(request, principal, via="web")
    publish_sign_in(db, SignedIn("api_token", principal.token_id, principal.name, who))
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(
        COOKIE, token.strip(), httponly=True, samesite="strict", secure=secure, max_age=86400 * 30
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
