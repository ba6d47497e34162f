"""`tocsin integration ...`, `tocsin silence ...`, `tocsin alert ...` through the API."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tocsin.cli.client import call
from tocsin.cli.output import (
    Format,
    JsonFlag,
    OutputOption,
    emit,
    examples,
    incident_id,
)

integration_app = typer.Typer(help="Alert sources and their keys.", no_args_is_help=True)
silence_app = typer.Typer(help="Silences and maintenance windows.", no_args_is_help=True)
alert_app = typer.Typer(help="Alerts and why they did what they did.", no_args_is_help=True)
GROUPS = (("integration", integration_app), ("silence", silence_app), ("alert", alert_app))
console = Console()
_DURATION = re.compile(r"^(\d+)([mhd])$")


def _json(value: str | None, option: str) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError as error:
        raise typer.BadParameter(f"not JSON: {error}", param_hint=option) from None


def _when(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "—"


# ------------------------------------------------------------------ integrations


@integration_app.command(
    "create",
    epilog=examples(
        "tocsin integration create alertmanager --name prom --service checkout",
        "tocsin integration create heartbeat --name backup --service db --heartbeat-minutes 60",
    ),
)
def create_integration(
    kind: Annotated[
        str, typer.Argument(help="alertmanager, grafana, pagerduty, generic, heartbeat")
    ],
    name: Annotated[str, typer.Option(help="What sends the alerts.")],
    service: Annotated[str, typer.Option(help="The service its incidents affect.")],
    group_by: Annotated[
        list[str] | None, typer.Option(help="Label to group on; repeatable.")
    ] = None,
    group_window: Annotated[int | None, typer.Option(help="Minutes a group stays open.")] = None,
    auto_resolve: Annotated[bool | None, typer.Option(help="Resolve when all alerts are.")] = None,
    default_severity: Annotated[str | None, typer.Option(help="SEV1–SEV4")] = None,
    heartbeat_minutes: Annotated[int | None, typer.Option(help="Expect a beat this often.")] = None,
    generic_mapping: Annotated[str | None, typer.Option(help="JSON field mapping.")] = None,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Create an integration; prints its key and URL once."""
    body: dict[str, Any] = {"kind": kind, "name": name, "service": service}
    optional = {
        "group_by": group_by or None,
        "group_window_minutes": group_window,
        "auto_resolve": auto_resolve,
        "default_severity": default_severity,
        "heartbeat_interval_minutes": heartbeat_minutes,
        "generic": _json(generic_mapping, "--generic-mapping"),
    }
    body |= {k: v for k, v in optional.items() if v is not None}
    emit(call("POST", "/integrations", json=body), output, _created, as_json=as_json)


def _created(created: dict[str, Any]) -> None:
    console.print(f"Created {created['kind']} integration {created['id']} '{created['name']}'.")
    console.print("Store the key now; it cannot be shown again:")
    print(f"key: {created['key']}")
    print(f"url: {created['url']}")
    print(f"heartbeat: {created['heartbeat_url']}")


@integration_app.command(
    "list", epilog=examples("tocsin integration list", "tocsin integration list --all -o json")
)
def list_integrations(
    all_: Annotated[bool, typer.Option("--all")] = False,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """List integrations (--all includes revoked ones)."""
    found = call("GET", "/integrations", params={"include_revoked": all_})
    emit(found, output, _integration_table, as_json=as_json)


def _integration_table(found: list[dict[str, Any]]) -> None:
    table = Table("id", "kind", "name", "service", "key", "old key", "last beat", "revoked")
    for i in found:
        table.add_row(
            str(i["id"]),
            i["kind"],
            i["name"],
            i["service"],
            i["key_prefix"] + "…",
            (i.get("legacy_key_prefix") or "") + "…" if i.get("legacy_key_set") else "",
            _when(i["last_beat_at"]),
            _when(i["revoked_at"]) if i["revoked_at"] else "",
        )
    console.print(table)


@integration_app.command("revoke", epilog=examples("tocsin integration revoke 3"))
def revoke_integration(integration_id: int) -> None:
    """Revoke: its key is refused from now on."""
    out = call("DELETE", f"/integrations/{integration_id}")
    console.print(f"Revoked integration {out['id']} '{out['name']}'.")


@integration_app.command("drop-legacy-key", epilog=examples("tocsin integration drop-legacy-key 3"))
def drop_legacy_key(integration_id: int) -> None:
    """Stop taking the old tool's key (kept by `tocsin import --keep-keys`); its own stays."""
    out = call("PATCH", f"/integrations/{integration_id}", json={"legacy_key": None})
    console.print(f"Integration {out['id']} '{out['name']}' takes only its own key now.")


# ------------------------------------------------------------------ silences


def _ends_at(duration: str) -> str:
    match = _DURATION.match(duration)
    if not match:
        raise typer.BadParameter("like 90m, 2h or 3d", param_hint="--duration")
    amount, unit = int(match[1]), match[2]
    delta = {
        "m": timedelta(minutes=amount),
        "h": timedelta(hours=amount),
        "d": timedelta(days=amount),
    }
    return (datetime.now(UTC) + delta[unit]).isoformat()


@silence_app.command(
    "create",
    epilog=examples(
        "tocsin silence create alertname=DiskFull --comment 'resizing' --duration 90m",
        "tocsin silence create 'env=~\"staging.*\"' --comment 'load test' --duration 3d",
    ),
)
def create_silence(
    matchers: Annotated[
        list[str], typer.Argument(help="e.g. alertname=DiskFull 'env=~\"prod.*\"'")
    ],
    comment: Annotated[str, typer.Option(help="Why.")],
    duration: Annotated[str, typer.Option(help="From now: 90m, 2h, 3d.")] = "2h",
    service: Annotated[str | None, typer.Option(help="The service it is made for.")] = None,
    integration: Annotated[int | None, typer.Option(help="Only this integration's alerts.")] = None,
    weekly: Annotated[
        str | None,
        typer.Option(
            help='JSON: {"days":["sat"],"start":"22:00","duration_minutes":240,'
            '"time_zone":"Europe/Paris"}'
        ),
    ] = None,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Silence matching alerts: they are stored but open no incident."""
    body: dict[str, Any] = {"matchers": matchers, "comment": comment, "ends_at": _ends_at(duration)}
    optional = {
        "service": service,
        "integration_id": integration,
        "weekly": _json(weekly, "--weekly"),
    }
    body |= {k: v for k, v in optional.items() if v is not None}
    emit(call("POST", "/silences", json=body), output, _made, as_json=as_json)


def _made(made: dict[str, Any]) -> None:
    console.print(f"Silence {made['id']} until {_when(made['ends_at'])} UTC.")
    for warning in made["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}")


@silence_app.command(
    "list", epilog=examples("tocsin silence list", "tocsin silence list --all -o yaml")
)
def list_silences(
    all_: Annotated[bool, typer.Option("--all")] = False,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Current and future silences (--all includes expired ones), with warnings."""
    found = call("GET", "/silences", params={"include_expired": all_})
    emit(found, output, _silence_table, as_json=as_json)


def _silence_table(found: list[dict[str, Any]]) -> None:
    table = Table("id", "matchers", "ends", "active", "silenced", "warnings")
    for s in found:
        table.add_row(
            str(s["id"]),
            ", ".join(s["matchers"]),
            _when(s["ends_at"]),
            "yes" if s["active"] else "no",
            str(s["silenced_alerts"]),
            "; ".join(s["warnings"]),
        )
    console.print(table)


@silence_app.command(
    "show", epilog=examples("tocsin silence show 5", "tocsin silence show 5 -o json")
)
def show_silence(silence_id: int, output: OutputOption = Format.TABLE) -> None:
    """One silence: what it matches, when, and how many alerts it held back."""

    def human(s: dict[str, Any]) -> None:
        console.print(f"[bold]Silence {s['id']}[/] — {'active' if s['active'] else 'inactive'}")
        names = ("matchers", "comment", "starts_at", "ends_at", "service", "integration_id")
        for name in (*names, "created_by"):
            if name in s:
                value = s[name]
                shown = ", ".join(value) if isinstance(value, list) else value
                console.print(f"{name.replace('_', ' ')}: {shown or '—'}", markup=False)
        console.print(f"silenced alerts: {s['silenced_alerts']}")
        for warning in s["warnings"]:
            console.print(f"[yellow]warning:[/] {warning}")

    emit(call("GET", f"/silences/{silence_id}"), output, human)


@silence_app.command("expire", epilog=examples("tocsin silence expire 5"))
def expire_silence(silence_id: int) -> None:
    """End a silence now."""
    out = call("DELETE", f"/silences/{silence_id}")
    console.print(f"Silence {out['id']} expired.")


# ------------------------------------------------------------------ alerts


@alert_app.command(
    "list",
    epilog=examples(
        "tocsin alert list --status firing", "tocsin alert list --incident INC-4 -o json"
    ),
)
def list_alerts(
    status: Annotated[
        str | None, typer.Option(help="firing, acknowledged, resolved, silenced")
    ] = None,
    integration: Annotated[int | None, typer.Option()] = None,
    incident: Annotated[
        int | None,
        typer.Option(parser=incident_id, metavar="INCIDENT", help="An incident: 4 or INC-4."),
    ] = None,
    limit: int = 50,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Alerts, newest first."""
    params = {"status": status, "integration": integration, "incident": incident, "limit": limit}
    page = call("GET", "/alerts", params={k: v for k, v in params.items() if v is not None})
    emit(page, output, _alert_table, as_json=as_json)


def _alert_table(page: dict[str, Any]) -> None:
    table = Table("id", "name", "status", "count", "incident", "last seen", "outcome")
    for a in page["items"]:
        outcome = next((s["result"] for s in reversed(a["trace"]) if s["step"] == "outcome"), "")
        table.add_row(
            str(a["id"]),
            a["name"],
            a["status"] + (" (silenced)" if a["silenced_by"] else ""),
            str(a["count"]),
            a["incident_reference"] or "—",
            _when(a["last_seen_at"]),
            outcome,
        )
    console.print(table)


@alert_app.command("show", epilog=examples("tocsin alert show 12", "tocsin alert show 12 -o yaml"))
def show_alert(
    alert_id: int, output: OutputOption = Format.TABLE, as_json: JsonFlag = False
) -> None:
    """One alert and its decision trace."""
    emit(call("GET", f"/alerts/{alert_id}"), output, _alert_lines, as_json=as_json)


def _alert_lines(alert: dict[str, Any]) -> None:
    console.print(f"[bold]{alert['name']}[/] {alert['summary']} — [bold]{alert['status']}[/]")
    console.print(f"key {alert['dedup_key']} · seen {alert['count']}× · {alert['severity']}")
    console.print(f"incident: {alert['incident_reference'] or '—'}")
    for step in alert["trace"]:
        console.print(f"  {step['step']:>11}: {step['result']}")


@alert_app.command(
    "feedback",
    epilog=examples("tocsin alert feedback 12 noise", "tocsin alert feedback INC-4 actionable"),
)
def alert_feedback(
    alert_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="An alert id, or an incident (INC-4, or 4 with --incident)."
        ),
    ],
    verdict: Annotated[str, typer.Argument(help="actionable or noise")],
    incident: Annotated[
        bool, typer.Option("--incident", help="ID is an incident: mark all its alerts")
    ] = False,
) -> None:
    """Mark an alert (or every alert of an incident) actionable or noise."""
    if incident or alert_id.strip().lower().startswith("inc-"):
        path = f"/incidents/{incident_id(alert_id)}/alerts/feedback"
    elif alert_id.strip().isdigit():
        path = f"/alerts/{int(alert_id)}/feedback"
    else:
        raise typer.BadParameter(
            f"{alert_id!r} is not an alert id (a number) or an incident (INC-4)"
        )
    marked = call("POST", path, json={"verdict": verdict})
    for alert in marked if isinstance(marked, list) else [marked]:
        console.print(f"alert {alert['id']} ({alert['name']}): {alert['verdict']}")
