"""`tocsin oncall ...`: who is on call, the shifts ahead, and who a service would page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from tocsin.cli.client import call
from tocsin.cli.output import Format, JsonFlag, OutputOption, emit, examples

app = typer.Typer(help="On-call schedules and escalation.", no_args_is_help=True)
console = Console()
When = Annotated[str | None, typer.Option(help="ISO 8601 with offset, e.g. 2026-03-08T09:00Z.")]


def _local(value: str | None, zone: str) -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M %Z")


def _params(**values: str | None) -> dict[str, str]:
    return {k: v for k, v in values.items() if v is not None}


@app.command(
    epilog=examples("tocsin oncall now", "tocsin oncall now --at 2026-03-08T12:00Z -o json")
)
def now(at: When = None, output: OutputOption = Format.TABLE, as_json: JsonFlag = False) -> None:
    """Who is on call in every schedule, now or at --at."""
    emit(call("GET", "/oncall", params=_params(at=at)), output, _now_table, as_json=as_json)


def _now_table(rows: list[dict[str, Any]]) -> None:
    table = Table("schedule", "on call", "until (schedule time)")
    for row in rows:
        person = row["person"]
        who = f"{person['name']} (@{person['handle']})" if person else "[red]nobody[/]"
        table.add_row(row["schedule_name"], who, _local(row["until"], row["time_zone"]))
    console.print(table)


@app.command(
    epilog=examples("tocsin oncall shifts 1", "tocsin oncall shifts 1 --since 2026-03-08T00:00Z")
)
def shifts(
    schedule_id: int,
    since: When = None,
    until: Annotated[str | None, typer.Option(help="Default since + 7 days; at most 60.")] = None,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """The schedule's final shifts (layers and overrides merged)."""
    found = call(
        "GET", f"/schedules/{schedule_id}/shifts", params=_params(since=since, until=until)
    )
    emit(found, output, _shift_table, as_json=as_json)


def _shift_table(found: dict[str, Any]) -> None:
    zone = found["time_zone"]
    table = Table("from", "to", "on call", title=f"Schedule {found['schedule_id']} ({zone})")
    for shift in found["shifts"]:
        person = shift["person"]
        table.add_row(
            _local(shift["start"], zone),
            _local(shift["end"], zone),
            f"{person['name']} (@{person['handle']})",
        )
    console.print(table)


def _who(target: dict[str, Any]) -> str:
    if not target["people"]:
        return "[red]nobody[/]"
    parts = []
    for person in target["people"]:
        plan = ", ".join(
            f"{n['kind']} {n['label']!r} +{n['delay_minutes']}m" for n in person["notifications"]
        )
        parts.append(f"{person['name']} (@{person['handle']}) via {plan or '[red]no contact[/]'}")
    return "; ".join(parts)


@app.command(
    epilog=examples("tocsin oncall preview checkout", "tocsin oncall preview checkout -o yaml")
)
def preview(
    service: str, at: When = None, output: OutputOption = Format.TABLE, as_json: JsonFlag = False
) -> None:
    """Who a page for SERVICE would reach, level by level, if it started now or at --at."""
    found = call("GET", f"/services/{service}/escalation-preview", params=_params(at=at))
    emit(found, output, _preview_table, as_json=as_json)


def _preview_table(found: dict[str, Any]) -> None:
    service = found["service"]
    if found["policy"] is None:
        console.print(f"[yellow]{service} has no escalation policy:[/] nobody would be paged.")
        return
    policy = found["policy"]
    console.print(f"[bold]{service}[/] → policy {policy['name']!r} (repeat {policy['repeat']})")
    table = Table("pass", "level", "fires at (UTC)", "timeout", "target", "who")
    for step in found["steps"]:
        for target in step["targets"]:
            table.add_row(
                str(step["pass_number"]),
                str(step["level"]),
                _local(step["fires_at"], "UTC"),
                f"{step['timeout_minutes']}m",
                f"{target['type']} {target['name']}",
                _who(target),
            )
    console.print(table)
