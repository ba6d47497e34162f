"""Team admins: who may change a team's schedules, policies, services and members.

One table: each principal against each action on configuration owned by team A, with the
exact status the API answers; then the pure rule (a property test), the tokens' cap, the
member role on the team and in the configuration file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.builders import layer, level, ok, person, unique
from tests.conftest import PASSWORD, Api
from tocsin.access import accounts
from tocsin.access import service as access_service
from tocsin.core.roles import AccessRole, may_change_team_config


@dataclass
class World:
    """Teams A and B, and a client for each principal of the table."""

    api: Api
    team_a: int
    team_b: int
    a_name: str
    clients: dict[str, httpx.Client]
    people: dict[str, int]

    def schedule(self, team: int | None) -> dict[str, Any]:
        body = {"name": unique("s"), "time_zone": "UTC", "team_id": team, "layers": []}
        made: dict[str, Any] = ok(self.api.admin.post("/api/v1/schedules", json=body), 201)
        return made

    def policy(self, team: int | None) -> dict[str, Any]:
        body = self.policy_body(team)
        made: dict[str, Any] = ok(
            self.api.admin.post("/api/v1/escalation-policies", json=body), 201
        )
        return made

    def policy_body(self, team: int | None) -> dict[str, Any]:
        levels = [level(people=[self.people["member_a"]])]
        return {"name": unique("p"), "team_id": team, "levels": levels}

    def service(self, team: int | None) -> dict[str, Any]:
        body = {"name": unique("svc"), "team_id": team}
        made: dict[str, Any] = ok(self.api.admin.post("/api/v1/services", json=body), 201)
        return made


def _user(api: Api, role: AccessRole, person_id: int) -> int:
    made = accounts.create_user(
        api.db,
        email=f"{unique('u')}@teams.tocsin.test",
        role=role,
        password=PASSWORD,
        created_by="tests",
        person_id=person_id,
        person_name=api.tocsin.access.person_name,
    )
    return made.id


def _client(api: Api, user_id: int, role: AccessRole) -> httpx.Client:
    token = access_service.create_token(
        api.db, name=unique("t"), role=role, created_by="tests", user_id=user_id
    ).token
    return httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


# Who is who: (global role of the user, team role in A, team role in B, the token's role).
USERS: dict[str, tuple[AccessRole, str | None, str | None, AccessRole]] = {
    "team_admin_a": (AccessRole.RESPONDER, "admin", None, AccessRole.RESPONDER),
    "viewer_team_admin_a": (AccessRole.VIEWER, "admin", None, AccessRole.VIEWER),
    "team_admin_a_viewer_token": (AccessRole.RESPONDER, "admin", None, AccessRole.VIEWER),
    "member_a": (AccessRole.RESPONDER, "member", None, AccessRole.RESPONDER),
    "team_admin_b": (AccessRole.RESPONDER, None, "admin", AccessRole.RESPONDER),
    "team_admin_ab": (AccessRole.RESPONDER, "admin", "admin", AccessRole.RESPONDER),
}


@pytest.fixture
def world(api: Api) -> Iterator[World]:
    people = {name: person(api, name)["id"] for name in USERS}
    teams = {}
    for team in ("a", "b"):
        members = [
            {"id": people[name], "role": roles[1 if team == "a" else 2]}
            for name, roles in USERS.items()
            if roles[1 if team == "a" else 2]
        ]
        body = {
            "name": unique(f"team-{team}"),
            "members": [m["id"] for m in members],
            "admins": [m["id"] for m in members if m["role"] == "admin"],
        }
        teams[team] = ok(api.admin.post("/api/v1/teams", json=body), 201)
    clients = {"admin": api.admin, "viewer": api.viewer}
    for name, (role, _, _, token_role) in USERS.items():
        clients[name] = _client(api, _user(api, role, people[name]), token_role)
    yield World(api, teams["a"]["id"], teams["b"]["id"], teams["a"]["name"], clients, people)
    for name in USERS:
        clients[name].close()


Action = Callable[[World, httpx.Client], httpx.Response]


def _put_schedule(w: World, c: httpx.Client, team: int | None) -> httpx.Response:
    made = w.schedule(w.team_a)
    body = {"name": made["name"], "time_zone": "UTC", "team_id": team, "layers": []}
    return c.put(f"/api/v1/schedules/{made['id']}", json=body)


def _set_role(w: World, c: httpx.Client) -> httpx.Response:
    who = w.people["member_a"]
    return c.patch(f"/api/v1/teams/{w.team_a}/members/{who}", json={"role": "member"})


ACTIONS: dict[str, Action] = {
    "create schedule for A": lambda w, c: c.post(
        "/api/v1/schedules",
        json={"name": unique("s"), "time_zone": "UTC", "team_id": w.team_a},
    ),
    "create schedule of no team": lambda w, c: c.post(
        "/api/v1/schedules", json={"name": unique("s"), "time_zone": "UTC"}
    ),
    "replace A's schedule": lambda w, c: _put_schedule(w, c, w.team_a),
    "delete A's schedule": lambda w, c: c.delete(f"/api/v1/schedules/{w.schedule(w.team_a)['id']}"),
    "move A's schedule to B": lambda w, c: _put_schedule(w, c, w.team_b),
    "create policy for A": lambda w, c: c.post(
        "/api/v1/escalation-policies", json=w.policy_body(w.team_a)
    ),
    "replace A's policy": lambda w, c: c.put(
        f"/api/v1/escalation-policies/{w.policy(w.team_a)['id']}", json=w.policy_body(w.team_a)
    ),
    "delete A's policy": lambda w, c: c.delete(
        f"/api/v1/escalation-policies/{w.policy(w.team_a)['id']}"
    ),
    "create service for A": lambda w, c: c.post(
        "/api/v1/services", json={"name": unique("svc"), "team_id": w.team_a}
    ),
    "patch A's service": lambda w, c: c.patch(
        f"/api/v1/services/{w.service(w.team_a)['name']}", json={"description": "new"}
    ),
    "delete A's service": lambda w, c: c.delete(f"/api/v1/services/{w.service(w.team_a)['name']}"),
    "move A's service to B": lambda w, c: c.patch(
        f"/api/v1/services/{w.service(w.team_a)['name']}", json={"team_id": w.team_b}
    ),
    "integration of A's service": lambda w, c: c.post(
        "/api/v1/integrations",
        json={"kind": "alertmanager", "name": unique("i"), "service": w.service(w.team_a)["name"]},
    ),
    "set member role in A": _set_role,
}

PRINCIPALS = ["admin", *USERS, "viewer"]
_ = 403  # refused
# fmt: off
EXPECTED: dict[str, list[int]] = {
    #                            admin ta_a v_ta_a ta_a_vt mem_a ta_b ta_ab viewer
    "create schedule for A":      [201, 201, _,     _,      _,    _,   201,  _],
    "create schedule of no team": [201, _,   _,     _,      _,    _,   _,    _],
    "replace A's schedule":       [200, 200, _,     _,      _,    _,   200,  _],
    "delete A's schedule":        [204, 204, _,     _,      _,    _,   204,  _],
    "move A's schedule to B":     [200, _,   _,     _,      _,    _,   200,  _],
    "create policy for A":        [201, 201, _,     _,      _,    _,   201,  _],
    "replace A's policy":         [200, 200, _,     _,      _,    _,   200,  _],
    "delete A's policy":          [204, 204, _,     _,      _,    _,   204,  _],
    "create service for A":       [201, 201, _,     _,      _,    _,   201,  _],
    "patch A's service":          [200, 200, _,     _,      _,    _,   200,  _],
    "delete A's service":         [204, 204, _,     _,      _,    _,   204,  _],
    "move A's service to B":      [200, _,   _,     _,      _,    _,   200,  _],
    "integration of A's service": [201, 201, _,     _,      _,    _,   201,  _],
    "set member role in A":       [200, 200, _,     _,      _,    _,   200,  _],
}
# fmt: on


@pytest.mark.parametrize("action", list(ACTIONS))
def test_who_may_change_team_a_configuration(world: World, action: str) -> None:
    answers = {}
    for who in PRINCIPALS:
        answers[who] = ACTIONS[action](world, world.clients[who])
    got = {who: response.status_code for who, response in answers.items()}
    assert got == dict(zip(PRINCIPALS, EXPECTED[action], strict=True)), {
        who: r.text[:200] for who, r in answers.items() if r.status_code >= 400
    }
    refused = answers["team_admin_b"]
    if action != "create schedule of no team":
        # the refusal names the team whose configuration it is
        assert refused.json()["error"] == "forbidden" and world.a_name in refused.json()["message"]


def test_a_refused_move_changes_nothing(world: World) -> None:
    made = world.schedule(world.team_a)
    body = {"name": made["name"], "time_zone": "UTC", "team_id": world.team_b, "layers": []}
    refused = world.clients["team_admin_a"].put(f"/api/v1/schedules/{made['id']}", json=body)
    assert refused.status_code == 403 and refused.json()["team_id"] == world.team_b
    again = ok(world.api.viewer.get(f"/api/v1/schedules/{made['id']}"))
    assert again["team_id"] == world.team_a


def test_team_roles_show_and_change(world: World) -> None:
    api, team = world.api, world.team_a
    shown = ok(api.viewer.get(f"/api/v1/teams/{team}"))
    roles = {m["id"]: m["role"] for m in shown["members"]}
    assert roles[world.people["team_admin_a"]] == "admin"
    assert roles[world.people["member_a"]] == "member"
    # a team admin promotes a member, who then acts as one
    member = world.people["member_a"]
    ta = world.clients["team_admin_a"]
    promoted = ok(ta.patch(f"/api/v1/teams/{team}/members/{member}", json={"role": "admin"}))
    assert {m["id"]: m["role"] for m in promoted["members"]}[member] == "admin"
    body = {"name": unique("s"), "time_zone": "UTC", "team_id": team}
    ok(world.clients["member_a"].post("/api/v1/schedules", json=body), 201)
    # adding with a role; a member already in keeps theirs unless one is sent
    newcomer = person(api, "Newcomer")["id"]
    added = ok(ta.put(f"/api/v1/teams/{team}/members/{newcomer}", json={"role": "admin"}))
    assert {m["id"]: m["role"] for m in added["members"]}[newcomer] == "admin"
    kept = ok(ta.put(f"/api/v1/teams/{team}/members/{newcomer}"))
    assert {m["id"]: m["role"] for m in kept["members"]}[newcomer] == "admin"
    # the member list replaced: those who stay keep their role; admins must be members
    me = world.people["team_admin_a"]
    patched = ok(ta.patch(f"/api/v1/teams/{team}", json={"members": [me, member, newcomer]}))
    after = {m["id"]: m["role"] for m in patched["members"]}
    assert after == {me: "admin", member: "admin", newcomer: "admin"}
    outside = ta.patch(f"/api/v1/teams/{team}", json={"admins": [world.people["team_admin_b"]]})
    assert outside.status_code == 422 and outside.json()["field"] == "admins"
    bad = ta.patch(f"/api/v1/teams/{team}/members/{member}", json={"role": "owner"})
    assert bad.status_code == 422
    gone = ta.patch(f"/api/v1/teams/{team}/members/{world.people['team_admin_b']}", json={})
    assert gone.status_code == 422
    absent = {"role": "admin"}
    missing = ta.patch(f"/api/v1/teams/{team}/members/{world.people['team_admin_b']}", json=absent)
    assert missing.status_code == 404 and missing.json()["field"] == "person_id"
    # making and deleting teams stays with admins
    assert ta.post("/api/v1/teams", json={"name": unique("t")}).status_code == 403
    assert ta.delete(f"/api/v1/teams/{team}").status_code == 403


def test_a_demoted_team_admin_stops_at_once(world: World) -> None:
    api, team = world.api, world.team_a
    who = world.people["team_admin_a"]
    ok(api.admin.patch(f"/api/v1/teams/{team}/members/{who}", json={"role": "member"}))
    body = {"name": unique("s"), "time_zone": "UTC", "team_id": team}
    refused = world.clients["team_admin_a"].post("/api/v1/schedules", json=body)
    assert refused.status_code == 403


def test_policies_carry_their_team(world: World) -> None:
    made = world.policy(world.team_a)
    assert made["team_id"] == world.team_a
    unknown = world.api.admin.post("/api/v1/escalation-policies", json=world.policy_body(999_999))
    assert unknown.status_code == 422 and unknown.json()["field"] == "team_id"


def test_overrides_stay_with_responders(world: World, api: Api) -> None:
    """Overrides are on-call swaps, not configuration: any responder makes them, as before."""
    sched = world.schedule(world.team_a)
    body = {
        "person_id": world.people["member_a"],
        "start": "2031-01-01T00:00:00Z",
        "end": "2031-01-02T00:00:00Z",
    }
    url = f"/api/v1/schedules/{sched['id']}/overrides"
    ok(world.clients["team_admin_b"].post(url, json=body), 201)
    ok(api.responder.post(url, json=body), 201)
    assert api.viewer.post(url, json=body).status_code == 403


def test_the_layer_builder_still_works(world: World) -> None:
    """Schedules with participants: a team admin replaces one with layers."""
    ta = world.clients["team_admin_a"]
    body = {
        "name": unique("s"),
        "time_zone": "UTC",
        "team_id": world.team_a,
        "layers": [layer([world.people["member_a"]])],
    }
    made = ok(ta.post("/api/v1/schedules", json=body), 201)
    assert made["team_id"] == world.team_a and len(made["layers"]) == 1


ROLES = st.sampled_from(list(AccessRole))
TEAMS = st.none() | st.integers(min_value=1, max_value=6)
ADMIN_OF = st.frozensets(st.integers(min_value=1, max_value=6), max_size=6)


@given(role=ROLES, admin_of=ADMIN_OF, team=TEAMS)
def test_the_rule(role: AccessRole, admin_of: frozenset[int], team: int | None) -> None:
    allowed = may_change_team_config(role, admin_of, team)
    if role is AccessRole.ADMIN:
        assert allowed  # admins change everything
    elif team is None or role is AccessRole.VIEWER:
        assert not allowed  # no team: admins only; a viewer never writes
    else:
        assert allowed == (team in admin_of)


@given(role=ROLES, admin_of=ADMIN_OF, more=ADMIN_OF, team=TEAMS)
def test_the_rule_is_monotonic(
    role: AccessRole, admin_of: frozenset[int], more: frozenset[int], team: int | None
) -> None:
    """More team admin rights, or a higher role, never take a right away."""
    if may_change_team_config(role, admin_of, team):
        assert may_change_team_config(role, admin_of | more, team)
        assert may_change_team_config(AccessRole.ADMIN, admin_of, team)
