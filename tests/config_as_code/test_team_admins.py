"""A team's admins and a policy's team, through plan, apply and export."""

from __future__ import annotations

from typing import Any

from tests.builders import ok
from tests.config_as_code.helpers import applied, config, exported, planned, send, suffix
from tests.conftest import Api


def _team(api: Api, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        t for t in ok(api.viewer.get("/api/v1/teams")) if t["name"] == name
    )
    return found


def _with_admins(s: str) -> str:
    return (
        config(s)
        .replace(
            f"    members: [bob-{s}, ana-{s}]\n",
            f"    members: [bob-{s}, ana-{s}]\n    admins: [ana-{s}]\n",
        )
        .replace("    repeat: 1\n", f"    repeat: 1\n    team: pay-{s}\n")
    )


def test_team_admins_and_a_policys_team_round_trip(api: Api) -> None:
    s = suffix()
    applied(api, _with_admins(s))
    team = _team(api, f"Payments {s}")
    roles = {m["handle"]: m["role"] for m in team["members"]}
    assert roles == {f"ana-{s}": "admin", f"bob-{s}": "member"}
    policy = next(
        p for p in ok(api.viewer.get("/api/v1/escalation-policies")) if p["name"] == f"Payments {s}"
    )
    assert policy["team_id"] == team["id"]

    document = exported(api)
    [shown] = [t for t in document["teams"] if t["key"] == f"pay-{s}"]
    assert shown["admins"] == [f"ana-{s}"]
    [pol] = [p for p in document["escalation_policies"] if p["key"] == f"pay-policy-{s}"]
    assert pol["team"] == f"pay-{s}"
    assert planned(api, _with_admins(s))["changes"] == []

    # a role changed in the file is one field of the team
    swapped = _with_admins(s).replace(f"    admins: [ana-{s}]\n", f"    admins: [bob-{s}]\n")
    plan = planned(api, swapped)
    [change] = plan["changes"]
    assert (change["section"], change["action"]) == ("teams", "change")
    assert [(f["path"], f["old"], f["new"]) for f in change["fields"]] == [
        ("admins.0", f"ana-{s}", f"bob-{s}")
    ]
    applied(api, swapped)
    roles = {m["handle"]: m["role"] for m in _team(api, f"Payments {s}")["members"]}
    assert roles == {f"ana-{s}": "member", f"bob-{s}": "admin"}


def test_an_admin_must_be_a_member(api: Api) -> None:
    s = suffix()
    text = _with_admins(s).replace(f"    admins: [ana-{s}]\n", f"    admins: [cy-{s}]\n")
    refused = send(api, "plan", text)
    assert refused.status_code == 422, refused.text
    assert f"cy-{s}" in refused.text and "teams.0" in refused.text
