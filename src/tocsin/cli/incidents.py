"""`tocsin incident ...`: work incidents through the API."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tocsin.cli.client import call
from tocsin.core.lifecycle import Status
from tocsin.core.roles import Role
from tocsin.incidents.describe import describe

app = typer.Typer(help="Declare and work incidents.", no_args_is_help=True)
console = Console()
AsJson = Annotated[bool, typer.Option("--json", help="Print the raw JSON.")]


def _show(incident: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(incident, indent=2))
        return
    console.print(
        f"[bold]{incident['reference']}[/] [{incident['severity']}] {incident['title']} — "
        f"[bold]{incident['status']}[/]"
    )
    if incident["services"]:
        console.print(f"services: {', '.join(incident['services'])}")
    for role in incident["roles"]:
        person = f" (person {role['person']['id']})" if role.get("person") else ""
        console.print(f"{role['role'].replace('_', ' ')}: {role['holder']}{person}")
    if incident["next_update_due_at"]:
        overdue = " [red](overdue)[/]" if incident["update_overdue"] else ""
        console.print(f"next update due: {incident['next_update_due_at']}{overdue}")
    if incident.get("public_ack_overdue_since"):
        since = incident["public_ack_overdue_since"]
        console.print(f"[red]public acknowledgement overdue since {since}[/]")
    console.print(f"allowed next: {', '.join(incident['allowed_transitions']) or 'none'}")


@app.command()
def declare(
    title: str,
    severity: Annotated[str, typer.Option("--severity", "-s", help="SEV1–SEV4 or P0–P3")],
    service: Annotated[list[str] | None, typer.Option("--service", help="Repeatable.")] = None,
    summary: str = "",
    commander: Annotated[str | None, typer.Option(help="Incident Commander")] = None,
    impact_started_at: Annotated[str | None, typer.Option(help="ISO 8601 with offset")] = None,
    as_json: AsJson = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the new incident's id.")
    ] = False,
) -> None:
    """Declare an incident; `ID=$(tocsin incident declare ... -q)` keeps its id for later."""
    body: dict[str, Any] = {"title": title, "severity": severity, "services": service or []}
    body |= {"summary": summary, "commander": commander, "impact_started_at": impact_started_at}
    created = call("POST", "/incidents", json={k: v for k, v in body.items() if v is not None})
    if quiet:
        print(created["id"])
        return
    _show(created, as_json)


@app.command("list")
def list_incidents(
    status: Annotated[list[Status] | None, typer.Option()] = None,
    severity: Annotated[list[str] | None, typer.Option()] = None,
    service: Annotated[str | None, typer.Option()] = None,
    limit: int = 50,
    as_json: AsJson = False,
) -> None:
    """List incidents, newest first."""
    params: dict[str, Any] = {"status": [s.value for s in status or []], "limit": limit}
    params |= {"severity": severity or [], "service": service}
    page = call("GET", "/incidents", params={k: v for k, v in params.items() if v is not None})
    if as_json:
        print(json.dumps(page, indent=2))
        return
    table = Table("ref", "sev", "status", "title", "services", "opened")
    for i in page["items"]:
        table.add_row(
            i["reference"],
            i["severity"],
            i["status"],
            i["title"],
            ", ".join(i["services"]),
            i["created_at"][:19],
        )
    console.print(table)


@app.command()
def show(incident_id: int, as_json: AsJson = False) -> None:
    _show(call("GET", f"/incidents/{incident_id}"), as_json)


def _move(incident_id: int, status: Status, message: str | None, as_json: bool) -> None:
    body = {"status": status.value, "message": message}
    _show(call("POST", f"/incidents/{incident_id}/status", json=body), as_json)


@app.command()
def status(
    incident_id: int, new_status: Status, message: str | None = None, as_json: AsJson = False
) -> None:
    """Move an incident to any status the lifecycle allows."""
    _move(incident_id, new_status, message, as_json)


@app.command()
def ack(incident_id: int, message: str | None = None, as_json: AsJson = False) -> None:
    """Acknowledge."""
    _move(incident_id, Status.ACKNOWLEDGED, message, as_json)


@app.command()
def mitigate(incident_id: int, message: str | None = None, as_json: AsJson = False) -> None:
    _move(incident_id, Status.MITIGATED, message, as_json)


@app.command()
def resolve(incident_id: int, message: str | None = None, as_json: AsJson = False) -> None:
    _move(incident_id, Status.RESOLVED, message, as_json)


@app.command()
def close(incident_id: int, as_json: AsJson = False) -> None:
    """Close (needs the learning phase done or waived when the severity requires a postmortem)."""
    _move(incident_id, Status.CLOSED, None, as_json)


@app.command()
def severity(
    incident_id: int,
    new_severity: str,
    reason: Annotated[str, typer.Option(help="Why it changes.")],
    as_json: AsJson = False,
) -> None:
    body = {"severity": new_severity, "reason": reason}
    _show(call("POST", f"/incidents/{incident_id}/severity", json=body), as_json)


@app.command()
def role(
    incident_id: int,
    role: Role,
    holder: Annotated[str | None, typer.Argument(help="A name (defaults to the person's).")] = None,
    person: Annotated[
        int | None, typer.Option("--person", help="A person of the on-call directory, by id.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Assign or hand over a role, to a directory person (--person), a name, or both."""
    body: dict[str, Any] = {"holder": holder, "person_id": person}
    body = {k: v for k, v in body.items() if v is not None}
    _show(call("PUT", f"/incidents/{incident_id}/roles/{role.value}", json=body), as_json)


@app.command()
def update(
    incident_id: int,
    status: Annotated[str, typer.Option("--status", help="Current status.")],
    impact: Annotated[str, typer.Option(help="Scope and users affected.")],
    actions: Annotated[str, typer.Option(help="What is being done.")],
    next_in: Annotated[int | None, typer.Option(help="Minutes to the next update.")] = None,
    as_json: AsJson = False,
) -> None:
    """Post an internal update on the template."""
    body = {
        "status": status,
        "impact": impact,
        "actions": actions,
        "next_update_in_minutes": next_in,
    }
    _show(call("POST", f"/incidents/{incident_id}/updates", json=body), as_json)


@app.command()
def note(incident_id: int, text: str, as_json: AsJson = False) -> None:
    _show(call("POST", f"/incidents/{incident_id}/notes", json={"body": text}), as_json)


@app.command()
def waive(
    incident_id: int, reason: Annotated[str, typer.Option()], as_json: AsJson = False
) -> None:
    """Waive the postmortem, with a reason."""
    body = {"state": "waived", "reason": reason}
    _show(call("PUT", f"/incidents/{incident_id}/learning", json=body), as_json)


@app.command()
def timeline(incident_id: int, as_json: AsJson = False) -> None:
    page = call("GET", f"/incidents/{incident_id}/events", params={"limit": 200})
    if as_json:
        print(json.dumps(page, indent=2))
        return
    for event in page["items"]:
        text = describe(SimpleNamespace(kind=event["kind"], data=event["data"]))
        console.print(f"{event['at'][:19]}  {event['actor']:<20} {text}")
