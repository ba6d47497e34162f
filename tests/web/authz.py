"""The machinery of the authorization matrix (``tests/web/test_authorization.py``): who
calls (a column), what is called (a row), the objects the rows' paths name, and the verdict.

A row names the *need* of a route (``PUBLIC``, ``SIGNED_IN``, a role...); a caller holds a
set of needs it satisfies (its *grants*). Below the need the answer is a refusal of the
caller's kind: 401 from the API and a redirect to /login from a page for a caller nobody
knows, 403 for a signed-in one; at or above, anything but a refusal (a 404 or a 422 is
fine: the matrix is about who may ask, not whether the request is valid) and never a 500.
A caller kept from some objects altogether (a private incident's non-member) gets its
``refusal`` on every row naming them, and no answer of any row names them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

import httpx
from fastapi import FastAPI, routing
from starlette.routing import Mount

from tests.conftest import Api, csrf_of, user_email
from tocsin.access import accounts, sessions
from tocsin.access import service as access_service
from tocsin.access.csrf import token_for
from tocsin.access.schemas import UserOut
from tocsin.alerts.ingest import is_ingest
from tocsin.core.roles import AccessRole
from tocsin.statuspage.public import is_public

PUBLIC = "public"
"""Anyone, signed in or not (sign-in, health, the status pages, signed links)."""
INGEST = "ingest key"
"""An alert integration's key (in the path, a header or the body); no user's token."""
SIGNED_IN = "signed-in"
"""Any signed-in user or API token, whatever its role."""
VIEWER, RESPONDER, ADMIN = (role.value for role in AccessRole)
TEAM = "team config"
"""Configuration a team owns (a schedule, policy, service, its integrations, the team): an
admin, or a team admin of the owning team whose role is responder (docs/accounts.md)."""
SOME_TEAM = "some team's config"
"""A form to make configuration for a team: an admin, or a team admin of any team."""

ABSENT = "999999999"
"""A path id nothing has: an allowed caller gets a 404, and nothing is changed or deleted."""

Via = Literal["token", "session", "both"]
Fill = Mapping[str, str]
Body = Callable[[Fill], Any]


@dataclass(frozen=True)
class Caller:
    """A column of the matrix: who calls, and what that entitles it to.

    ``user`` is the test user (``tests.conftest.user_email``) whose API token and signed-in
    session make the calls; None calls with no credentials. ``key`` sends an integration's
    key as its bearer token. ``fills`` names, per path parameter, another object of the
    world for this caller's requests (team B's schedule for team A's admin, say).
    ``hides`` names the path parameters whose (filled) object the caller may not even know
    exists: every row naming one, unless public, answers ``refusal`` (a 404, as for a
    missing one), and no answer to the caller holds ``world.fill[unseen]`` (its title).
    """

    name: str
    grants: frozenset[str]
    user: str | None = None
    key: bool = False
    fills: Mapping[str, str] = field(default_factory=dict)
    hides: frozenset[str] = frozenset()
    refusal: int = 404
    unseen: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.user is not None


@dataclass(frozen=True)
class Route:
    """A row: one (method, path template) of the app and the least it needs.

    ``via`` is how a caller shows who it is: its API token, its session cookie (the pages),
    or each in turn. ``json``/``data`` make the body from the filled parameters (by default
    ``{}`` for an unsafe API call, an empty form for a page); ``fresh`` makes throwaway
    objects for a route that destroys what it names (and so must not touch the shared ones);
    ``refused`` is the status a route answers a caller below its need, where it is not the
    usual one (an ingest path's unknown key is a 404, say). ``stream`` marks a route whose
    answer never ends (a live stream): only its status and headers are read.
    """

    method: str
    path: str
    need: str
    via: Via | None = None
    url: str | None = None
    json: Body | None = None
    data: Body | None = None
    headers: Body | None = None
    fresh: Callable[[Api, Caller, World], dict[str, str]] | None = None
    refused: int | None = None
    stream: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    def how(self) -> list[Literal["token", "session"]]:
        via = self.via or ("token" if self.path.startswith("/api/") else "session")
        return ["token", "session"] if via == "both" else [via]


@dataclass
class Credentials:
    token: str | None = None
    session: str | None = None
    csrf: str | None = None
    pre_session: str | None = None  # an anonymous browser's CSRF cookie (the sign-in form)


@dataclass
class World:
    """The objects the rows' paths name, made once per server, and each caller's credentials."""

    api: Api
    fill: dict[str, str]
    credentials: dict[str, Credentials] = field(default_factory=dict)
    private: bool = False
    """Whether the schema has private incidents (the non-member's column runs only then)."""

    def filled(self, caller: Caller) -> dict[str, str]:
        """The path parameters of ``caller``'s requests: the world's, ``fills`` applied."""
        return {**self.fill, **{name: self.fill[other] for name, other in caller.fills.items()}}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path template) the app routes: its API routes, pages and mounts."""
    found: set[tuple[str, str]] = set()
    for route in routing.iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            found.add(("GET", str(route.path)))
            continue
        for method in route.methods or ():
            found.add((method, str(route.path)))
    return found


def front_path(path: str) -> bool:
    """Whether bare ASGI in front of FastAPI answers ``path`` (ingest, the status pages)."""
    return is_ingest(path) or is_public(path)


def matrix_user(api: Api, name: str) -> UserOut:
    """The user ``user_email(name)``: one per role from ``tests.conftest``; another caller's
    user is made by the ``world`` fixture before the credentials are."""
    return next(u for u in accounts.list_users(api.db) if u.email == user_email(name))


def new_session(api: Api, role: str) -> Credentials:
    """A signed-in session of the test user of ``role``, with its CSRF token."""
    raw = sessions.start(api.db, user_id=matrix_user(api, role).id, lifetime=timedelta(hours=1))
    return Credentials(session=raw, csrf=token_for(raw))


def credentials_of(api: Api, caller: Caller, integration_key: str) -> Credentials:
    if caller.user is None:  # a browser that has opened the sign-in form, or a sender
        with httpx.Client(base_url=api.url, timeout=30) as browser:
            form = browser.get("/login")
            csrf, pre_session = csrf_of(form.text), browser.cookies["tocsin_csrf"]
        token = integration_key if caller.key else None
        return Credentials(token=token, csrf=csrf, pre_session=pre_session)
    made = new_session(api, caller.user)
    user = matrix_user(api, caller.user)
    made.token = access_service.create_token(
        api.db, name=f"authz-{caller.name}", role=user.role, created_by="tests", user_id=user.id
    ).token
    return made


def _headers(credentials: Credentials, how: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    if how == "token" and credentials.token:
        headers["Authorization"] = f"Bearer {credentials.token}"
    cookies = []
    if how == "session" and credentials.session:
        cookies.append(f"tocsin_session={credentials.session}")
    if credentials.pre_session:
        cookies.append(f"tocsin_csrf={credentials.pre_session}")
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    if credentials.csrf:
        headers["X-CSRF-Token"] = credentials.csrf
    return headers


def _to_login(response: httpx.Response) -> bool:
    location = response.headers.get("location", "")
    return response.status_code in (302, 303, 307) and location.startswith("/login?next=")


def hidden(route: Route, caller: Caller) -> bool:
    """Whether ``route`` names an object ``caller`` may not know exists."""
    named = any(f"{{{name}}}" in route.path for name in caller.hides)
    return named and route.need not in (PUBLIC, INGEST)


def verdict(
    route: Route, caller: Caller, how: str, response: httpx.Response, world: World
) -> str | None:
    """None when ``response`` is what ``caller`` should get; else what is wrong."""
    status = response.status_code
    got = f"{status} {response.headers.get('location', '')}".strip()
    if status >= 500:
        return f"a {status}: {response.text[:200]}"
    if caller.unseen is not None and world.fill[caller.unseen] in response.text:
        return f"the answer names what the caller may not see: {response.text[:200]}"
    page = how == "session" and not route.path.startswith("/api/")
    if hidden(route, caller):  # as a missing one: a 404, or a page form's refusal shown
        location = response.headers.get("location", "")
        if status == caller.refusal or (page and status == 303 and "error=" in location):
            return None
        return f"expected {caller.refusal} (as for a missing one), got {got}"
    if route.need in caller.grants:
        refusals = {401, 403} | ({route.refused} if route.refused else set())
        if status in refusals or _to_login(response):
            return f"allowed, but refused with {got}: {response.text[:200]}"
        return None
    if route.refused is not None:
        expected = str(route.refused)
        return None if status == route.refused else f"expected {expected}, got {got}"
    if caller.signed_in:
        return None if status == 403 else f"expected 403, got {got}: {response.text[:200]}"
    if page:
        return None if _to_login(response) else f"expected a redirect to /login, got {got}"
    return None if status == 401 else f"expected 401, got {got}: {response.text[:200]}"


def call(
    client: httpx.Client, world: World, route: Route, caller: Caller, how: str
) -> httpx.Response:
    """Send ``route``'s request as ``caller`` (``how``: its token or its session)."""
    fill = world.filled(caller)
    credentials = world.credentials[caller.name]
    fill["key"] = world.fill["integration_key"] if caller.key else "tcn_not-an-integration-key"
    fill["email"] = user_email(caller.user or VIEWER)
    if route.fresh is not None:
        fill.update(route.fresh(world.api, caller, world))
        if "session" in fill and caller.user:  # a throwaway session (signing out ends it)
            credentials = new_session(world.api, caller.user)
    url = (route.url or route.path).format(**fill)
    kwargs: dict[str, Any] = {"headers": _headers(credentials, how)}
    if route.headers:
        kwargs["headers"].update(route.headers(fill))
    unsafe = route.method not in ("GET", "HEAD", "OPTIONS")
    if route.json is not None or (unsafe and route.data is None and url.startswith("/api/")):
        kwargs["json"] = route.json(fill) if route.json else {}
    elif route.data is not None or unsafe:
        kwargs["data"] = route.data(fill) if route.data else {"_": ""}
    world.api.tocsin.client_limits.clear()  # the public forms' per-address limits
    try:
        if not route.stream:
            return client.request(route.method, url, **kwargs)
        with client.stream(route.method, url, **kwargs) as streamed:  # its head, then close
            return httpx.Response(streamed.status_code, headers=streamed.headers)
    finally:
        client.cookies.clear()  # each request carries exactly its caller's credentials


def missing_rows(app: FastAPI, rows: Iterable[Route]) -> tuple[set[tuple[str, str]], set[str]]:
    """The app's routes no row names, and rows that name no route of the app."""
    keys = {row.key for row in rows}
    routes = app_routes(app)
    stale = {f"{m} {p}" for m, p in keys - routes if not front_path(p.split("{")[0])}
    return routes - keys, stale
