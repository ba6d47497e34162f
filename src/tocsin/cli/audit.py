"""`tocsin audit list|export`: the audit log, through the API (an admin's token)."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tocsin.cli.client import call, download
from tocsin.cli.output import Format, OutputOption, emit, examples

app = typer.Typer(help="The audit log: who changed what, when, from where.", no_args_is_help=True)
console = Console()

_RELATIVE = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def when(value: str) -> str:
    """``24h``, ``30m``, ``7d`` (that long ago) or an ISO 8601 time with its offset."""
    relative = _RELATIVE.match(value.strip())
    if relative:
        ago = timedelta(**{_UNITS[relative[2]]: int(relative[1])})
        return (datetime.now(UTC) - ago).isoformat()
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise typer.BadParameter(
            f"{value!r} is not a time: give 24h, 30m, 7d or ISO 8601 with an offset "
            "(2026-03-08T09:00Z)"
        )
    return parsed.isoformat()


Since = Annotated[
    str | None,
    typer.Option(help="At or after: 24h, 7d, or ISO 8601 (2026-03-08T09:00Z).", parser=when),
]
Until = Annotated[str | None, typer.Option(help="Before: as --since.", parser=when)]
Actor = Annotated[str | None, typer.Option(help="Who, exactly: token:ci-bot, cli:ana.")]
Kind = Annotated[
    str | None, typer.Option(help="person, schedule, escalation_policy, integration, api_token…")
]
Object = Annotated[str | None, typer.Option("--object", help="The object's id, name or handle.")]
Action = Annotated[str | None, typer.Option(help="create, update, delete or sign_in.")]


def _filters(**given: str | None) -> dict[str, str]:
    return {name: value for name, value in given.items() if value is not None}


def _change(entry: dict[str, Any]) -> str:
    """``name: Ana → Ana Lima; email: … → …`` (a side alone on create and delete)."""
    before, after = entry["before"], entry["after"]
    shown = []
    for name in [*before, *(n for n in after if n not in before)]:
        old = json.dumps(before.get(name), ensure_ascii=False)
        new = json.dumps(after.get(name), ensure_ascii=False)
        if entry["action"] == "create":
            shown.append(f"{name}: {new}")
        elif entry["action"] == "delete":
            shown.append(f"{name}: {old}")
        else:
            shown.append(f"{name}: {old} → {new}")
    text = "; ".join(shown)
    return text if len(text) <= 120 else text[:119] + "…"


@app.command(
    "list",
    epilog=examples(
        "tocsin audit list --since 24h",
        "tocsin audit list --kind schedule --object 12 -o json",
        "tocsin audit list --actor token:ci-bot --since 2026-03-01T00:00Z -o yaml",
    ),
)
def list_entries(
    since: Since = None,
    until: Until = None,
    actor: Actor = None,
    kind: Kind = None,
    object_: Object = None,
    action: Action = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Entries per page.")] = 50,
    cursor: Annotated[str | None, typer.Option(help="The next_cursor of a page.")] = None,
    output: OutputOption = Format.TABLE,
) -> None:
    """Configuration and access changes, newest first (json/yaml: the API's page)."""
    params = _filters(
        since=since,
        until=until,
        actor=actor,
        kind=kind,
        object=object_,
        action=action,
        limit=str(limit),
        cursor=cursor,
    )
    page = call("GET", "/audit", params=params)

    def table(page: dict[str, Any]) -> None:
        shown = Table("id", "when", "who", "from", "action", "object", "change")
        for e in page["items"]:
            name = e["object_kind"] + (f" {e['object_id']}" if e["object_id"] else "")
            if e["object_label"]:
                name += f" ({e['object_label']})"
            where = e["address"] or e["via"]
            shown.add_row(
                str(e["id"]),
                e["at"][:19].replace("T", " "),
                escape(e["actor"]),
                escape(where),
                e["action"],
                escape(name),
                escape(_change(e)),
            )
        console.print(shown)
        if page["next_cursor"]:
            console.print(f"more: --cursor {page['next_cursor']}", style="dim")

    emit(page, output, table)


@app.command(
    "export",
    epilog=examples(
        "tocsin audit export > audit.csv", "tocsin audit export --since 30d --kind api_token"
    ),
)
def export(
    since: Since = None,
    until: Until = None,
    actor: Actor = None,
    kind: Kind = None,
    object_: Object = None,
    action: Action = None,
) -> None:
    """Every matching entry as CSV on standard output (before and after as JSON)."""
    params = _filters(
        since=since, until=until, actor=actor, kind=kind, object=object_, action=action
    )
    sys.stdout.buffer.write(download("/audit.csv" + (f"?{urlencode(params)}" if params else "")))
