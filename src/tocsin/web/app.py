"""Builds the FastAPI application from settings and a database."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tocsin import __version__
from tocsin.access import api as access_api
from tocsin.access import pages as access_pages
from tocsin.config import Settings
from tocsin.db import Database
from tocsin.incidents import api as incidents_api
from tocsin.incidents import pages as incidents_pages
from tocsin.templating import STATIC
from tocsin.web import errors
from tocsin.web.limits import BodyLimit

DESCRIPTION = """Incident management: declare incidents, move them through their lifecycle,
assign roles, post updates, and read the timeline. Every call needs an API token:
`Authorization: Bearer <token>` (create one with `tocsin token create`)."""


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    app = FastAPI(title="Tocsin", version=__version__, description=DESCRIPTION)
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in (
        access_api.router,
        incidents_api.router,
        access_pages.router,
        incidents_pages.router,
    ):
        app.include_router(router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
