"""`tocsin serve`, `tocsin migrate`, and the command groups.

The commands that talk to a server over HTTP are most of the CLI and start often (scripts,
shell loops), so this module and the command groups import only Typer, Rich and the pure
core at load time. The web app, the worker, SQLAlchemy, Uvicorn and Apprise are imported
inside the commands that run them; ``tests/cli/test_startup.py`` guards that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from tocsin import __version__
from tocsin.cli import alerts as alerts_cli
from tocsin.cli import audit as audit_cli
from tocsin.cli import client, incidents, tokens, users
from tocsin.cli import config as config_cli
from tocsin.cli import context as context_cli
from tocsin.cli import demo as demo_cli
from tocsin.cli import directory as directory_cli
from tocsin.cli import importers as importers_cli
from tocsin.cli import oncall as oncall_cli
from tocsin.cli import postmortems as postmortems_cli
from tocsin.cli import statuspage as statuspage_cli
from tocsin.cli import teams as teams_cli
from tocsin.cli.output import examples

if TYPE_CHECKING:
    from tocsin.db import Database

GLOBAL_FLAGS = ("--url", "--token", "--context")


def hoist_global_flags(root: Any, args: list[str]) -> list[str]:
    """``incident list --url X`` → ``--url X incident list``: the flags work anywhere, like gh's.

    A flag the command has itself (``context add --url``, ``statuspage export --url``) stays
    the command's; nothing after ``--`` moves.
    """
    command, position = root, 0
    while position < len(args) and hasattr(command, "commands"):
        word = args[position]
        if word in GLOBAL_FLAGS:
            position += 2
        elif word.startswith("-"):
            position += 1
        elif word in command.commands:
            command, position = command.commands[word], position + 1
        else:
            return args
    own = {opt for param in getattr(command, "params", []) for opt in getattr(param, "opts", [])}
    front: list[str] = []
    rest: list[str] = args[:position]
    tail = args[position:]
    i = 0
    while i < len(tail):
        word = tail[i]
        name = word.split("=", 1)[0]
        if word == "--":
            rest += tail[i:]
            break
        if name in GLOBAL_FLAGS and name not in own and ("=" in word or i + 1 < len(tail)):
            if "=" in word:
                front.append(word)
                i += 1
            else:
                front += tail[i : i + 2]
                i += 2
            continue
        rest.append(word)
        i += 1
    return front + rest


class _Root(TyperGroup):
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_flags(self, args))


app = typer.Typer(
    cls=_Root,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(tokens.app, name="token")
app.add_typer(users.app, name="user")
app.add_typer(incidents.app, name="incident")
for _name, _group in alerts_cli.GROUPS:  # integration, silence, alert
    app.add_typer(_group, name=_name)
app.add_typer(oncall_cli.app, name="oncall")
for _name, _group in directory_cli.GROUPS:  # person, schedule, override, policy, service
    app.add_typer(_group, name=_name)
app.add_typer(teams_cli.app, name="team")
app.add_typer(context_cli.app, name="context")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(statuspage_cli.app, name="statuspage")
app.add_typer(postmortems_cli.app, name="postmortem")
app.command("demo", epilog=examples("tocsin demo", "tocsin demo --seed 7 --force"))(demo_cli.demo)
app.add_typer(config_cli.app, name="config")
app.command(
    "apply",
    epilog=examples("tocsin apply tocsin.yaml --dry-run", "tocsin apply tocsin.yaml --prune"),
)(config_cli.apply)
app.command("export", epilog=examples("tocsin export -o tocsin.yaml"))(config_cli.export)
app.command(
    "import",
    epilog=examples(
        "tocsin import pagerduty --api-key $PD_KEY -f tocsin.yaml --verify 4",
        "tocsin import opsgenie --from backup/ -f tocsin.yaml",
        "tocsin import grafana-oncall --api-key $KEY --base-url https://oncall.example/api/v1",
    ),
)(importers_cli.import_config)
console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        print(__version__)
        raise typer.Exit()


@app.callback(
    epilog=examples(
        "tocsin incident list",
        "tocsin --url https://tocsin.example.com --token $TOKEN incident show INC-4 -o yaml",
        "tocsin --context staging oncall now",
    )
)
def main_options(
    url: Annotated[
        str | None,
        typer.Option(
            help="The server (else TOCSIN_URL, the context's, http://127.0.0.1:8080).",
            show_default=False,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(help="An API token (else TOCSIN_TOKEN, the context's).", show_default=False),
    ] = None,
    context: Annotated[
        str | None,
        typer.Option(
            help="A context of `tocsin context list` (else TOCSIN_CONTEXT, the current one).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Tocsin: incident management in one process.

    The commands that talk to a server take it from --url, TOCSIN_URL or a context
    (`tocsin context add`), and the token from --token, TOCSIN_TOKEN or the context. The
    flags go before or after the command: `tocsin incident list --url URL`.
    """
    client.flags = client.Flags(url=url, token=token, context=context)


@app.command(epilog=examples("tocsin version", "tocsin --version"))
def version() -> None:
    """Print Tocsin's version."""
    print(__version__)


@app.command("migrate", epilog=examples("TOCSIN_DATABASE_URL=sqlite:///tocsin.db tocsin migrate"))
def migrate_command() -> None:
    """Apply database migrations (serve does this too)."""
    from tocsin.config import Settings
    from tocsin.db import Database
    from tocsin.schema import migrate

    settings = Settings()
    database = Database(settings.database_url)
    migrate(database)
    console.print(f"[green]Schema is up to date[/] on {database.engine.url.render_as_string()}")


@app.command(epilog=examples("tocsin worker", "TOCSIN_DATABASE_URL=postgresql://… tocsin worker"))
def worker() -> None:
    """Run the background worker: escalation timers and notification delivery.

    Run as many as you like on PostgreSQL; they share the work without double-sending.
    """
    import logging
    import signal

    from tocsin.assembly import assemble
    from tocsin.config import Settings
    from tocsin.db import Database
    from tocsin.schema import migrate
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


@app.command(
    epilog=examples(
        "tocsin serve --host 0.0.0.0 --port 8443 --certfile tls/cert.pem --keyfile tls/key.pem",
        "TOCSIN_DATABASE_URL=postgresql://… tocsin serve --workers 4",
    )
)
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
    certfile: Annotated[
        str | None,
        typer.Option(help="PEM certificate (and chain): answer HTTPS (else TOCSIN_TLS_CERTFILE)."),
    ] = None,
    keyfile: Annotated[
        str | None,
        typer.Option(help="PEM private key of --certfile, if not in it (else TOCSIN_TLS_KEYFILE)."),
    ] = None,
) -> None:
    """Run the web process: API, web pages, ingestion."""
    import os

    import uvicorn

    from tocsin.access import accounts
    from tocsin.access import service as access_service
    from tocsin.config import Settings
    from tocsin.db import Database
    from tocsin.schema import migrate
    from tocsin.web.app import create_app
    from tocsin.web.server import tls_problem, uvicorn_options

    given = {"host": host, "port": port, "tls_certfile": certfile, "tls_keyfile": keyfile}
    overrides = {k: v for k, v in given.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if problem := tls_problem(settings):
        from rich.markup import escape

        console.print(f"[red]Cannot serve HTTPS:[/] {escape(problem)}", soft_wrap=True)
        raise typer.Exit(2)
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
    if not accounts.any_users(database):
        console.print(
            "[yellow]No users yet.[/] Create the first admin with:\n"
            "  tocsin user create --email you@example.com --role admin\n"
            "(same TOCSIN_DATABASE_URL), then sign in on the web page."
        )
    if access_service.count_active_tokens(database) == 0:
        console.print(
            "[yellow]No API tokens yet.[/] Create one for the CLI and scripts with:\n"
            "  tocsin token create --name admin --role admin\n"
            "(same TOCSIN_DATABASE_URL), then use it as TOCSIN_TOKEN."
        )
    scheme = "https" if settings.tls_certfile else "http"
    console.print(f"Tocsin on {scheme}://{settings.host}:{settings.port}  (API docs at /docs)")
    options = uvicorn_options(settings)
    if workers == 1:
        uvicorn.run(create_app(settings, database), **options)
        return
    database.dispose()  # the worker processes open their own
    settings.secret_box  # noqa: B018  (makes the key file now, once, not in each process)
    # Each worker process builds its app from the environment (uvicorn starts them afresh).
    os.environ.update({f"TOCSIN_{k.upper()}": str(v) for k, v in overrides.items()})
    uvicorn.run("tocsin.web.app:app_from_environment", factory=True, workers=workers, **options)


def main() -> None:
    """The `tocsin` program: an unexpected error is one line, not a traceback.

    Usage errors, exit codes and Ctrl-C are click's; TOCSIN_DEBUG=1 shows the traceback
    (for a bug report).
    """
    import os

    try:
        app()
    except Exception as error:
        if os.environ.get("TOCSIN_DEBUG"):
            raise
        console.print(
            f"error: {type(error).__name__}: {error} (TOCSIN_DEBUG=1 shows the traceback)",
            markup=False,
            highlight=False,
        )
        raise SystemExit(1) from None
