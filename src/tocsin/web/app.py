"""Builds the FastAPI application from settings and a database."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

from tocsin import __version__
from tocsin.access import api as access_api
from tocsin.access import oidc_pages as access_oidc_pages
from tocsin.access import pages as access_pages
from tocsin.access import service as access_service
from tocsin.access import sessions as access_sessions
from tocsin.access import token_pages as access_token_pages
from tocsin.access import users_api as access_users_api
from tocsin.access import users_pages as access_users_pages
from tocsin.access.service import Principal
from tocsin.alerts import api as alerts_api
from tocsin.alerts import ingest as alerts_ingest
from tocsin.alerts import integration_pages as alerts_integration_pages
from tocsin.alerts import pages as alerts_pages
from tocsin.alerts import silence_pages as alerts_silence_pages
from tocsin.assembly import Tocsin, assemble
from tocsin.audit import api as audit_api
from tocsin.audit import pages as audit_pages
from tocsin.checks import api as checks_api
from tocsin.config import Settings
from tocsin.config_as_code import api as config_as_code_api
from tocsin.db import Database
from tocsin.incidents import api as incidents_api
from tocsin.incidents import change_pages as incidents_change_pages
from tocsin.incidents import pages as incidents_pages
from tocsin.metrics import api as metrics_api
from tocsin.metrics import pages as metrics_pages
from tocsin.oncall import api as oncall_api
from tocsin.oncall import team_pages as oncall_team_pages
from tocsin.oncall.escalation import pages as policies_pages
from tocsin.oncall.escalation import service_pages as services_pages
from tocsin.oncall.people import pages as people_pages
from tocsin.oncall.schedules import pages as oncall_pages
from tocsin.paging import api as paging_api
from tocsin.paging import pages as paging_pages
from tocsin.postmortems import api as postmortems_api
from tocsin.postmortems import pages as postmortems_pages
from tocsin.recurrence import api as recurrence_api
from tocsin.reports import api as reports_api
from tocsin.reports import pages as reports_pages
from tocsin.statuspage import api as statuspage_api
from tocsin.statuspage import comms_api as statuspage_comms_api
from tocsin.statuspage import incident_pages as statuspage_incident_pages
from tocsin.statuspage import public as statuspage_public
from tocsin.statuspage.maintenance import api as maintenance_api
from tocsin.statuspage.subscribers import api as subscribers_api
from tocsin.statuspage.subscribers import pages as subscribers_pages
from tocsin.templating import STATIC
from tocsin.web import errors, health, openapi
from tocsin.web.guard import InputGuard
from tocsin.web.limits import BodyLimit
from tocsin.web.same_origin import SameOriginForms
from tocsin.worker.loop import Worker

DESCRIPTION = """Incident management in one process: alerts in (`/hooks/{key}`, PagerDuty
Events v2 at `/v2/enqueue`), deduplicated incidents with a lifecycle, roles, updates and a
timeline; on-call people, schedules, escalation policies and services; paging with every
delivery attempt recorded. Every `/api/v1` call needs an API token, `Authorization: Bearer
<token>` (create one with `tocsin token create`)."""

log = logging.getLogger("tocsin.web")
_CRASHED = json.dumps({"error": "internal_error", "message": errors.UNEXPECTED}).encode()


class TocsinApp(FastAPI):
    """FastAPI, with the alert ingest paths (/hooks, /v2/enqueue) and the public status
    documents (/api/v2/*.json) answered in front of it.

    Both are bare ASGI (the ingest behind its own body limit): no framework work per request.
    Any exception that gets this far ends here as a JSON 500 with ``Connection: close``; an
    exception left to the server would make it drop the connection after the answer, and
    the client's next request on that keep-alive connection would fail.
    """

    ingest: ASGIApp | None = None
    status_pages: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        if self.status_pages and statuspage_public.is_public(scope["path"]):
            # Bytes from memory, the hottest path there is: not wrapped (nothing there raises
            # but a bug, and the server still answers a 500 for one).
            await self.status_pages(scope, receive, send)
            return
        started = ended = False

        async def watched_send(message: Message) -> None:
            nonlocal started, ended
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                ended = True
            await send(message)

        try:
            if self.ingest and alerts_ingest.is_ingest(scope["path"]):
                await self.ingest(scope, receive, watched_send)
            else:
                await super().__call__(scope, receive, watched_send)
        except Exception:
            if ended:
                return  # FastAPI's handler logged it and answered 500 (errors.unexpected)
            if started:
                raise  # half a response is out: only dropping the connection ends it
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            await _crashed(send)


async def _crashed(send: Send) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_CRASHED)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": _CRASHED})


def runs_worker(settings: Settings, db: Database) -> bool:
    """``serve`` runs the worker in-process on the embedded default (SQLite) unless told."""
    return settings.run_worker == "yes" or (settings.run_worker == "auto" and db.is_sqlite)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    tocsin: Tocsin = app.state.tocsin
    ingest: alerts_ingest.Ingest = app.state.alerts_ingest
    worker = None
    if runs_worker(tocsin.settings, tocsin.db):
        worker = Worker(tocsin, busy=ingest.writer.busy)
    thread = None
    if worker:
        thread = threading.Thread(target=worker.run_forever, name="worker", daemon=True)
        thread.start()
    await asyncio.to_thread(tocsin.statuspage.start)  # from the database, else its file
    poller = asyncio.create_task(_poll_statuspage(tocsin))
    try:
        async with ingest.running():  # the alert batch writer
            yield
    finally:
        poller.cancel()
        if worker and thread:
            worker.stop()
            thread.join(timeout=10)


async def _poll_statuspage(tocsin: Tocsin) -> None:
    """Rebuild the status page's snapshot when another process changed its inputs."""
    while True:
        await asyncio.sleep(tocsin.settings.statuspage_poll_seconds)
        await asyncio.to_thread(tocsin.statuspage.poll)


def _reader(tocsin: Tocsin) -> statuspage_public.Authenticate:
    """Who reads an internal status page: a token's or a session's principal, checked off
    the event loop."""
    names = tocsin.access.person_name
    idle = timedelta(minutes=tocsin.settings.session_idle_minutes)

    async def authenticate(credential: statuspage_public.Credential | None) -> Principal:
        if credential is not None and credential[0] == "session":
            return await asyncio.to_thread(
                access_sessions.principal_of, tocsin.db, credential[1], idle=idle, person_name=names
            )
        token = credential[1] if credential else None
        return await asyncio.to_thread(
            access_service.authenticate, tocsin.db, token, cache=tocsin.tokens, person_name=names
        )

    return authenticate


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    """The web app, assembled (``tocsin.assembly``) on ``db`` or on the settings' database.

    The in-process worker of ``serve`` runs on the same assembly: ``app.state.tocsin``.
    """
    tocsin = assemble(settings, db or Database(settings.database_url))
    app = TocsinApp(
        title="Tocsin",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below from the packaged Swagger UI: no CDN, works offline
        redoc_url=None,
    )
    app.state.tocsin = tocsin
    errors.install(app)
    openapi.install(app)
    app.state.alerts_ingest = alerts_ingest.Ingest(tocsin.settings, tocsin.db, tocsin.ingest)
    app.ingest = BodyLimit(app.state.alerts_ingest, max_bytes=settings.max_body_bytes)
    app.status_pages = statuspage_public.StatusPages(tocsin.statuspage, _reader(tocsin))
    app.add_middleware(InputGuard)  # unstorable text → 422, before any route
    app.add_middleware(SameOriginForms, also=[settings.base_url])  # forged form posts → 403
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_path), name="swagger")
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Tocsin API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    for router in (
        access_api.router,
        access_users_api.router,
        access_users_pages.router,
        access_token_pages.router,
        incidents_api.router,
        paging_api.router,
        paging_pages.router,
        access_pages.router,
        access_oidc_pages.router,
        incidents_pages.router,
        incidents_change_pages.router,
        oncall_api.router,
        oncall_pages.router,
        oncall_team_pages.router,
        people_pages.router,
        policies_pages.router,
        services_pages.router,
        alerts_api.router,
        alerts_pages.router,
        alerts_integration_pages.router,
        alerts_silence_pages.router,
        checks_api.router,
        statuspage_api.router,
        statuspage_comms_api.router,
        statuspage_incident_pages.router,
        reports_api.router,
        reports_pages.router,
        maintenance_api.router,
        subscribers_api.router,
        subscribers_pages.router,
        postmortems_api.router,
        postmortems_pages.router,
        metrics_api.router,
        metrics_pages.router,
        recurrence_api.router,
        config_as_code_api.router,
        audit_api.router,
        audit_pages.router,
        health.router,
    ):
        app.include_router(router)
    return app


def app_from_environment() -> FastAPI:
    """The app of one ``tocsin serve --workers N`` process, from the ``TOCSIN_*`` settings."""
    return create_app(Settings())
