"""``tocsin demo``: fill a fresh database with a realistic year."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)


def demo(
    seed: Annotated[
        int | None,
        typer.Option(help="Random seed: the same seed makes the same year (default 2026)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Add the demo even if incidents exist.")] = False,
) -> None:
    """Fill the database with a realistic year of incidents, then open /metrics."""
    import time

    from tocsin.assembly import assemble
    from tocsin.config import Settings
    from tocsin.db import Database
    from tocsin.demo.service import DEFAULT_SEED, make_demo
    from tocsin.errors import TocsinError
    from tocsin.schema import migrate

    settings = Settings()
    database = Database(settings.database_url)
    migrate(database)
    started = time.perf_counter()
    try:
        made = make_demo(
            assemble(settings, database), seed=DEFAULT_SEED if seed is None else seed, force=force
        )
    except TocsinError as exc:  # incidents there already, or a demo name taken (--force)
        console.print(f"[red]Refused:[/] {exc.message}")
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    seconds = time.perf_counter() - started
    for name, count in sorted(made.counts.items()):
        print(f"{name.replace('_', ' ')}: {count}")
    print(f"Made in {seconds:.1f} s. Open the dashboard: {made.dashboard_url}")
