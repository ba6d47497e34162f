"""The teams pages (/teams, /teams/{id}) and `tocsin team ...`, against the running server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.builders import ok, person, unique
from tests.conftest import PASSWORD, Api, csrf_of, run_cli, sign_in, use_cli
from tocsin.access import accounts
from tocsin.access import service as access_service
from tocsin.core.roles import AccessRole


def _team(api: Api, *members: int, admins: tuple[int, ...] = ()) -> dict[str, Any]:
    body = {"name": unique("team"), "members": list(members), "admins": list(admins)}
    made: dict[str, Any] = ok(api.admin.post("/api/v1/teams", json=body), 201)
    return made


def _user(api: Api, role: AccessRole, person_id: int) -> str:
    email = f"{unique('u')}@teams.tocsin.test"
    accounts.create_user(
        api.db,
        email=email,
        role=role,
        password=PASSWORD,
        created_by="tests",
        person_id=person_id,
        person_name=api.tocsin.access.person_name,
    )
    return email


@contextmanager
def _signed_in(api: Api, email: str) -> Iterator[httpx.Client]:
    """A browser signed in as ``email`` (its form posts carry the session's CSRF token)."""
    with api.anonymous() as browser:
        form = browser.get("/login")
        data = {"email": email, "password": PASSWORD, "csrf_token": csrf_of(form.text)}
        answer = browser.post("/login", data={**data, "next": "/teams"}, follow_redirects=False)
        assert answer.status_code == 303, answer.text[:300]
        browser.headers["X-CSRF-Token"] = csrf_of(browser.get("/account").text)
        yield browser


def _roles(api: Api, team_id: int) -> dict[int, str]:
    shown = ok(api.viewer.get(f"/api/v1/teams/{team_id}"))
    return {m["id"]: m["role"] for m in shown["members"]}


def test_the_list_and_a_team_with_what_it_owns(api: Api) -> None:
    ana, bo = person(api, "Ana"), person(api, "Bo")
    team = _team(api, ana["id"], bo["id"], admins=(ana["id"],))
    body = {"name": unique("sched"), "time_zone": "UTC", "team_id": team["id"]}
    sched = ok(api.admin.post("/api/v1/schedules", json=body), 201)
    svc = ok(
        api.admin.post("/api/v1/services", json={"name": unique("svc"), "team_id": team["id"]}), 201
    )
    with api.anonymous() as browser:
        sign_in(browser, api, "viewer")
        listed = browser.get("/teams")
        shown = browser.get(f"/teams/{team['id']}")
    assert listed.status_code == 200
    assert f'href="/teams/{team["id"]}"' in listed.text and "Ana" in listed.text
    assert '<a href="/teams">Teams</a>' in listed.text
    assert shown.status_code == 200
    assert sched["name"] in shown.text and svc["name"] in shown.text
    assert '<span class="badge">admin</span>' in shown.text
    # a viewer sees no forms: the page asks may_change, as the API's check does
    assert "Add member" not in shown.text and "Set role" not in shown.text
    assert (
        "this team&#39;s admins manage" in shown.text or "this team's admins manage" in shown.text
    )
    with api.anonymous() as browser:
        sign_in(browser, api, "viewer")
        assert browser.get("/teams/999999").status_code == 404


def test_a_team_admin_manages_members_on_the_page(api: Api) -> None:
    ana, bo, cy = person(api, "Ana"), person(api, "Bo"), person(api, "Cy")
    team = _team(api, ana["id"], bo["id"], admins=(ana["id"],))
    other = _team(api, bo["id"])
    with _signed_in(api, _user(api, AccessRole.RESPONDER, ana["id"])) as browser:
        page = browser.get(f"/teams/{team['id']}")
        assert "Add member" in page.text and "Set role" in page.text
        added = browser.post(
            f"/teams/{team['id']}/members",
            data={"person_id": str(cy["id"]), "role": "member"},
            follow_redirects=False,
        )
        assert added.status_code == 303 and added.headers["location"] == f"/teams/{team['id']}"
        promoted = browser.post(
            f"/teams/{team['id']}/members/{bo['id']}/role",
            data={"role": "admin"},
            follow_redirects=False,
        )
        assert promoted.status_code == 303
        removed = browser.post(
            f"/teams/{team['id']}/members/{cy['id']}/remove", follow_redirects=False
        )
        assert removed.status_code == 303
        assert _roles(api, team["id"]) == {ana["id"]: "admin", bo["id"]: "admin"}

        bad = browser.post(
            f"/teams/{team['id']}/members/{bo['id']}/role",
            data={"role": "owner"},
            follow_redirects=False,
        )
        assert bad.status_code == 303 and "error=" in bad.headers["location"]
        # another team's page: no forms, and a post is refused (403) with the team named
        elsewhere = browser.get(f"/teams/{other['id']}")
        assert "Add member" not in elsewhere.text
        refused = browser.post(
            f"/teams/{other['id']}/members",
            data={"person_id": str(cy["id"]), "role": "admin"},
            follow_redirects=False,
        )
        assert refused.status_code == 403 and other["name"] in refused.text
    assert _roles(api, other["id"]) == {bo["id"]: "member"}


def test_a_viewer_team_admin_gets_no_forms(api: Api) -> None:
    ana = person(api, "Ana")
    team = _team(api, ana["id"], admins=(ana["id"],))
    with _signed_in(api, _user(api, AccessRole.VIEWER, ana["id"])) as browser:
        page = browser.get(f"/teams/{team['id']}")
        assert page.status_code == 200 and "Set role" not in page.text
        refused = browser.post(
            f"/teams/{team['id']}/members/{ana['id']}/remove", follow_redirects=False
        )
        assert refused.status_code == 403
    assert _roles(api, team["id"]) == {ana["id"]: "admin"}


def test_the_team_commands(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    ana, bo = person(api, "Ana"), person(api, "Bo")
    team = _team(api, ana["id"], admins=(ana["id"],))
    tid = str(team["id"])
    # as the team's admin, through a token of theirs
    email = _user(api, AccessRole.RESPONDER, ana["id"])
    user = next(u for u in accounts.list_users(api.db) if u.email == email)
    token = access_service.create_token(
        api.db, name=unique("t"), role=AccessRole.RESPONDER, created_by="tests", user_id=user.id
    ).token
    use_cli(api, monkeypatch, "viewer")
    monkeypatch.setenv("TOCSIN_TOKEN", token)

    listed = run_cli("team", "list")
    line = next(line for line in listed.splitlines() if team["name"] in line)
    assert f"@{ana['handle']}" in line
    added = json.loads(run_cli("team", "add-member", tid, str(bo["id"]), "-o", "json"))
    assert {m["id"]: m["role"] for m in added["members"]}[bo["id"]] == "member"
    shown = run_cli("team", "set-role", tid, str(bo["id"]), "--role", "admin")
    assert "admin" in next(line for line in shown.splitlines() if bo["handle"] in line)
    assert bo["handle"] in run_cli("team", "show", tid)
    gone = json.loads(run_cli("team", "remove-member", tid, str(bo["id"]), "-o", "json"))
    assert [m["id"] for m in gone["members"]] == [ana["id"]]
    # another team: refused, the server's message naming it, exit 1
    other = _team(api, bo["id"])
    refused = run_cli(
        "team", "set-role", str(other["id"]), str(bo["id"]), "--role", "admin", exit_code=1
    )
    assert other["name"] in refused
