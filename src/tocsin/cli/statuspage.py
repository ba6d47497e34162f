"""`tocsin statuspage ...`: the status page, read from the database (no server needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tocsin.cli.output import examples

app = typer.Typer(help="The public status page: export it as static files.", no_args_is_help=True)
console = Console(stderr=True)


@app.command(
    epilog=examples(
        "tocsin statuspage export ./public",
        "tocsin statuspage export ./public --page api --url https://status.example.com",
    )
)
def export(
    directory: Annotated[
        Path, typer.Argument(help="The folder to write to (made if missing).", file_okay=False)
    ],
    page: Annotated[
        str | None, typer.Option(help="The page's slug (default: the default page).")
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(help="Where the folder will be served, for the feeds' absolute links."),
    ] = None,
) -> None:
    """Write a page's HTML, feeds and JSON as static files any web server can serve."""
    # Imported here, not at load time: see tocsin.cli.main.
    from sqlalchemy.exc import SQLAlchemyError

    from tocsin.config import Settings
    from tocsin.db import Database
    from tocsin.errors import TocsinError
    from tocsin.statuspage.html_export import export_page
    from tocsin.statuspage.snapshot import SnapshotStore

    settings = Settings()
    database = Database(settings.database_url)
    store = SnapshotStore(
        database, base_url=settings.base_url, default_name=settings.statuspage_name, file=None
    )
    try:
        info, written = export_page(store, directory, slug=page, url=url)
    except TocsinError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    except SQLAlchemyError as error:
        console.print(f"[red]Cannot read the database[/] (run `tocsin migrate`?): {error}")
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    if info.internal:
        console.print(
            f"[yellow]Warning:[/] {info.slug} is an internal page; keep the folder private."
        )
    console.print(f"Wrote {len(written)} files of page {info.slug!r} to {directory.resolve()}")
