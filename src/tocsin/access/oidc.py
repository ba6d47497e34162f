"""Sign-in with OpenID Connect: the authorization-code flow with PKCE, state and nonce.

Authlib does the protocol (over httpx2, the HTTP client it prefers): discovery
(``<issuer>/.well-known/openid-configuration``), the authorization URL, the code exchange,
the ID token's signature (the provider's JWKS) and claims (iss, aud, exp, nonce). What the
flow must remember between the redirect to the provider and its callback (state, nonce,
PKCE verifier, where to go next) travels in a short-lived cookie sealed with the
deployment's secret key, so any replica can finish it.

What Tocsin adds: the address must be verified (``email_verified``) and belong to a user
(:func:`tocsin.access.accounts.oidc_user`).
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from joserfc.errors import JoseError

from tocsin import clock
from tocsin.config import Settings
from tocsin.crypto import SecretUnreadable
from tocsin.errors import BadRequest, Forbidden, TocsinError, Unauthorized

COOKIE = "tocsin_oidc"
CALLBACK = "/login/oidc/callback"
PENDING_FOR = timedelta(minutes=10)
TIMEOUT_SECONDS = 10.0
log = logging.getLogger("tocsin.access")


class ProviderFailed(TocsinError):
    """The provider did not answer, or answered with something unusable."""

    status = 502
    code = "bad_gateway"


@dataclass(frozen=True)
class Pending:
    """A started sign-in, waiting for the provider's callback."""

    state: str
    nonce: str
    verifier: str
    next: str
    started_at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class Identity:
    subject: str
    email: str


_clients: dict[tuple[str, str, str, str], StarletteOAuth2App] = {}


def _client(settings: Settings) -> StarletteOAuth2App:
    """The provider's client, one per configuration: its discovery document and keys are
    read once (again after a failure, and the keys when a token names an unknown one)."""
    secret = settings.oidc_client_secret.get_secret_value()
    key = (settings.oidc_issuer, settings.oidc_client_id, secret, settings.oidc_scopes)
    if key not in _clients:
        issuer = settings.oidc_issuer.rstrip("/")
        client: StarletteOAuth2App = OAuth().register(
            name="tocsin",
            client_id=settings.oidc_client_id,
            client_secret=secret,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.oidc_scopes,
                "code_challenge_method": "S256",
                "timeout": TIMEOUT_SECONDS,
            },
        )
        _clients[key] = client
    return _clients[key]


def redirect_uri(settings: Settings) -> str:
    return f"{settings.base_url}{CALLBACK}"


def _failed(settings: Settings, exc: Exception) -> ProviderFailed:
    """The message names the provider and the kind of failure, never a secret."""
    name = settings.oidc_name
    if isinstance(exc, httpx2.TransportError):
        problem = f"{name} ({settings.oidc_issuer}) did not answer: try again later"
    elif isinstance(exc, httpx2.HTTPStatusError):
        problem = f"{name} answered HTTP {exc.response.status_code}: try again later"
    elif isinstance(exc, AuthlibBaseError):
        problem = f"{name} refused the sign-in ({exc.error}): start again"
    else:
        problem = f"{name} sent an answer that is not valid ({type(exc).__name__}): start again"
    log.warning("OpenID Connect sign-in failed: %s", problem)
    return ProviderFailed(problem)


PROVIDER_ERRORS = (httpx2.HTTPError, AuthlibBaseError, JoseError, ValueError, KeyError, TypeError)


async def start(settings: Settings, next_page: str) -> tuple[str, Pending]:
    """The provider's authorization URL to send the browser to, and what to remember."""
    try:
        found = await _client(settings).create_authorization_url(redirect_uri(settings))
    except (*PROVIDER_ERRORS, RuntimeError) as exc:
        raise _failed(settings, exc) from None
    pending = Pending(
        state=found["state"],
        nonce=found["nonce"],
        verifier=found["code_verifier"],
        next=next_page,
        started_at=clock.now().isoformat(),
    )
    return found["url"], pending


def seal(settings: Settings, pending: Pending) -> str:
    return settings.secret_box.seal(json.dumps(asdict(pending)))


def unseal(settings: Settings, sealed: str | None) -> Pending:
    """The pending sign-in of the cookie, or ``BadRequest``: missing, forged or too old."""
    again = (
        f"the sign-in with {settings.oidc_name} expired or began in another browser: start again"
    )
    if not sealed:
        raise BadRequest(again)
    try:
        pending = Pending(**json.loads(settings.secret_box.open(sealed)))
        started = datetime.fromisoformat(pending.started_at)
    except (SecretUnreadable, ValueError, TypeError):
        raise BadRequest(again) from None
    if clock.now() - started > PENDING_FOR:
        raise BadRequest(again)
    return pending


async def finish(settings: Settings, pending: Pending, query: dict[str, str]) -> Identity:
    """The verified identity of the provider's callback, or a ``TocsinError`` saying why not."""
    name = settings.oidc_name
    if "error" in query:
        reason = query.get("error_description") or query["error"]
        raise Unauthorized(f"{name} did not sign you in: {reason[:200]}")
    state, code = query.get("state", ""), query.get("code", "")
    if not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise BadRequest(f"state: the answer of {name} is not for this sign-in: start again")
    if not code:
        raise BadRequest(f"code: {name} sent no authorization code: start again")
    client = _client(settings)
    try:
        token = await client.fetch_access_token(
            redirect_uri=redirect_uri(settings), code=code, code_verifier=pending.verifier
        )
        claims: dict[str, Any] = dict(await client.parse_id_token(token, nonce=pending.nonce))
        if "email" not in claims and "userinfo_endpoint" in client.server_metadata:
            info = dict(await client.userinfo(token=token))
            if info.get("sub") != claims.get("sub"):
                raise ValueError("userinfo is about another subject")
            claims = {**info, **claims}
    except PROVIDER_ERRORS as exc:
        raise _failed(settings, exc) from None
    return _identity(settings, claims)


def _identity(settings: Settings, claims: dict[str, Any]) -> Identity:
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        raise Forbidden(f"{settings.oidc_name} did not tell your mail address (scope email)")
    if claims.get("email_verified") not in (True, "true"):
        raise Forbidden(
            f"{settings.oidc_name} has not verified your mail address {email}: verify it "
            "there, then sign in again"
        )
    return Identity(subject=str(claims.get("sub", "")), email=email)
