"""`tocsin context ...`: named servers (URL and token) in the config file, like kubectl's."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tocsin.cli import config_file
from tocsin.cli.output import Format, OutputOption, emit, examples

app = typer.Typer(
    help="Named servers and their tokens, kept in the config file (see `tocsin context path`).",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)


def _load() -> config_file.Config:
    try:
        return config_file.load()
    except config_file.ConfigError as error:
        err.print(f"error: {error}", markup=False)
        raise typer.Exit(1) from None


def _name(name: str) -> str:
    try:
        return config_file.check_name(name)
    except config_file.ConfigError as error:
        raise typer.BadParameter(str(error)) from None


def _known(loaded: config_file.Config, name: str) -> None:
    if name not in loaded.contexts:
        known = ", ".join(sorted(loaded.contexts)) or "none"
        err.print(f"error: no context {name!r}; known: {known}", markup=False)
        raise typer.Exit(1)


@app.command(
    epilog=examples(
        "tocsin context add prod --url https://tocsin.example.com --token $TOKEN",
        "tocsin context add local --url http://127.0.0.1:8080   # asks for the token",
    )
)
def add(
    name: Annotated[str, typer.Argument(help="What you call this server: prod, staging…")],
    url: Annotated[str, typer.Option(help="The server, e.g. https://tocsin.example.com.")],
    token: Annotated[
        str | None,
        typer.Option(help="Its API token; asked for (hidden) when left out.", show_default=False),
    ] = None,
    use: Annotated[bool, typer.Option("--use/--no-use", help="Make it the current one.")] = True,
) -> None:
    """Add a context (or replace one of the same name) and make it current."""
    name = _name(name)
    if not url.startswith(("http://", "https://")):
        raise typer.BadParameter("needs http:// or https://", param_hint="--url")
    if token is None:
        token = typer.prompt("Token", hide_input=True)
    loaded = _load()
    loaded.contexts[name] = config_file.Context(url=url.rstrip("/"), token=token.strip() or None)
    if use or loaded.current is None:
        loaded.current = name
    path = config_file.save(loaded)
    current = " (current)" if loaded.current == name else ""
    console.print(f"Context {name!r}{current} → {url} saved in {path}", markup=False)


@app.command(epilog=examples("tocsin context use staging"))
def use(name: Annotated[str, typer.Argument(help="A context of `tocsin context list`.")]) -> None:
    """Make a context the current one: commands talk to its server from now on."""
    loaded = _load()
    _known(loaded, name)
    loaded.current = name
    config_file.save(loaded)
    console.print(f"Current context: {name} ({loaded.contexts[name].url})", markup=False)


@app.command("list", epilog=examples("tocsin context list", "tocsin context list -o json"))
def list_contexts(output: OutputOption = Format.TABLE) -> None:
    """The contexts; tokens are masked (never printed whole)."""
    loaded = _load()
    rows: list[dict[str, object]] = [
        {
            "name": name,
            "current": name == loaded.current,
            "url": context.url,
            "token": config_file.masked(context.token),
        }
        for name, context in loaded.contexts.items()
    ]

    def table(_: object) -> None:
        if not rows:
            console.print("No contexts yet: `tocsin context add NAME --url URL`.")
            return
        shown = Table("", "name", "url", "token")
        for row in rows:
            cells = (row["name"], row["url"] or "—", row["token"])
            shown.add_row("*" if row["current"] else "", *(str(c) for c in cells))
        console.print(shown)

    emit(rows, output, table)


@app.command(epilog=examples("tocsin context remove staging"))
def remove(
    name: Annotated[str, typer.Argument(help="A context of `tocsin context list`.")],
) -> None:
    """Forget a context and its token (if it was current, none is current any more)."""
    loaded = _load()
    _known(loaded, name)
    del loaded.contexts[name]
    if loaded.current == name:
        loaded.current = None
    config_file.save(loaded)
    console.print(f"Removed context {name!r}.", markup=False)


@app.command(epilog=examples("tocsin context current"))
def current() -> None:
    """Print the current context's name (exit 1 when there is none)."""
    loaded = _load()
    if loaded.current is None:
        err.print("No current context: `tocsin context use NAME`.")
        raise typer.Exit(1)
    print(loaded.current)


@app.command(
    epilog=examples("tocsin context path", "TOCSIN_CONFIG=./tocsin.toml tocsin context list")
)
def path() -> None:
    """Print where the config file is (TOCSIN_CONFIG, else XDG_CONFIG_HOME, else ~/.config)."""
    print(config_file.config_path())
