"""`tocsin incident ...`: work incidents through the API."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tocsin.cli.client import call
from tocsin.cli.output import Format, IncidentArg, JsonFlag, OutputOption, emit, examples
from tocsin.core.lifecycle import Status
from tocsin.core.roles import Role
from tocsin.incidents.describe import describe

app = typer.Typer(help="Declare and work incidents.", no_args_is_help=True)
console = Console()


def _show(incident: dict[str, Any], output: Format, as_json: bool = False) -> None:
    emit(incident, output, _human, as_json=as_json)


def _human(incident: dict[str, Any]) -> None:
    title = escape(incident["title"])
    console.print(
        f"[bold]{incident['reference']}[/] \\[{incident['severity']}] {title} — "
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


Message = Annotated[str | None, typer.Option(help="A line for the timeline.")]


@app.command(
    epilog=examples(
        "tocsin incident declare 'Checkout errors' -s SEV2 --service checkout --commander alice",
        "ID=$(tocsin incident declare 'Queue stuck' -s P2 -q)",
    )
)
def declare(
    title: str,
    severity: Annotated[str, typer.Option("--severity", "-s", help="SEV1–SEV4 or P0–P3")],
    service: Annotated[list[str] | None, typer.Option("--service", help="Repeatable.")] = None,
    summary: str = "",
    commander: Annotated[str | None, typer.Option(help="Incident Commander")] = None,
    impact_started_at: Annotated[str | None, typer.Option(help="ISO 8601 with offset")] = None,
    private: Annotated[
        bool, typer.Option("--private", help="Only its members and admins see it.")
    ] = False,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the new incident's id.")
    ] = False,
) -> None:
    """Declare an incident; `ID=$(tocsin incident declare ... -q)` keeps its id for later."""
    body: dict[str, Any] = {"title": title, "severity": severity, "services": service or []}
    body |= {"summary": summary, "commander": commander, "impact_started_at": impact_started_at}
    if private:
        body["private"] = True
    created = call("POST", "/incidents", json={k: v for k, v in body.items() if v is not None})
    if quiet:
        print(created["id"])
        return
    _show(created, output, as_json)


@app.command(
    "list",
    epilog=examples(
        "tocsin incident list --status triggered --status acknowledged",
        "tocsin incident list --service checkout -o json | jq '.items[].reference'",
    ),
)
def list_incidents(
    status: Annotated[list[Status] | None, typer.Option(help="Repeatable.")] = None,
    severity: Annotated[list[str] | None, typer.Option(help="Repeatable.")] = None,
    service: Annotated[str | None, typer.Option()] = None,
    limit: int = 50,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """List incidents, newest first (json/yaml: the API's page, items and cursor)."""
    params: dict[str, Any] = {"status": [s.value for s in status or []], "limit": limit}
    params |= {"severity": severity or [], "service": service}
    page = call("GET", "/incidents", params={k: v for k, v in params.items() if v is not None})

    def table(page: dict[str, Any]) -> None:
        shown = Table("ref", "sev", "status", "title", "services", "opened")
        for i in page["items"]:
            shown.add_row(
                i["reference"],
                i["severity"],
                i["status"],
                escape(i["title"]),
                ", ".join(i["services"]),
                i["created_at"][:19],
            )
        console.print(shown)

    emit(page, output, table, as_json=as_json)


@app.command(epilog=examples("tocsin incident show INC-4", "tocsin incident show 4 -o yaml"))
def show(
    incident_id: IncidentArg, output: OutputOption = Format.TABLE, as_json: JsonFlag = False
) -> None:
    """One incident: status, severity, roles, when the next update is due."""
    _show(call("GET", f"/incidents/{incident_id}"), output, as_json)


def _move(
    incident_id: int, status: Status, message: str | None, output: Format, as_json: bool
) -> None:
    body = {"status": status.value, "message": message}
    _show(call("POST", f"/incidents/{incident_id}/status", json=body), output, as_json)


@app.command(epilog=examples("tocsin incident status INC-4 mitigated --message 'rolled back'"))
def status(
    incident_id: IncidentArg,
    new_status: Status,
    message: Message = None,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Move an incident to any status the lifecycle allows."""
    _move(incident_id, new_status, message, output, as_json)


def _shortcut(target: Status) -> Callable[..., None]:
    def move_to(
        incident_id: IncidentArg,
        message: Message = None,
        output: OutputOption = Format.TABLE,
        as_json: JsonFlag = False,
    ) -> None:
        _move(incident_id, target, message, output, as_json)

    return move_to


# One status each, with an optional timeline line: (command, status, help, examples).
_SHORTCUTS: tuple[tuple[str, Status, str, tuple[str, ...]], ...] = (
    (
        "ack",
        Status.ACKNOWLEDGED,
        "Acknowledge: paging stops.",
        ("tocsin incident ack INC-4", "tocsin incident ack 4 --message 'on it'"),
    ),
    (
        "mitigate",
        Status.MITIGATED,
        "Mark mitigated: the impact is stopped, the cause maybe not.",
        ("tocsin incident mitigate INC-4 --message 'traffic drained'",),
    ),
    (
        "resolve",
        Status.RESOLVED,
        "Resolve: the incident is over.",
        ("tocsin incident resolve INC-4 --message 'fixed in 1.4.3'",),
    ),
)
for _name, _target, _help, _examples in _SHORTCUTS:
    app.command(_name, help=_help, epilog=examples(*_examples))(_shortcut(_target))


@app.command(epilog=examples("tocsin incident close INC-4"))
def close(
    incident_id: IncidentArg, output: OutputOption = Format.TABLE, as_json: JsonFlag = False
) -> None:
    """Close (needs the learning phase done or waived when the severity requires a postmortem)."""
    _move(incident_id, Status.CLOSED, None, output, as_json)


@app.command(epilog=examples("tocsin incident severity INC-4 SEV1 --reason 'all regions down'"))
def severity(
    incident_id: IncidentArg,
    new_severity: str,
    reason: Annotated[str, typer.Option(help="Why it changes.")],
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Change the severity, with a reason."""
    body = {"severity": new_severity, "reason": reason}
    _show(call("POST", f"/incidents/{incident_id}/severity", json=body), output, as_json)


@app.command(
    epilog=examples(
        "tocsin incident role INC-4 scribe erin",
        "tocsin incident role INC-4 commander --person 3",
    )
)
def role(
    incident_id: IncidentArg,
    role: Role,
    holder: Annotated[str | None, typer.Argument(help="A name (defaults to the person's).")] = None,
    person: Annotated[
        int | None, typer.Option("--person", help="A person of the on-call directory, by id.")
    ] = None,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Assign or hand over a role, to a directory person (--person), a name, or both."""
    body: dict[str, Any] = {"holder": holder, "person_id": person}
    body = {k: v for k, v in body.items() if v is not None}
    _show(call("PUT", f"/incidents/{incident_id}/roles/{role.value}", json=body), output, as_json)


@app.command(
    epilog=examples(
        "tocsin incident update INC-4 --status 'Rolling back' --impact '5% of checkouts fail' "
        "--actions 'rollback to 1.4.2' --next-in 30"
    )
)
def update(
    incident_id: IncidentArg,
    status: Annotated[str, typer.Option("--status", help="Current status.")],
    impact: Annotated[str, typer.Option(help="Scope and users affected.")],
    actions: Annotated[str, typer.Option(help="What is being done.")],
    next_in: Annotated[int | None, typer.Option(help="Minutes to the next update.")] = None,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Post an internal update on the template."""
    body = {
        "status": status,
        "impact": impact,
        "actions": actions,
        "next_update_in_minutes": next_in,
    }
    _show(call("POST", f"/incidents/{incident_id}/updates", json=body), output, as_json)


@app.command(epilog=examples("tocsin incident note INC-4 'restarted the primary'"))
def note(
    incident_id: IncidentArg,
    text: str,
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Add a note to the timeline."""
    _show(call("POST", f"/incidents/{incident_id}/notes", json={"body": text}), output, as_json)


@app.command(epilog=examples("tocsin incident waive INC-4 --reason 'known bug, JIRA-123'"))
def waive(
    incident_id: IncidentArg,
    reason: Annotated[str, typer.Option(help="Why no postmortem.")],
    output: OutputOption = Format.TABLE,
    as_json: JsonFlag = False,
) -> None:
    """Waive the postmortem, with a reason."""
    body = {"state": "waived", "reason": reason}
    _show(call("PUT", f"/incidents/{incident_id}/learning", json=body), output, as_json)


@app.command(
    epilog=examples("tocsin incident timeline INC-4", "tocsin incident timeline 4 -o json")
)
def timeline(
    incident_id: IncidentArg, output: OutputOption = Format.TABLE, as_json: JsonFlag = False
) -> None:
    """The incident's events, oldest first (json/yaml: the API's page)."""
    page = call("GET", f"/incidents/{incident_id}/events", params={"limit": 200})

    def human(page: dict[str, Any]) -> None:
        for event in page["items"]:
            text = describe(SimpleNamespace(kind=event["kind"], data=event["data"]))
            console.print(
                f"{event['at'][:19]}  {event['actor']:<20} {text}", markup=False, highlight=False
            )

    emit(page, output, human, as_json=as_json)
