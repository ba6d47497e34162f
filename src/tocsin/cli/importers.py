"""`tocsin import pagerduty|opsgenie|grafana-oncall`: another tool's configuration as a
Tocsin configuration file, with a report of what did not carry over and, with ``--verify``,
the proof that every schedule renders the same.

The file is written, not applied: ``tocsin apply FILE --dry-run`` then shows what it does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from tocsin.cli.output import Format, JsonFlag, OutputOption, emit

if TYPE_CHECKING:
    from tocsin.importers.keys import PeopleDirectory

err = Console(stderr=True)


class Vendor(StrEnum):
    PAGERDUTY = "pagerduty"
    OPSGENIE = "opsgenie"
    GRAFANA_ONCALL = "grafana-oncall"


def _people(match: bool) -> PeopleDirectory:
    """Tocsin's people, to match the source's users by email (none when not asked)."""
    from tocsin.importers.keys import PeopleDirectory

    if not match:
        return PeopleDirectory()
    from tocsin.cli.client import call

    exported = call("GET", "/config/export")
    return PeopleDirectory(exported.get("people", []))


def import_config(
    vendor: Annotated[Vendor, typer.Argument(help="Where the configuration comes from.")],
    source: Annotated[
        Path | None,
        typer.Option(
            "--from", help="Saved JSON (a folder or file) instead of the API.", show_default=False
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="TOCSIN_IMPORT_API_KEY",
            help="The source's API key (or TOCSIN_IMPORT_API_KEY).",
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="The source's API base URL (EU, self-hosted...)."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Write the YAML here, not to stdout.")
    ] = None,
    match_people: Annotated[
        bool,
        typer.Option(
            "--match-people/--no-match-people",
            help="Match users to the Tocsin server's people by email (needs --url/--token).",
        ),
    ] = False,
    keep_keys: Annotated[
        bool,
        typer.Option(
            "--keep-keys/--no-keep-keys",
            help="Keep each integration's old secret (PagerDuty integration key, OnCall URL "
            "token, Opsgenie API key) as its legacy_key, so senders only change the host. "
            "The file then holds secrets: keep it safe.",
        ),
    ] = False,
    verify_weeks: Annotated[
        int | None,
        typer.Option(
            "--verify",
            min=1,
            max=52,
            metavar="WEEKS",
            help="Compare who is on call over the next WEEKS with the source's own rendering.",
        ),
    ] = None,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Read another tool's on-call configuration and write it as a Tocsin configuration file."""
    import yaml

    from tocsin.config_as_code.document import dump
    from tocsin.importers import base
    from tocsin.importers.source import SourceError

    importer = base.load(vendor.value)
    if source is None and not api_key:
        err.print("[red]error:[/] give --from PATH (saved JSON) or --api-key (the source's API)")
        raise typer.Exit(2)
    api = importer.api(api_key, base_url) if source is None and api_key else None
    try:
        data = importer.read_api(api) if api is not None else importer.read_offline(source)  # type: ignore[arg-type]
        conversion = importer.convert(data, _people(match_people), keep_keys=keep_keys)
        found = (
            base.verify(importer, data, conversion, datetime.now(UTC), verify_weeks, api)
            if verify_weeks
            else None
        )
    except SourceError as error:
        err.print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    finally:
        if api is not None:
            api.close()
    text = yaml.safe_dump(dump(conversion.document), sort_keys=False, allow_unicode=True)
    if file is None:
        print(text, end="")
    else:
        file.write_text(text, encoding="utf-8")
        err.print(f"Wrote {escape(str(file))}; next: tocsin apply {escape(str(file))} --dry-run")
    summary: dict[str, Any] = {"report": conversion.report.as_dicts()}
    if found is not None:
        summary["differences"] = [
            {
                "schedule": d.schedule,
                "start": d.start.isoformat(),
                "end": d.end.isoformat(),
                "tocsin": d.tocsin,
                "source": d.source,
            }
            for d in found
        ]

    def human(summary: dict[str, Any]) -> None:
        for finding in summary["report"]:
            err.print(
                f"[yellow]{finding['kind']}[/] {escape(finding['source'])}: "
                f"{escape(finding['message'])}"
            )
        if "differences" in summary:
            for d in summary["differences"]:
                err.print(
                    f"[red]differs[/] {d['schedule']} {d['start']} → {d['end']}: "
                    f"Tocsin {d['tocsin'] or 'nobody'}, {vendor.value} {d['source'] or 'nobody'}"
                )
            err.print(f"{len(summary['differences'])} differences over {verify_weeks} weeks.")

    if file is None:  # stdout holds the file; the report goes to stderr
        human(summary)
    else:
        emit(summary, output, human, as_json=as_json)
    if found:
        raise typer.Exit(3)
