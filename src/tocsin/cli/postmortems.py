"""`tocsin postmortem ...`: postmortems, through the API (TOCSIN_URL, TOCSIN_TOKEN)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tocsin.cli.client import download
from tocsin.cli.output import examples

app = typer.Typer(help="Postmortems: export them as Markdown or PDF.", no_args_is_help=True)
console = Console(stderr=True)


class ExportFormat(StrEnum):
    MD = "md"
    PDF = "pdf"


@app.command(
    epilog=examples(
        "tocsin postmortem export 2 -o postmortem.md", "tocsin postmortem export 2 -f pdf -o pm.pdf"
    )
)
def export(
    postmortem_id: Annotated[int, typer.Argument(help="The postmortem's id.", min=1)],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="The file to write.", dir_okay=False, writable=True),
    ],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="md (Markdown) or pdf.")
    ] = ExportFormat.MD,
) -> None:
    """Write a postmortem to a file, as Markdown or PDF."""
    body = download(f"/postmortems/{postmortem_id}/export.{fmt.value}")
    output.write_bytes(body)
    console.print(f"Wrote postmortem {postmortem_id} as {fmt.value} to {output}")
