"""Cross-site request forgery: every form that changes something carries a token.

The token is an HMAC of a secret the browser holds in an HttpOnly cookie: the session id
once signed in, else a random pre-session cookie (``tocsin_csrf``, set by the sign-in,
reset and invitation pages). Another site can make the browser send the cookie, but cannot
read it or the page, so it cannot write the token into its forged form. A script sends the
same token in the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from tocsin.access.sessions import COOKIE as SESSION_COOKIE
from tocsin.errors import Forbidden

COOKIE = "tocsin_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MISSING = "CSRF check failed: the form carries no CSRF token; reload the page and submit again"
MISMATCH = (
    "CSRF check failed: the CSRF token of the form does not belong to this browser session; "
    "reload the page and submit again"
)


def token_for(seed: str) -> str:
    return hmac.new(seed.encode(), b"tocsin-csrf-v1", hashlib.sha256).hexdigest()


def _seeds(request: Request) -> list[str]:
    state = getattr(request.state, "csrf_seed", None)
    found = [state, request.cookies.get(SESSION_COOKIE), request.cookies.get(COOKIE)]
    return [seed for seed in found if seed]


def form_token(request: Request) -> str:
    """The token a page writes into its forms (a Jinja global: ``csrf_token(request)``)."""
    seeds = _seeds(request)
    if not seeds:  # a page without a cookie yet: give it one (see ``set_cookie``)
        request.state.csrf_seed = secrets.token_urlsafe(32)
        seeds = [request.state.csrf_seed]
    return token_for(seeds[0])


def set_cookie(request: Request, response: Response, *, secure: bool) -> None:
    """Give the browser the pre-session cookie the page's token was made from, if new."""
    seed = getattr(request.state, "csrf_seed", None)
    if seed and seed != request.cookies.get(COOKIE):
        response.set_cookie(COOKIE, seed, httponly=True, samesite="lax", secure=secure)


async def check(request: Request) -> None:
    """Refuse (403, naming why) a state-changing request without this browser's token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(HEADER)
    if not sent:
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    if not sent:
        raise Forbidden(MISSING, field=FIELD)
    if not any(hmac.compare_digest(sent, token_for(seed)) for seed in _seeds(request)):
        raise Forbidden(MISMATCH, field=FIELD)
