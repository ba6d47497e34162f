"""The pages of sign-in with OpenID Connect (:mod:`tocsin.access.oidc`).

``GET /login/oidc`` sends the browser to the provider; the provider sends it back to
``GET /login/oidc/callback``, which starts the same session a password sign-in does (the
same rate limits, the same published sign-in). Every failure is the sign-in page, naming
what went wrong; nothing here is a 500.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tocsin.access import accounts, oidc, sessions
from tocsin.access.pages import (
    SIGN_IN_LIMIT,
    Wiring,
    _count_address,
    _page,
    _safe_next,
    _secure,
    _signed_in,
    _start,
)
from tocsin.config import Settings
from tocsin.core.roles import AccessRole
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import NotFound, TocsinError

router = APIRouter(include_in_schema=False)
NOT_CONFIGURED = "sign-in with OpenID Connect is not set up here (TOCSIN_OIDC_ISSUER)"


def _refused(request: Request, settings: Settings, exc: TocsinError, next_page: str) -> Response:
    response = _page(request, settings, "login.html", exc.status, next=next_page, error=exc.message)
    response.delete_cookie(oidc.COOKIE, path="/login/oidc")
    return response


@router.get("/login/oidc")
async def oidc_start(request: Request, settings: SettingsDep, next: str = "/incidents") -> Response:
    if not settings.oidc_enabled:
        raise NotFound(NOT_CONFIGURED)
    target = _safe_next(next[:2000])
    try:
        url, pending = await oidc.start(settings, target)
    except TocsinError as exc:
        return _refused(request, settings, exc, target)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        oidc.COOKIE,
        oidc.seal(settings, pending),
        max_age=int(oidc.PENDING_FOR.total_seconds()),
        path="/login/oidc",
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET: Lax sends it
        secure=_secure(request, settings),
    )
    return response


@router.get(oidc.CALLBACK, dependencies=[SIGN_IN_LIMIT])
async def oidc_callback(
    request: Request, db: DbDep, settings: SettingsDep, wired: Wiring
) -> Response:
    if not settings.oidc_enabled:
        raise NotFound(NOT_CONFIGURED)
    target = "/incidents"
    role = AccessRole(settings.oidc_create_users) if settings.oidc_create_users else None
    try:
        pending = oidc.unseal(settings, request.cookies.get(oidc.COOKIE))
        target = pending.next
        query = {key: value[:2000] for key, value in request.query_params.items()}
        identity = await oidc.finish(settings, pending, query)
        _count_address(request, settings, identity.email, "sign-in attempts")
        user_id = await run_in_threadpool(
            accounts.oidc_user,
            db,
            email=identity.email,
            create_as=role,
            created_by=f"oidc:{settings.oidc_issuer}",
        )
    except TocsinError as exc:
        return _refused(request, settings, exc, target)
    await run_in_threadpool(sessions.end, db, request.cookies.get(sessions.COOKIE))
    raw = await run_in_threadpool(_start, request, db, settings, wired, user_id)
    response = _signed_in(request, settings, raw, target)
    response.delete_cookie(oidc.COOKIE, path="/login/oidc")
    return response
