"""The ingest endpoints as bare ASGI, in front of FastAPI: ``/hooks/...`` and ``/v2/enqueue``.

No framework work per request: read the body, find the integration by the SHA-256 of its key
(cached), parse with msgspec (``tocsin.alerts.sources``), take tokens from the integration's
bucket, hand the alerts to the batch writer and answer once their commit is done.

    POST /hooks/{key}             Alertmanager, Grafana, generic (and PagerDuty-shaped) bodies
    POST /hooks                   the same, with ``Authorization: Bearer <key>``
    GET|POST /hooks/{key}/heartbeat   record a heartbeat (also /hooks/heartbeat with Bearer)
    POST /v2/enqueue              PagerDuty Events API v2 (``routing_key`` in the body)

Old tools' URLs, for an integration that keeps the tool's key (``legacy_key``), so that a
sender moved to Tocsin only changes the host:

    POST /integrations/v1/{kind}/{token}/      Grafana OnCall, parsed by the integration's kind
    POST /v2/alerts                            Opsgenie Alert API (``Authorization: GenieKey``)
    POST /v2/alerts/{alias}/close|acknowledge  ``?identifierType=alias``
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs

import msgspec
from starlette.types import Receive, Scope, Send

from tocsin import clock
from tocsin.alerts import integrations
from tocsin.alerts.batch_writer import BatchWriter
from tocsin.alerts.integration_cache import IntegrationInfo
from tocsin.alerts.outcomes import Answer
from tocsin.alerts.processing import Job
from tocsin.alerts.sources import PARSERS, opsgenie, pagerduty
from tocsin.alerts.state import IngestState
from tocsin.config import Settings
from tocsin.core.alerts import AlertAction, InvalidAlert, NormalizedAlert, alert_problem
from tocsin.db import Database
from tocsin.errors import (
    RETRY_AFTER_SECONDS,
    BadRequest,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    RateLimited,
    TocsinError,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
)

Response = tuple[int, bytes, Sequence[tuple[bytes, bytes]]]
_encode = msgspec.json.encode
_JSON = (b"content-type", b"application/json")
_RETRY = (b"retry-after", str(RETRY_AFTER_SECONDS).encode())
ONCALL_PREFIX = "/integrations/v1/"
_OPSGENIE_ACTIONS = {"close": AlertAction.RESOLVE, "acknowledge": AlertAction.ACKNOWLEDGE}


class Refused(Exception):
    """A request answered with an error before anything is stored."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _error(error: TocsinError) -> Refused:
    """The project's error, in the same JSON shape as every other route's."""
    headers = [(b"www-authenticate", b"Bearer")] if error.status == 401 else []
    if error.status in (429, 503):
        headers.append(_RETRY)
    return Refused((error.status, _encode(error.body()), headers))


def _pd(status: int, body: bytes, *extra: tuple[bytes, bytes]) -> Refused:
    return Refused((status, body, extra))


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _query(scope: Scope, name: str) -> str | None:
    values = parse_qs(bytes(scope.get("query_string") or b"").decode("latin-1")).get(name)
    return values[0] if values else None


def _is_json(scope: Scope) -> bool:
    value = _header(scope, b"content-type")
    if value is None:
        return False
    media = value.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _error(BadRequest("the client went away before the body arrived", field="body"))
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


class Ingest:
    """Owns the writer; answers the ingest routes."""

    def __init__(self, settings: Settings, db: Database, state: IngestState) -> None:
        self.db = db
        self.state = state
        self.integrations, self.limits = state.integrations, state.limits
        self.writer = BatchWriter(db, state, max_commit_alerts=settings.ingest_max_commit_alerts)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # The database being out is in its health log already; then the first batch loads.
        with contextlib.suppress(Unavailable):
            await asyncio.to_thread(self.state.warm, self.db)
        self.writer.start()
        try:
            yield
        finally:
            await asyncio.to_thread(self.writer.stop)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry for the ingest paths (see :func:`is_ingest`)."""
        try:
            status, body, headers = await self._route(scope, receive)
        except Refused as refused:
            status, body, headers = refused.response
        head = [_JSON, (b"content-length", str(len(body)).encode()), *headers]
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": body})

    async def _route(self, scope: Scope, receive: Receive) -> Response:
        path: str = scope["path"].rstrip("/") or "/"
        method: str = scope["method"]
        if path == "/v2/enqueue":
            return await self._enqueue(scope, receive, method)
        if path == "/v2/change/enqueue":
            body = _encode({"status": "unsupported", "message": "change events are not stored"})
            raise _pd(501, body)
        if path == "/v2/alerts" or path.startswith("/v2/alerts/"):
            return await self._opsgenie(scope, receive, method, path)
        if path.startswith(ONCALL_PREFIX.rstrip("/")):
            return await self._oncall(scope, receive, method, path)
        parts = path.split("/")[2:]  # "/hooks/a/b" -> ["a", "b"]
        known = len(parts) < 2 or (len(parts) == 2 and parts[1] == "heartbeat")
        if path.startswith("/v2/") or not known:
            raise _error(NotFound(f"no ingest route {path}"))
        if parts in ([], ["heartbeat"]):
            integration = await self._by_bearer(scope)
        else:
            integration = await self._by_path_key(parts[0])
        if parts[-1:] == ["heartbeat"] or integration.kind == "heartbeat":
            if method not in ("GET", "POST", "PUT", "HEAD"):
                raise _error(MethodNotAllowed("use GET or POST", field="method"))
            return await self._beat(integration)
        if method not in ("POST", "PUT"):
            raise _error(MethodNotAllowed("send alerts with POST", field="method"))
        return await self._hook(scope, receive, integration)

    # ------------------------------------------------------------ finding the integration

    async def _find(self, key: str, *, pagerduty_style: bool = False) -> IntegrationInfo | None:
        key_digest = integrations.digest(key)
        cached, info = self.integrations.cached(key_digest)
        if cached:
            return info
        try:
            return await asyncio.to_thread(
                integrations.find_by_digest, self.db, self.state, key_digest
            )
        except Unavailable as unavailable:  # the database is out (logged once, by its Health)
            raise _unavailable(unavailable.message, pagerduty_style) from None

    async def _by_path_key(self, key: str) -> IntegrationInfo:
        info = await self._find(key) if 0 < len(key) <= 200 else None
        if info is None:
            raise _error(NotFound("no active integration has this key", field="key"))
        return info

    async def _by_bearer(self, scope: Scope) -> IntegrationInfo:
        header = (_header(scope, b"authorization") or b"").decode("latin-1")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise _error(Unauthorized("send Authorization: Bearer <integration key>"))
        info = await self._find(key.strip()) if len(key) <= 200 else None
        if info is None:
            raise _error(Unauthorized("no active integration has this key", field="key"))
        return info

    # ------------------------------------------------------------ the routes

    async def _beat(self, integration: IntegrationInfo) -> Response:
        job = await self._store(Job(integration, beat=True))
        body = {"status": "ok", "integration": integration.id, "alerts": _outcomes(job)}
        return 200, _encode(body), ()

    async def _hook(self, scope: Scope, receive: Receive, integration: IntegrationInfo) -> Response:
        body = await _read_body(receive)
        if not _is_json(scope):
            raise _error(
                UnsupportedMediaType("send Content-Type: application/json", field="content-type")
            )
        parse = PARSERS.get(integration.kind)
        if parse is None:
            raise _error(NotFound(f"a {integration.kind} integration takes no alerts"))
        try:
            found = parse(body, now=clock.now(), mapping=integration.mapping)
        except InvalidAlert as invalid:
            kind = BadRequest if invalid.field == "body" else InvalidInput
            refusal = kind(str(invalid), field=invalid.field, errors=invalid.errors)
            raise _error(refusal) from None
        found, refused = _screen(found)
        if refused and not found:
            messages = [f"{r['field']}: {r['message']}" for r in refused]
            raise _error(InvalidInput(messages[0], field=refused[0]["field"], errors=messages))
        self._limit(integration, found, pagerduty_style=False)
        job = await self._store(Job(integration, found)) if found else Job(integration)
        answer: dict[str, Any] = {"status": "ok", "alerts": _outcomes(job)}
        if refused:
            answer["refused"] = refused
        return 200, _encode(answer), ()

    async def _oncall(self, scope: Scope, receive: Receive, method: str, path: str) -> Response:
        """Grafana OnCall's ``/integrations/v1/<kind>/<token>/``: the integration whose old
        key is ``<token>``, its body read by that integration's own kind."""
        parts = path[len(ONCALL_PREFIX) :].split("/") if path.startswith(ONCALL_PREFIX) else []
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "heartbeat"):
            raise _error(NotFound(f"no ingest route {path}; use /integrations/v1/<kind>/<token>/"))
        token = parts[1]
        integration = await self._find(token) if 0 < len(token) <= 200 else None
        if integration is None:
            raise _error(Unauthorized("no active integration has this token", field="token"))
        if parts[-1] == "heartbeat" or integration.kind == "heartbeat":
            if method not in ("GET", "POST", "PUT", "HEAD"):
                raise _error(MethodNotAllowed("use GET or POST", field="method"))
            return await self._beat(integration)
        if method not in ("POST", "PUT"):
            raise _error(MethodNotAllowed("send alerts with POST", field="method"))
        return await self._hook(scope, receive, integration)

    async def _opsgenie(self, scope: Scope, receive: Receive, method: str, path: str) -> Response:
        """Opsgenie's Alert API for the integration whose old key is the ``GenieKey``."""
        started = time.monotonic()

        def refuse(status: int, message: str, field: str | None = None) -> Refused:
            headers = [(b"www-authenticate", b"GenieKey")] if status == 401 else []
            if status in (429, 503):
                headers.append(_RETRY)
            took = time.monotonic() - started
            return Refused((status, opsgenie.error_body(message, field, took), headers))

        parts = path.split("/")[3:]  # "/v2/alerts/a/close" -> ["a", "close"]
        action: AlertAction | None = None
        if parts:
            if len(parts) != 2 or parts[1] not in _OPSGENIE_ACTIONS:
                known = "POST /v2/alerts, /v2/alerts/{alias}/close or /acknowledge"
                raise refuse(404, f"no ingest route {path}; Tocsin takes {known}")
            action = _OPSGENIE_ACTIONS[parts[1]]
        if method != "POST":
            raise refuse(405, "send alerts with POST", "method")
        header = (_header(scope, b"authorization") or b"").decode("latin-1")
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "geniekey" or not key:
            raise refuse(401, "send Authorization: GenieKey <key>", "authorization")
        try:
            integration = await self._find(key) if len(key) <= 200 else None
        except Refused:
            raise refuse(503, "the database is unavailable; retry") from None
        if integration is None:
            raise refuse(401, "no active integration has this key", "authorization")
        body = await _read_body(receive)
        if body.strip() and not _is_json(scope):
            raise refuse(415, "send Content-Type: application/json", "content-type")
        try:
            if action is None:
                alert = opsgenie.parse_create(body)
            else:
                kind = _query(scope, "identifierType") or "id"
                if kind != "alias":
                    message = "Tocsin finds alerts by alias; send ?identifierType=alias"
                    raise refuse(422, f"identifierType: {message}", "identifierType")
                alert = opsgenie.parse_action(body, parts[0], action)
        except InvalidAlert as invalid:
            raise refuse(422, f"{invalid.field}: {invalid.message}", invalid.field) from None
        if problem := alert_problem(alert):
            raise refuse(422, f"{problem.field}: {problem.message}", problem.field)
        if not self.limits.allow(integration, 1):
            limit = integration.rules.rate_limit_per_minute
            raise refuse(429, f"over the rate limit of {limit} events a minute; retry later")
        try:
            await self._store(Job(integration, [alert]))
        except Refused:
            raise refuse(503, "the alert could not be stored; retry") from None
        return 202, opsgenie.accepted_body(time.monotonic() - started), ()

    async def _enqueue(self, scope: Scope, receive: Receive, method: str) -> Response:
        if method != "POST":
            raise _pd(405, pagerduty.invalid_body(["Events are sent with POST"]))
        body = await _read_body(receive)
        if not _is_json(scope):
            errors = ["Content-Type must be application/json"]
            raise _pd(415, pagerduty.invalid_body(errors))
        try:
            routing_key, alert = pagerduty.parse_event(body, clock.now())
        except InvalidAlert as invalid:
            raise _pd(400, pagerduty.error_body(invalid)) from None
        if problem := alert_problem(alert):
            raise _pd(400, pagerduty.invalid_body([f"'{problem.field}' {problem.message}"]))
        integration = await self._find(routing_key, pagerduty_style=True)
        if integration is None:
            errors = ["Invalid routing key: 'routing_key' matches no active integration"]
            raise _pd(400, pagerduty.invalid_body(errors))
        self._limit(integration, [alert], pagerduty_style=True)
        await self._store(Job(integration, [alert]), pagerduty_style=True)
        return 202, pagerduty.accepted_body(alert.dedup_key), ()

    def _limit(
        self,
        integration: IntegrationInfo,
        found: Sequence[NormalizedAlert],
        *,
        pagerduty_style: bool,
    ) -> None:
        if self.limits.allow(integration, len(found)):
            return
        limit = integration.rules.rate_limit_per_minute
        if pagerduty_style:
            raise _pd(429, pagerduty.throttled_body(), _RETRY)
        message = f"over the rate limit of {limit} events a minute of this integration; retry later"
        raise _error(RateLimited(message, field="rate_limit_per_minute", limit=limit))

    async def _store(self, job: Job, *, pagerduty_style: bool = False) -> Job:
        if not self.writer.running:
            raise _unavailable("alert ingest is not running", pagerduty_style)
        done = await self.writer.submit(job)
        if isinstance(done.error, Unavailable):
            raise _unavailable(done.error.message, pagerduty_style)
        if done.error is not None:
            raise _unavailable("the alert could not be stored; retry", pagerduty_style)
        return done


def _unavailable(message: str, pagerduty_style: bool) -> Refused:
    if pagerduty_style:
        return _pd(503, _encode({"status": "error", "message": message}), _RETRY)
    return _error(Unavailable(message))


def _screen(
    found: Sequence[NormalizedAlert],
) -> tuple[list[NormalizedAlert], list[dict[str, Any]]]:
    """The alerts that can be stored, and a refusal for each one that cannot.

    One alert's unstorable text refuses that alert only: its neighbours in the same
    notification are stored, and the answer lists what was refused and why.
    """
    kept: list[NormalizedAlert] = []
    refused: list[dict[str, Any]] = []
    for index, alert in enumerate(found):
        problem = alert_problem(alert)
        if problem is None:
            kept.append(alert)
        else:
            field = problem.within(f"alerts[{index}]").field
            refused.append({"index": index, "field": field, "message": problem.message})
    return kept, refused


def _outcomes(job: Job) -> list[Answer]:
    return [outcome.answer() for outcome in job.outcomes]


def is_ingest(path: str) -> bool:
    """Whether :class:`Ingest` answers ``path`` (the web app sends it there)."""
    return path.startswith(("/hooks/", "/v2/", ONCALL_PREFIX)) or path in (
        "/hooks",
        ONCALL_PREFIX.rstrip("/"),
    )
