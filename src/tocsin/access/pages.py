"""Sign-in for the web pages: email and password, then a session cookie.

The session cookie is HttpOnly, SameSite=Lax (a link from webmail or chat lands signed
in) and Secure over HTTPS or when ``cookie_secure`` is set. Every form posts a CSRF token
(:mod:`tocsin.access.csrf`); the pages that sign in, reset and accept an invitation check
it against a pre-session cookie.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tocsin.access import accounts, acting, csrf, sessions
from tocsin.access.api import refuse_hidden_incident, request_acting
from tocsin.access.hooks import SignedIn, publish_sign_in
from tocsin.access.service import Principal
from tocsin.access.wiring import AccessWiring
from tocsin.config import Settings
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import TocsinError
from tocsin.rate_limits import SourceLimits, per_client
from tocsin.templating import templates

COOKIE = sessions.COOKIE
log = logging.getLogger("tocsin.access")
router = APIRouter(include_in_schema=False)
Secret = Annotated[str, Form(max_length=200)]
Next = Annotated[str, Form(max_length=2000)]


def wiring(request: Request) -> AccessWiring:
    wired: AccessWiring = request.app.state.tocsin.access
    return wired


Wiring = Annotated[AccessWiring, Depends(wiring)]


async def page_principal(
    request: Request, db: DbDep, settings: SettingsDep, wired: Wiring
) -> Principal:
    """The signed-in user, after the CSRF check of a form post; an ``Unauthorized`` here
    sends the browser to /login.

    Async, so it runs in the request's own task: the route's thread inherits who acts.
    """
    principal = await run_in_threadpool(
        sessions.principal_of,
        db,
        request.cookies.get(COOKIE),
        idle=timedelta(minutes=settings.session_idle_minutes),
        person_name=wired.person_name,
    )
    await csrf.check(request)
    await run_in_threadpool(refuse_hidden_incident, request, principal)
    acting.begin(request_acting(request, principal, via="web"))
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def login_redirect(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(path)}", status_code=303)


def _safe_next(target: str) -> str:
    """Only local paths: never bounce a signed-in user to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/incidents"


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.cookie_secure


def _page(
    request: Request, settings: Settings, name: str, code: int = 200, **values: Any
) -> Response:
    oidc = settings.oidc_name if settings.oidc_enabled else None  # the login page's button
    context = {"principal": None, "error": None, "oidc_name": oidc, **values}
    response = templates.TemplateResponse(request, name, context, status_code=code)
    csrf.set_cookie(request, response, secure=_secure(request, settings))
    return response


def _signed_in(request: Request, settings: Settings, raw: str, target: str) -> Response:
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(
        COOKIE,
        raw,
        max_age=int(settings.session_lifetime_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=_secure(request, settings),
    )
    return response


SIGN_IN_LIMIT = per_client("sign-in", lambda s: s.signin_per_minute, what="sign-in attempts")
"""Sign-in attempts per client address (the trusted one: see :mod:`tocsin.rate_limits`)."""
RESET_LIMIT = per_client("sign-in", lambda s: s.signin_per_minute, what="reset requests")
"""Reset requests count against the same per-client allowance as sign-in attempts."""


def _count_address(request: Request, settings: Settings, email: str, what: str) -> None:
    """``RateLimited`` past the settings' attempts per mail address (the per-client limit
    is the route's :data:`SIGN_IN_LIMIT`)."""
    limits: SourceLimits = request.app.state.tocsin.client_limits["sign-in-address"]
    address = email.strip().lower()[:320]
    limits.take(address, settings.signin_address_per_minute, what=f"{what} for {address}")


def _start(
    request: Request, db: DbDep, settings: Settings, wired: AccessWiring, user_id: int
) -> str:
    """A new session of ``user_id``; the sign-in is published (the audit log records it)."""
    lifetime = timedelta(hours=settings.session_lifetime_hours)
    raw = sessions.start(db, user_id=user_id, lifetime=lifetime)
    idle = timedelta(minutes=settings.session_idle_minutes)
    principal = sessions.principal_of(db, raw, idle=idle, person_name=wired.person_name)
    who = request_acting(request, principal, via="web")
    publish_sign_in(db, SignedIn("user", user_id, principal.email or principal.name, who))
    return raw


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, settings: SettingsDep, next: str = "/incidents", notice: str = ""
) -> Response:
    return _page(request, settings, "login.html", next=_safe_next(next), notice=notice[:200])


@router.post("/login", dependencies=[SIGN_IN_LIMIT])
async def login(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    wired: Wiring,
    email: Annotated[str, Form(max_length=320)],
    password: Secret,
    next: Next = "/incidents",
) -> Response:
    await csrf.check(request)
    try:
        _count_address(request, settings, email, "sign-in attempts")
        user_id = await run_in_threadpool(
            accounts.check_password, db, email=email, password=password
        )
    except TocsinError as exc:
        again = {"next": _safe_next(next), "error": exc.message, "email": email[:320]}
        return _page(request, settings, "login.html", exc.status, **again)
    await run_in_threadpool(sessions.end, db, request.cookies.get(COOKIE))  # no fixation
    raw = await run_in_threadpool(_start, request, db, settings, wired, user_id)
    return _signed_in(request, settings, raw, next)


@router.post("/logout")
async def logout(request: Request, db: DbDep) -> Response:
    await csrf.check(request)
    await run_in_threadpool(sessions.end, db, request.cookies.get(COOKIE))
    response = RedirectResponse("/login?notice=signed-out", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, principal: PagePrincipal, notice: str = "") -> Response:
    context = {"principal": principal, "error": None, "notice": notice[:200]}
    return templates.TemplateResponse(request, "account.html", context)


@router.post("/account/password")
def change_password(
    request: Request,
    db: DbDep,
    principal: PagePrincipal,
    current_password: Secret,
    new_password: Secret,
) -> Response:
    assert principal.user_id is not None  # a session's principal is a user
    try:
        accounts.change_password(
            db,
            user_id=principal.user_id,
            current=current_password,
            new=new_password,
            keep_session=principal.session_id,
        )
    except TocsinError as exc:
        context = {"principal": principal, "error": exc.message, "notice": ""}
        return templates.TemplateResponse(request, "account.html", context, status_code=400)
    return RedirectResponse("/account?notice=password-changed", status_code=303)


@router.post("/account/time-zone")
def set_time_zone(
    request: Request,
    db: DbDep,
    principal: PagePrincipal,
    time_zone: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    assert principal.user_id is not None  # a session's principal is a user
    try:
        accounts.set_time_zone(db, user_id=principal.user_id, time_zone=time_zone)
    except TocsinError as exc:
        context = {"principal": principal, "error": exc.message, "notice": ""}
        return templates.TemplateResponse(request, "account.html", context, status_code=400)
    return RedirectResponse("/account?notice=time-zone-set", status_code=303)


# ---------------------------------------------------------------- reset and invitation


def mail_link(wired: AccessWiring, to: str, subject: str, text: str) -> None:
    if (problem := wired.send_mail(to, subject, text)) is not None:
        log.warning("account mail to %s not sent: %s", to, problem)


@router.get("/reset", response_class=HTMLResponse)
def reset_form(request: Request, settings: SettingsDep) -> Response:
    return _page(request, settings, "reset_request.html", sent=False)


@router.post("/reset", dependencies=[RESET_LIMIT])
async def request_reset(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    wired: Wiring,
    background: BackgroundTasks,
    email: Annotated[str, Form(max_length=320)],
) -> Response:
    """The same answer whether or not the address has an account; the mail goes after it."""
    await csrf.check(request)
    _count_address(request, settings, email, "reset requests")
    ttl = timedelta(minutes=settings.password_reset_minutes)
    found = await run_in_threadpool(accounts.request_reset, db, email=email, ttl=ttl)
    if found is not None:
        address, raw = found
        url = f"{settings.base_url}/reset/{raw}"
        minutes = round(settings.password_reset_minutes)
        text = (
            f"Someone (we hope you) asked to reset the password of {address} on Tocsin.\n\n"
            f"Set a new password: {url}\n\nThe link works once, for {minutes} minutes. "
            "If you did not ask, ignore this mail: your password stays as it is."
        )
        background.add_task(mail_link, wired, address, "Reset your Tocsin password", text)
    return _page(request, settings, "reset_request.html", sent=True)


def _link_page(
    request: Request, db: DbDep, settings: Settings, raw: str, purpose: accounts.Purpose
) -> Response:
    try:
        user = accounts.link_user(db, raw=raw, purpose=purpose)
    except TocsinError as exc:
        return _page(request, settings, "error.html", 404, status=404, message=exc.message)
    return _page(request, settings, "set_password.html", user=user, purpose=purpose)


async def _use_link(
    request: Request,
    db: DbDep,
    settings: Settings,
    wired: AccessWiring,
    raw: str,
    purpose: accounts.Purpose,
    password: str,
) -> Response:
    await csrf.check(request)
    try:
        user_id = await run_in_threadpool(
            accounts.use_link, db, raw=raw, purpose=purpose, password=password
        )
    except TocsinError as exc:
        try:
            user = await run_in_threadpool(accounts.link_user, db, raw=raw, purpose=purpose)
        except TocsinError:
            return _page(request, settings, "error.html", 404, status=404, message=exc.message)
        values = {"user": user, "purpose": purpose, "error": exc.message}
        return _page(request, settings, "set_password.html", exc.status, **values)
    raw_session = await run_in_threadpool(_start, request, db, settings, wired, user_id)
    return _signed_in(request, settings, raw_session, "/incidents")


@router.get("/reset/{token}", response_class=HTMLResponse)
def reset_password_form(request: Request, db: DbDep, settings: SettingsDep, token: str) -> Response:
    return _link_page(request, db, settings, token, "reset")


@router.post("/reset/{token}")
async def reset_password(
    request: Request, db: DbDep, settings: SettingsDep, wired: Wiring, token: str, password: Secret
) -> Response:
    return await _use_link(request, db, settings, wired, token, "reset", password)


@router.get("/invite/{token}", response_class=HTMLResponse)
def invitation_form(request: Request, db: DbDep, settings: SettingsDep, token: str) -> Response:
    return _link_page(request, db, settings, token, "invite")


@router.post("/invite/{token}")
async def accept_invitation(
    request: Request, db: DbDep, settings: SettingsDep, wired: Wiring, token: str, password: Secret
) -> Response:
    return await _use_link(request, db, settings, wired, token, "invite", password)
