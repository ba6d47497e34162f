"""`tocsin user ...`: manage web users in the database (works before anyone can sign in)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from tocsin.cli.output import examples
from tocsin.core.roles import AccessRole

if TYPE_CHECKING:
    from tocsin.db import Database

app = typer.Typer(
    help="Create web users (email and password) and invite them.", no_args_is_help=True
)
console = Console()


def _database() -> Database:
    # Imported here, not at load time: see tocsin.cli.main.
    from tocsin.audit import recorder
    from tocsin.config import Settings
    from tocsin.db import Database
    from tocsin.schema import migrate

    database = Database(Settings().database_url)
    migrate(database)
    recorder.watch(database)  # users made here are in the audit log too
    return database


@app.command(
    epilog=examples(
        "tocsin user create --email ana@example.com --role admin",
        "tocsin user create --email bo@example.com --role responder --invite",
    )
)
def create(
    email: Annotated[str, typer.Option(help="The address they sign in with.")],
    role: Annotated[AccessRole, typer.Option(help="viewer, responder or admin.")],
    invite: Annotated[
        bool, typer.Option(help="Print an invitation link instead of asking for a password.")
    ] = False,
) -> None:
    """Create a user: type their password (twice), or print a one-time link to set it.

    The first admin is made so; later users are best invited from the web page or the API.
    """
    from datetime import timedelta

    from tocsin.access import accounts, invitations
    from tocsin.access.acting import acting_as
    from tocsin.cli.tokens import cli_acting
    from tocsin.config import Settings
    from tocsin.errors import TocsinError

    database = _database()
    password = None
    if not invite:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings()
    try:
        with acting_as(cli_acting("tocsin user create")) as who:
            user = accounts.create_user(
                database, email=email, role=role, password=password, created_by=who.actor
            )
            console.print(f"Created user {user.id} {user.email} with role {user.role}.")
            if invite:
                ttl = timedelta(hours=settings.invitation_hours)
                _, raw = accounts.invite(database, user_id=user.id, ttl=ttl)
                hours = settings.invitation_hours
                console.print(f"Send them this link (works once, {hours:g} h):")
                print(invitations.invitation_url(settings, raw))
    except TocsinError as error:
        console.print(f"[red]{error.message}[/]")
        raise typer.Exit(1) from None
