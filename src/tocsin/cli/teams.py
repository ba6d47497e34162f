"""`tocsin team list|show|add-member|remove-member|set-role`: teams and their admins.

A team admin (``--role admin``) manages the team's schedules, escalation policies, services
and members; adding and changing members needs an admin token, or a token of one of the
team's admins (with the responder role).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tocsin.cli.client import call
from tocsin.cli.output import Format, OutputOption, emit, examples

app = typer.Typer(help="Teams, their members and team admins.", no_args_is_help=True)
console = Console()


class TeamRoleChoice(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


RoleOption = Annotated[
    TeamRoleChoice, typer.Option("--role", help="member, or admin: manages the team's config.")
]


def _members(team: dict[str, Any]) -> None:
    console.print(f"[bold]{team['name']}[/], team {team['id']}", highlight=False)
    if team["description"]:
        console.print(team["description"], markup=False, highlight=False)
    shown = Table("person", "name", "handle", "team role", title="members")
    for m in team["members"]:
        shown.add_row(str(m["id"]), m["name"], f"@{m['handle']}", m["role"])
    console.print(shown)


@app.command("list", epilog=examples("tocsin team list", "tocsin team list -o json"))
def list_teams(output: OutputOption = Format.TABLE) -> None:
    """Every team, with its member count and its team admins."""

    def table(teams: list[dict[str, Any]]) -> None:
        shown = Table("id", "name", "members", "team admins")
        for t in teams:
            admins = ", ".join(f"@{m['handle']}" for m in t["members"] if m["role"] == "admin")
            shown.add_row(str(t["id"]), t["name"], str(len(t["members"])), admins or "—")
        console.print(shown)

    emit(call("GET", "/teams"), output, table)


@app.command("show", epilog=examples("tocsin team show 2", "tocsin team show 2 -o yaml"))
def show_team(team_id: int, output: OutputOption = Format.TABLE) -> None:
    """One team and its members, each with their team role."""
    emit(call("GET", f"/teams/{team_id}"), output, _members)


@app.command(
    "add-member",
    epilog=examples("tocsin team add-member 2 7", "tocsin team add-member 2 7 --role admin"),
)
def add_member(
    team_id: int,
    person_id: int,
    role: Annotated[
        TeamRoleChoice | None,
        typer.Option("--role", help="member (the default for a newcomer) or admin."),
    ] = None,
    output: OutputOption = Format.TABLE,
) -> None:
    """Add a person to a team (one already in keeps their role unless --role says)."""
    body = {"role": role.value} if role is not None else None
    emit(call("PUT", f"/teams/{team_id}/members/{person_id}", json=body), output, _members)


@app.command("remove-member", epilog=examples("tocsin team remove-member 2 7"))
def remove_member(team_id: int, person_id: int, output: OutputOption = Format.TABLE) -> None:
    """Take a person out of a team."""
    emit(call("DELETE", f"/teams/{team_id}/members/{person_id}"), output, _members)


@app.command(
    "set-role",
    epilog=examples(
        "tocsin team set-role 2 7 --role admin", "tocsin team set-role 2 7 --role member"
    ),
)
def set_role(
    team_id: int, person_id: int, role: RoleOption, output: OutputOption = Format.TABLE
) -> None:
    """Make a member a team admin, or a plain member again."""
    answer = call("PATCH", f"/teams/{team_id}/members/{person_id}", json={"role": role.value})
    emit(answer, output, _members)
