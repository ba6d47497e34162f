"""`tocsin token ...`: manage API tokens in the database (works before any token exists)."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from tocsin.cli.output import examples
from tocsin.core.roles import AccessRole

if TYPE_CHECKING:
    from tocsin.access.acting import Acting
    from tocsin.db import Database

app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
console = Console()


def cli_acting(command: str) -> Acting:
    """Who acts in a command that writes the database itself: the local user, in the audit
    log as ``cli:NAME`` from this command."""
    from tocsin.access.acting import Acting

    return Acting(actor=f"cli:{getpass.getuser()}", via="cli", route=command)


def _database() -> Database:
    # Imported here, not at load time: see tocsin.cli.main.
    from tocsin.audit import recorder
    from tocsin.config import Settings
    from tocsin.db import Database
    from tocsin.schema import migrate

    database = Database(Settings().database_url)
    migrate(database)
    recorder.watch(database)  # tokens made and revoked here are in the audit log too
    return database


@app.command(
    epilog=examples(
        "tocsin token create --name ci-bot --role responder",
        "tocsin token create --name laptop --role responder --user ana@example.com",
        "export TOCSIN_TOKEN=$(tocsin token create --name me --role admin | tail -1)",
    )
)
def create(
    name: Annotated[str, typer.Option(help="Who or what uses the token.")],
    role: Annotated[AccessRole, typer.Option(help="viewer, responder or admin.")],
    user: Annotated[
        str | None,
        typer.Option(help="The owning user's email: the token carries at most their role."),
    ] = None,
) -> None:
    """Create a token; it is printed once and stored only as a digest."""
    from tocsin.access import accounts, service
    from tocsin.access.acting import acting_as
    from tocsin.errors import TocsinError

    database = _database()
    try:
        with acting_as(cli_acting("tocsin token create")) as who:
            owner = accounts.user_id_by_email(database, email=user) if user else None
            created = service.create_token(
                database, name=name, role=role, created_by=who.actor, user_id=owner
            )
    except TocsinError as error:
        console.print(f"[red]{error.message}[/]")
        raise typer.Exit(1) from None
    console.print(f"Created token {created.id} '{created.name}' with role {created.role}.")
    console.print("Store it now; it cannot be shown again:")
    print(created.token)


@app.command("list", epilog=examples("TOCSIN_DATABASE_URL=sqlite:///tocsin.db tocsin token list"))
def list_tokens() -> None:
    """The tokens of the database (their prefix only: a token is shown once, at creation)."""
    from tocsin.access import service

    table = Table("id", "name", "role", "prefix", "created", "last used", "revoked")
    for t in service.list_tokens(_database()):
        table.add_row(
            str(t.id),
            t.name,
            t.role,
            t.prefix + "…",
            f"{t.created_at:%Y-%m-%d %H:%M}",
            f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "—",
            f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "",
        )
    console.print(table)


@app.command(epilog=examples("tocsin token revoke 3"))
def revoke(token_id: int) -> None:
    """Revoke a token: it is refused from now on."""
    from tocsin.access import service
    from tocsin.access.acting import acting_as

    with acting_as(cli_acting("tocsin token revoke")):
        out = service.revoke_token(_database(), token_id=token_id)
    console.print(f"Revoked token {out.id} '{out.name}'.")
