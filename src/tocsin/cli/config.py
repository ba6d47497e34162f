"""`tocsin apply`, `tocsin export` and `tocsin config ...`: configuration as code.

The file is checked here first (so a typo is reported with its line without a server or a
token), then sent as it is to the server, which plans and applies it (one implementation for
the CLI, CI pipelines and anything else that speaks HTTP).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from tocsin.cli.client import call
from tocsin.cli.output import Format, JsonFlag, OutputOption, emit, examples

app = typer.Typer(help="Configuration as code: the file's schema, the record of applies.")
console = Console()
err = Console(stderr=True)

_STYLE = {"create": ("+", "green"), "change": ("~", "yellow"), "delete": ("-", "red")}


def _value(value: Any) -> str:
    return escape(json.dumps(value, ensure_ascii=False, sort_keys=True))


def print_plan(changes: list[dict[str, Any]], counts: dict[str, int], *, done: bool) -> None:
    if not changes:
        console.print("[green]Nothing to change.[/] The configuration is what the file says.")
        return
    for change in changes:
        sign, color = _STYLE[change["action"]]
        console.print(
            f"[{color}]{sign} {change['action']}[/] {change['section']} [bold]{change['key']}[/]"
        )
        for f in change["fields"]:
            if change["action"] == "create":
                console.print(f"    {escape(f['path'])}: {_value(f['new'])}")
            else:
                console.print(
                    f"    {escape(f['path'])}: [red]{_value(f['old'])}[/] → "
                    f"[green]{_value(f['new'])}[/]"
                )
    verb = "Applied" if done else "Plan"
    console.print(
        f"{verb}: {counts.get('create', 0)} to create, {counts.get('change', 0)} to change, "
        f"{counts.get('delete', 0)} to delete."
    )


def _check_locally(path: Path) -> str:
    from tocsin.config_as_code.yamlfile import FileError, parse

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        err.print(f"[red]Cannot read {escape(str(path))}:[/] {escape(str(error))}")
        raise typer.Exit(2) from None
    try:
        parse(text, str(path))
    except FileError as error:
        for problem in error.problems:
            err.print(f"[red]{escape(str(problem))}[/]")
        raise typer.Exit(1) from None
    return text


def apply(
    file: Annotated[Path, typer.Argument(help="The configuration file (YAML).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing.")
    ] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Delete what the file does not name.")
    ] = False,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Make Tocsin's configuration what FILE says (people, teams, schedules, policies...)."""
    text = _check_locally(file)
    params = {"prune": str(prune).lower(), "source": str(file)[:300]}
    headers = {"Content-Type": "application/yaml"}
    route = "/config/plan" if dry_run else "/config/apply"
    answer = call("POST", route, params=params, content=text.encode(), headers=headers)

    def human(answer: dict[str, Any]) -> None:
        print_plan(answer["changes"], answer["counts"], done=not dry_run)
        for secret in answer.get("secrets", []):
            what = secret.pop("what")
            shown = ", ".join(f"{k}: {v}" for k, v in secret.items())
            console.print(f"[bold]{escape(what)}[/] (shown once) {escape(shown)}")

    emit(answer, output, human, as_json=as_json)
    if answer.get("error"):
        err.print(f"[red]The apply failed at {escape(answer['error'])}[/]")
        raise typer.Exit(1)


def export(
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write the current configuration as a file `tocsin apply` reads (secrets left out)."""
    import yaml

    data = call("GET", "/config/export")
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if file is None:
        print(text, end="")
    else:
        file.write_text(text, encoding="utf-8")
        err.print(f"Wrote {escape(str(file))}")


@app.command(epilog=examples("tocsin config schema > tocsin.schema.json"))
def schema() -> None:
    """Print the JSON Schema of the configuration file (for editors)."""
    from tocsin.config_as_code.document import json_schema

    print(json.dumps(json_schema(), indent=2))


@app.command(
    "applies", epilog=examples("tocsin config applies --limit 5", "tocsin config applies -o json")
)
def list_applies(
    limit: Annotated[int, typer.Option(help="How many, latest first.")] = 20,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """The latest applies: who, when, and what they changed."""
    rows = call("GET", "/config/applies", params={"limit": limit})
    emit(rows, output, _print_applies, as_json=as_json)


def _print_applies(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table("id", "when (UTC)", "who", "file", "outcome", "changes")
    for row in rows:
        outcome = row["outcome"] + (f": {row['error']}" if row["error"] else "")
        table.add_row(
            str(row["id"]),
            row["applied_at"][:19].replace("T", " "),
            row["actor"],
            row["source"],
            outcome,
            str(len(row["changes"])),
        )
    console.print(table)
