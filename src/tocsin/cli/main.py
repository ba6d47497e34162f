"""`tocsin serve`, `tocsin migrate`, and the command groups.

The commands that talk to a server over HTTP are most of the CLI and start often (scripts,
shell loops), so this module and the command groups import only Typer, Rich and the pure
core at load time. The web app, the worker, SQLAlchemy, Uvicorn and Apprise are imported
inside the commands that run them; ``tests/cli/test_startup.py`` guards that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from tocsin import __version__
from tocsin.cli import alerts as alerts_cli
from tocsin.cli import demo as demo_cli
from tocsin.cli import incidents, tokens
from tocsin.cli import oncall as oncall_cli
from tocsin.cli import postmortems as postmortems_cli
from tocsin.cli import statuspage as statuspage_cli

if TYPE_CHECKING:
    from tocsin.db import Database

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
app.add_typer(statuspage_cli.app, name="statuspage")
app.add_typer(postmortems_cli.app, name="postmortem")
app.command("demo")(demo_cli.demo)
console = Console(stderr=True)


@app.command()
def version() -> None:
    """Print Tocsin's version."""
    print(__version__)


@app.command("migrate")
def migrate_command() -> None:
    """Apply database migrations (serve does this too)."""
    from tocsin.config import Settings
    from tocsin.db import Database, migrate

    settings = Settings()
    database = Database(settings.database_url)
    migrate(database)
    console.print(f"[green]Schema is up to date[/] on {database.engine.url.render_as_string()}")


@app.command()
def worker() -> None:
    """Run the background worker: escalation timers and notification delivery.

    Run as many as you like on PostgreSQL; they share the work without double-sending.
    """
    import logging
    import signal

    from tocsin.assembly import assemble
    from tocsin.config import Settings
    from tocsin.db import Database, migrate
    from tocsin.worker.loop import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    database = Database(settings.database_url)
    migrate(database)
    runner = Worker(assemble(settings, database))
    signal.signal(signal.SIGTERM, lambda *_: runner.stop())
    console.print(f"Tocsin worker {runner.name} on {database.engine.url.render_as_string()}")
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop()


def database_warning(database: Database) -> str | None:
    """What ``serve`` says at start about a database that cannot do its job, or None."""
    from tocsin.dbhealth import READ_ONLY

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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Processes answering on the one port (PostgreSQL only); each is a replica.",
        ),
    ] = 1,
) -> None:
    """Run the web process: API, web pages, ingestion."""
    import os

    import uvicorn

    from tocsin.access import service as access_service
    from tocsin.config import Settings
    from tocsin.db import Database, migrate
    from tocsin.web.app import create_app

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    database = Database(settings.database_url)
    if workers > 1 and database.is_sqlite:
        console.print(
            "[red]--workers needs PostgreSQL.[/] SQLite lets one process write at a time, so "
            "more processes would wait on its lock (alerts answering 503) rather than ingest "
            "more; run one process, or set TOCSIN_DATABASE_URL to PostgreSQL."
        )
        raise typer.Exit(2)
    if warning := database_warning(database):
        console.print(f"[yellow]Warning:[/] {warning}")
    migrate(database)  # once, here, before any worker process starts
    if access_service.count_active_tokens(database) == 0:
        console.print(
            "[yellow]No API tokens yet.[/] Create the first one with:\n"
            "  tocsin token create --name admin --role admin\n"
            "(same TOCSIN_DATABASE_URL), then use it as TOCSIN_TOKEN or sign in on the web page."
        )
    console.print(f"Tocsin on http://{settings.host}:{settings.port}  (API docs at /docs)")
    if workers == 1:
        uvicorn.run(
            create_app(settings, database),
            host=settings.host,
            port=settings.port,
            log_level="info",
            access_log=False,
        )
        return
    database.dispose()  # the worker processes open their own
    settings.secret_box  # noqa: B018  (makes the key file now, once, not in each process)
    # Each worker process builds its app from the environment (uvicorn starts them afresh).
    os.environ.update({f"TOCSIN_{k.upper()}": str(v) for k, v in overrides.items()})
    uvicorn.run(
        "tocsin.web.app:app_from_environment",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
    )
