"""`tocsin person|schedule|override|policy|service ...`: the on-call directory, through the API."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tocsin.cli.client import call
from tocsin.cli.output import Format, OutputOption, emit, examples

person_app = typer.Typer(help="People who can be paged, and how.", no_args_is_help=True)
schedule_app = typer.Typer(help="On-call schedules: layers of rotations.", no_args_is_help=True)
override_app = typer.Typer(
    help="Overrides: someone takes a schedule's shift.", no_args_is_help=True
)
policy_app = typer.Typer(
    help="Escalation policies: who is paged, level by level.", no_args_is_help=True
)
service_app = typer.Typer(help="Services and the policy that pages for them.", no_args_is_help=True)
GROUPS = (
    ("person", person_app),
    ("schedule", schedule_app),
    ("override", override_app),
    ("policy", policy_app),
    ("service", service_app),
)
console = Console()
When = Annotated[str, typer.Option(help="ISO 8601 with offset, e.g. 2026-03-08T09:00Z.")]


def _when(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "—"


def _who(person: dict[str, Any] | None) -> str:
    return f"{person['name']} (@{person['handle']})" if person else "—"


def _fields(data: dict[str, Any], *names: str) -> None:
    width = max(len(n) for n in names)
    for name in names:
        value = data.get(name)
        shown = "—" if value in (None, "") else str(value)
        console.print(f"{name.replace('_', ' '):<{width}}  {shown}", markup=False, highlight=False)


# ------------------------------------------------------------------ people


@person_app.command("list", epilog=examples("tocsin person list", "tocsin person list -o json"))
def list_people(output: OutputOption = Format.TABLE) -> None:
    """Every person of the directory."""

    def table(people: list[dict[str, Any]]) -> None:
        shown = Table("id", "name", "handle", "email", "time zone")
        for p in people:
            shown.add_row(str(p["id"]), p["name"], p["handle"], p["email"] or "—", p["time_zone"])
        console.print(shown)

    emit(call("GET", "/people"), output, table)


@person_app.command("show", epilog=examples("tocsin person show 3", "tocsin person show 3 -o yaml"))
def show_person(person_id: int, output: OutputOption = Format.TABLE) -> None:
    """One person; the table view adds their contact methods and notification rules."""

    def human(p: dict[str, Any]) -> None:
        console.print(f"[bold]{p['name']}[/] (@{p['handle']}), person {p['id']}")
        _fields(p, "email", "time_zone", "created_at", "calendar_url")
        methods = call("GET", f"/people/{p['id']}/contact-methods")
        rules = call("GET", f"/people/{p['id']}/notification-rules")
        shown = Table("contact", "kind", "label", "address", title="contact methods")
        for m in methods:
            shown.add_row(str(m["id"]), m["kind"], m["label"], m["address"])
        console.print(shown)
        plan = ", ".join(f"{r['label']} +{r['delay_minutes']}m" for r in rules)
        console.print(f"notification rules: {plan or 'none (the first contact method, at once)'}")

    emit(call("GET", f"/people/{person_id}"), output, human)


@person_app.command(
    "create",
    epilog=examples(
        "tocsin person create 'Ana Lima' --handle ana --email ana@example.com",
        "tocsin person create Bo --handle bo --time-zone Europe/Paris -q",
    ),
)
def create_person(
    name: str,
    handle: Annotated[str, typer.Option(help="Unique: lowercase letters, digits, - _ .")],
    email: Annotated[str | None, typer.Option(help="For the calendar and sign-in.")] = None,
    time_zone: Annotated[str, typer.Option(help="IANA zone, e.g. Europe/Paris.")] = "UTC",
    output: OutputOption = Format.TABLE,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the new id.")] = False,
) -> None:
    """Add a person (add contact methods in the API or the web console)."""
    body = {"name": name, "handle": handle, "email": email, "time_zone": time_zone}
    made = call("POST", "/people", json={k: v for k, v in body.items() if v is not None})
    if quiet:
        print(made["id"])
        return
    emit(made, output, lambda p: console.print(f"Created person {p['id']} {_who(p)}."))


# ------------------------------------------------------------------ schedules


@schedule_app.command(
    "list", epilog=examples("tocsin schedule list", "tocsin schedule list -o json")
)
def list_schedules(output: OutputOption = Format.TABLE) -> None:
    """Every schedule, with its layers' participants."""

    def table(schedules: list[dict[str, Any]]) -> None:
        shown = Table("id", "name", "time zone", "layers", "participants")
        for s in schedules:
            people = {p["handle"] for layer in s["layers"] for p in layer["participants"]}
            shown.add_row(
                str(s["id"]),
                s["name"],
                s["time_zone"],
                str(len(s["layers"])),
                ", ".join(sorted(people)),
            )
        console.print(shown)

    emit(call("GET", "/schedules"), output, table)


@schedule_app.command(
    "show", epilog=examples("tocsin schedule show 1", "tocsin oncall shifts 1   # its next shifts")
)
def show_schedule(schedule_id: int, output: OutputOption = Format.TABLE) -> None:
    """One schedule: its layers, who rotates, and who is on call now."""

    def human(s: dict[str, Any]) -> None:
        console.print(f"[bold]{s['name']}[/], schedule {s['id']} ({s['time_zone']})")
        _fields(s, "description", "team_id", "calendar_url")
        shown = Table("layer", "name", "rotation", "from", "until", "participants")
        for layer in s["layers"]:
            shown.add_row(
                str(layer["position"]),
                layer["name"] or "—",
                f"{layer['length']} {layer['kind']}",
                _when(layer["start"]),
                _when(layer["end"]),
                ", ".join(_who(p) for p in layer["participants"]),
            )
        console.print(shown)
        now = call("GET", f"/schedules/{s['id']}/on-call")
        console.print(f"on call now: {_who(now['person'])} until {_when(now['until'])} UTC")

    emit(call("GET", f"/schedules/{schedule_id}"), output, human)


# ------------------------------------------------------------------ overrides


def _override_table(overrides: list[dict[str, Any]]) -> None:
    shown = Table("id", "schedule", "who", "from (UTC)", "to (UTC)")
    for o in overrides:
        shown.add_row(
            str(o["id"]),
            str(o["schedule_id"]),
            _who(o["person"]),
            _when(o["start"]),
            _when(o["end"]),
        )
    console.print(shown)


@override_app.command(
    "list", epilog=examples("tocsin override list 1", "tocsin override list 1 --all -o json")
)
def list_overrides(
    schedule_id: int,
    all_: Annotated[bool, typer.Option("--all", help="Include the ones that are over.")] = False,
    output: OutputOption = Format.TABLE,
) -> None:
    """A schedule's current and future overrides."""
    found = call("GET", f"/schedules/{schedule_id}/overrides", params={"include_past": all_})
    emit(found, output, _override_table)


@override_app.command(
    "create",
    epilog=examples(
        "tocsin override create 1 --person 3 --start 2026-03-08T09:00Z --end 2026-03-08T18:00Z"
    ),
)
def create_override(
    schedule_id: int,
    person: Annotated[int, typer.Option(help="Who takes the shift (a person id).")],
    start: When,
    end: When,
    output: OutputOption = Format.TABLE,
) -> None:
    """Put someone on call in a schedule from --start to --end, over its layers."""
    body = {"person_id": person, "start": start, "end": end}
    made = call("POST", f"/schedules/{schedule_id}/overrides", json=body)
    emit(made, output, lambda o: _override_table([o]))


@override_app.command("delete", epilog=examples("tocsin override delete 1 7"))
def delete_override(schedule_id: int, override_id: int) -> None:
    """Remove an override: the layers decide again."""
    call("DELETE", f"/schedules/{schedule_id}/overrides/{override_id}")
    console.print(f"Deleted override {override_id} of schedule {schedule_id}.")


# ------------------------------------------------------------------ policies


@policy_app.command("list", epilog=examples("tocsin policy list", "tocsin policy list -o yaml"))
def list_policies(output: OutputOption = Format.TABLE) -> None:
    """Every escalation policy."""

    def table(policies: list[dict[str, Any]]) -> None:
        shown = Table("id", "name", "levels", "repeat", "description")
        for p in policies:
            shown.add_row(
                str(p["id"]), p["name"], str(len(p["levels"])), str(p["repeat"]), p["description"]
            )
        console.print(shown)

    emit(call("GET", "/escalation-policies"), output, table)


@policy_app.command(
    "show", epilog=examples("tocsin policy show 2", "tocsin oncall preview checkout   # who now")
)
def show_policy(policy_id: int, output: OutputOption = Format.TABLE) -> None:
    """One policy, level by level."""

    def human(p: dict[str, Any]) -> None:
        console.print(f"[bold]{p['name']}[/], policy {p['id']} (repeat {p['repeat']})")
        _fields(p, "description")
        shown = Table("level", "timeout", "targets")
        for level in p["levels"]:
            targets = ", ".join(f"{t['type']} {t['name']} ({t['id']})" for t in level["targets"])
            shown.add_row(str(level["position"]), f"{level['timeout_minutes']}m", targets)
        console.print(shown)

    emit(call("GET", f"/escalation-policies/{policy_id}"), output, human)


# ------------------------------------------------------------------ services


def _service_lines(s: dict[str, Any]) -> None:
    console.print(f"[bold]{s['name']}[/], service {s['id']}")
    _fields(s, "description", "escalation_policy_id", "team_id", "created_at", "updated_at")


@service_app.command("list", epilog=examples("tocsin service list", "tocsin service list -o json"))
def list_services(output: OutputOption = Format.TABLE) -> None:
    """The service catalog."""

    def table(services: list[dict[str, Any]]) -> None:
        shown = Table("id", "name", "policy", "team", "description")
        for s in services:
            shown.add_row(
                str(s["id"]),
                s["name"],
                str(s["escalation_policy_id"] or "—"),
                str(s["team_id"] or "—"),
                s["description"],
            )
        console.print(shown)

    emit(call("GET", "/services"), output, table)


@service_app.command("show", epilog=examples("tocsin service show checkout -o yaml"))
def show_service(name: str, output: OutputOption = Format.TABLE) -> None:
    """One service, by name."""
    emit(call("GET", f"/services/{name}"), output, _service_lines)


@service_app.command(
    "create",
    epilog=examples("tocsin service create checkout --policy 2 --description 'Payments'"),
)
def create_service(
    name: Annotated[str, typer.Argument(help="Lowercase slug, e.g. checkout.")],
    description: str = "",
    policy: Annotated[int | None, typer.Option(help="The escalation policy's id.")] = None,
    team: Annotated[int | None, typer.Option(help="The owning team's id.")] = None,
    output: OutputOption = Format.TABLE,
) -> None:
    """Add a service; with --policy, alerts and incidents on it page that policy."""
    body: dict[str, Any] = {"name": name, "description": description}
    body |= {k: v for k, v in {"escalation_policy_id": policy, "team_id": team}.items() if v}
    emit(call("POST", "/services", json=body), output, _service_lines)
