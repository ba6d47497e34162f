"""`tocsin serve`, `tocsin migrate`, and the command groups."""

from __future__ import annotations

import logging
import signal
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from tocsin.access import service as access_service
from tocsin.cli import alerts as alerts_cli
from tocsin.cli import incidents, tokens
from tocsin.cli import oncall as oncall_cli
from tocsin.config import Settings
from tocsin.db import Database, migrate
from tocsin.dbhealth import READ_ONLY
from tocsin.web.app import create_app
from tocsin.worker.loop import Worker

app = typer.Typer(
    help="Tocsin: incident management in one process.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(tokens.app, name="token")
app.add_typer(incidents.app, name="incident")
for _name, _group in alerts_cli.GROUPS:  # integration, silence, alert
    app.add_typer(_group, name=_name)
app.add_typer(oncall_cli.app, name="oncall")
console = Console(stderr=True)


@app.command("migrate")
def migrate_command() -> None:
    """Apply database migrations (serve does this too)."""
    settings = Settings()
    database = Database(settings.database_url)
    migrate(database)
    console.print(f"[green]Schema is up to date[/] on {database.engine.url.render_as_string()}")


@app.command()
def worker() -> None:
    """Run the background worker: escalation timers and notification delivery.

    Run as many as you like on PostgreSQL; they share the work without double-sending.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    database = Database(settings.database_url)
    migrate(database)
    runner = Worker(database, settings)
    signal.signal(signal.SIGTERM, lambda *_: runner.stop())
    console.print(f"Tocsin worker {runner.name} on {database.engine.url.render_as_string()}")
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop()


def database_warning(database: Database) -> str | None:
    """What ``serve`` says at start about a database that cannot do its job, or None."""
    outage = database.check()
    if outage is None:
        return None
    if outage.kind == READ_ONLY:
        effect = "pages and reads work; every write (alerts too) answers 503 until it is writable"
    else:
        effect = "requests answer 503 until it is back"
    return f"The database is {outage}: {effect}."


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Run the web process: API, web pages, ingestion."""
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    database = Database(settings.database_url)
    if warning := database_warning(database):
        console.print(f"[yellow]Warning:[/] {warning}")
    migrate(database)
    if access_service.count_active_tokens(database) == 0:
        console.print(
            "[yellow]No API tokens yet.[/] Create the first one with:\n"
            "  tocsin token create --name admin --role admin\n"
            "(same TOCSIN_DATABASE_URL), then use it as TOCSIN_TOKEN or sign in on the web page."
        )
    console.print(f"Tocsin on http://{settings.host}:{settings.port}  (API docs at /docs)")
    uvicorn.run(
        create_app(settings, database),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
    )
