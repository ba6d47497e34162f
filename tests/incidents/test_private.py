"""Private incidents: a walk over every GET route of the app as a non-member finds nothing.

The walker reads the routes from the app itself (``app.routes``), so a route added later is
walked too; a path parameter it cannot fill fails the test unless the route is in
:data:`NOT_WALKED` with the reason. Each route is read with a user's token and with a
signed-in browser session. The non-member (a responder) must never see the incident's
title, reference, id or its postmortem's, and every route about it answers 404, as for a
missing one; a member (by user id) and an admin see it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.alerts.helpers import am_alert, post_alerts
from tests.builders import declare, integration, ok, person, unique
from tests.conftest import Api, run_cli, session_cookie, sign_in, use_cli, user_email
from tocsin.access import accounts as access_accounts
from tocsin.access import service as access_service
from tocsin.core.roles import AccessRole

NOT_WALKED = {
    "/ack/{incident_id}/{person_id}/{expires}/{signature}": "a signed link for the paged "
    "person: without the signature it is refused (403) before anything is read",
    "/ack/{incident_id}/{person_id}/{signature}": "the same signed link, without expiry",
    "/reset/{token}": "a secret mailed link; it shows a password form, nothing of incidents",
    "/invite/{token}": "a secret mailed link; it shows a password form, nothing of incidents",
    "/docs": "the API's documentation page (static)",
    "/openapi.json": "the API's document (static: routes, not data)",
}
"""Routes the walker does not read, each with why nothing of an incident can leak there."""

QUERIES = {"/api/v1/postmortems/search": "q"}
"""Routes that need a query parameter: it gets the incident's title words (a search)."""

PUBLIC_DOCUMENTS = [
    "/status/",
    "/history.rss",
    "/history.atom",
    "/api/v2/summary.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
]
"""The status page's documents, served beside the routes (not in ``app.routes``)."""


@dataclass
class World:
    """The private incident and the ids of what belongs to it."""

    incident_id: int
    title: str
    marker: str
    postmortem_id: int
    alert_id: int
    person_id: int
    member_user_id: int

    def params(self) -> dict[str, str]:
        """A value for each path parameter the walker knows: the incident's own first."""
        return {
            "incident_id": str(self.incident_id),
            "postmortem_id": str(self.postmortem_id),
            "alert_id": str(self.alert_id),
            "person_id": str(self.person_id),
            "user_id": str(self.member_user_id),
            # the rest name nothing of the incident: any value reads something or nothing
            "severity": "SEV2",
            "team_id": "1",
            "schedule_id": "1",
            "policy_id": "1",
            "name": "checkout",
            "integration_id": "1",
            "check_id": "1",
            "silence_id": "1",
            "component_id": "1",
            "public_id": "1",
            "page_id": "1",
            "report_id": "1",
            "page_slug": "status",
            "maintenance_id": "1",
            "subscriber_id": "1",
            "stakeholder_id": "1",
            "token_id": "1",
            "item_id": "1",
        }

    def leaks(self, body: str) -> list[str]:
        """What of the incident ``body`` shows."""
        i, p = self.incident_id, self.postmortem_id
        patterns = [
            re.escape(self.marker),
            rf"INC-{i}\b",
            rf"/incidents/{i}\b",
            rf'"incident_id":\s*{i}\b',
            rf"/postmortems/{p}\b",
            rf'"postmortem_id":\s*{p}\b',
        ]
        return [found.group(0) for x in patterns if (found := re.search(x, body))]


def get_routes(app: FastAPI) -> list[str]:
    """Every GET path of the app, nested routers included."""

    def flat(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            if hasattr(route, "effective_candidates"):
                yield from flat(route.effective_candidates())
            else:
                yield route

    return sorted(
        {r.path for r in flat(list(app.routes)) if "GET" in (getattr(r, "methods", None) or ())}
    )


PARAM = re.compile(r"{([a-z_]+)(?::[a-z]+)?}")


def _filled(path: str, world: World) -> str:
    params = world.params()
    missing = [name for name in PARAM.findall(path) if name not in params]
    assert not missing, f"{path}: the walker cannot fill {missing}; fill it or allow-list it"
    url = PARAM.sub(lambda m: params[m.group(1)], path)
    if path in QUERIES:
        url += f"?{QUERIES[path]}={world.marker}"
    return url


def _about_the_incident(path: str) -> bool:
    """A route about the incident itself or something of it (its detail answers 404)."""
    return any(f"{{{name}}}" in path for name in ("incident_id", "postmortem_id", "alert_id"))


def _not_signed_in(response: httpx.Response) -> bool:
    """A token on a page, or a session on the API: asked to sign in, nothing read."""
    to_login = response.status_code == 303 and "/login" in response.headers.get("location", "")
    return response.status_code == 401 or to_login


def _user_token(api: Api, email: str, role: AccessRole) -> str:
    user_id = access_accounts.user_id_by_email(api.db, email=email)
    return access_service.create_token(
        api.db, name=unique("walker"), role=role, created_by="tests", user_id=user_id
    ).token


def _readers(api: Api, role: str, token: str) -> list[tuple[str, httpx.Client]]:
    """The same user by token and by signed-in browser session."""
    by_token = httpx.Client(
        base_url=api.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    by_session = httpx.Client(base_url=api.url, timeout=30)
    by_session.cookies.set("tocsin_session", session_cookie(api, role))
    return [("token", by_token), ("session", by_session)]


def _private_world(api: Api) -> World:
    marker = unique("vaultbreach")
    created = integration(api)
    [outcome] = post_alerts(api, created["key"], am_alert(marker, alertname="SecretsLeak"))
    iid = int(outcome["incident_id"])
    title = ok(api.admin.get(f"/api/v1/incidents/{iid}"))["title"]
    assert marker in title
    made = api.admin.put(f"/api/v1/incidents/{iid}/visibility", json={"private": True})
    assert ok(made)["private"] is True
    member_id = access_accounts.user_id_by_email(api.db, email=user_email("viewer"))
    ok(api.admin.put(f"/api/v1/incidents/{iid}/members/users/{member_id}"))
    commander = person(api, "Sec")
    role = {"person_id": commander["id"]}
    ok(api.admin.put(f"/api/v1/incidents/{iid}/roles/incident_commander", json=role))
    ok(api.admin.post(f"/api/v1/incidents/{iid}/stakeholders", json=role), 201)
    update = {"status": f"{marker} contained", "impact": "none", "actions": "rotating"}
    ok(api.admin.post(f"/api/v1/incidents/{iid}/updates", json=update), 201)
    ok(api.admin.post(f"/api/v1/incidents/{iid}/notes", json={"body": marker}), 201)
    postmortem = ok(api.admin.post(f"/api/v1/incidents/{iid}/postmortem"), 201)
    sections = {"sections": {"summary": f"{marker} leaked keys"}}
    api.admin.put(f"/api/v1/postmortems/{postmortem['id']}/sections", json=sections)
    alerts = ok(api.admin.get(f"/api/v1/incidents/{iid}/alerts"))
    return World(
        incident_id=iid,
        title=title,
        marker=marker,
        postmortem_id=int(postmortem["id"]),
        alert_id=int(alerts[0]["id"]),
        person_id=int(commander["id"]),
        member_user_id=member_id,
    )


def _walk(api: Api, client: httpx.Client, world: World) -> dict[str, httpx.Response]:
    assert api.app is not None
    app: FastAPI = api.app
    answers: dict[str, httpx.Response] = {}
    for path in get_routes(app):
        if path in NOT_WALKED:
            continue
        answers[path] = _read(client, _filled(path, world))
    for path in PUBLIC_DOCUMENTS:
        answers[path] = client.get(path, follow_redirects=False)
    return answers


def _read(client: httpx.Client, url: str) -> httpx.Response:
    """The answer, or of a live stream (server-sent events, endless) its first frame."""
    with client.stream("GET", url, follow_redirects=False) as streamed:
        if not streamed.headers.get("content-type", "").startswith("text/event-stream"):
            streamed.read()
            return streamed
        first = b""
        for chunk in streamed.iter_bytes():
            first += chunk
            if b"\n\n" in first:
                break
        return httpx.Response(streamed.status_code, headers=streamed.headers, content=first)


MISSING = 999_999_999


def _answered_as_missing(
    api: Api, *, client_token: str, world: World, answers: dict[str, httpx.Response]
) -> None:
    """Each API route about the hidden incident answers what it answers for a missing one."""
    gone = dataclasses.replace(world, incident_id=MISSING, postmortem_id=MISSING, alert_id=MISSING)
    headers = {"Authorization": f"Bearer {client_token}"}
    with httpx.Client(base_url=api.url, headers=headers, timeout=30) as client:
        for path, hidden in answers.items():
            if not (_about_the_incident(path) and path.startswith("/api/")):
                continue
            missing = client.get(_filled(path, gone))
            ids = {str(world.incident_id), str(world.postmortem_id), str(world.alert_id)}
            text = hidden.text
            for i in sorted(ids, key=len, reverse=True):
                text = re.sub(rf"\b{i}\b", str(MISSING), text)
            assert (hidden.status_code, text) == (missing.status_code, missing.text), path


@pytest.fixture
def world(api: Api) -> World:
    return _private_world(api)


def test_a_non_member_finds_nothing_of_a_private_incident_on_any_read_route(
    api: Api, world: World
) -> None:
    token = _user_token(api, user_email("responder"), AccessRole.RESPONDER)
    for how, client in _readers(api, "responder", token):
        with client:
            answers = _walk(api, client, world)
        leaks = {p: world.leaks(r.text) for p, r in answers.items() if world.leaks(r.text)}
        assert leaks == {}, f"by {how}: {leaks}"
        errors = {p: r.status_code for p, r in answers.items() if r.status_code >= 500}
        assert errors == {}, f"by {how}: {errors}"
        shown = {
            p: r.status_code
            for p, r in answers.items()
            if _about_the_incident(p) and r.status_code != 404 and not _not_signed_in(r)
        }
        assert shown == {}, f"by {how}: routes about the incident answer 404: {shown}"
        if how == "token":
            _answered_as_missing(api, client_token=token, world=world, answers=answers)
    assert len(answers) > 90  # the walk read the app's routes, not a handful


def test_a_member_and_an_admin_see_the_private_incident(api: Api, world: World) -> None:
    member = _user_token(api, user_email("viewer"), AccessRole.VIEWER)
    for role, token in (("viewer", member), ("admin", api.tokens["admin"])):
        for how, client in _readers(api, role, token):
            with client:
                answers = _walk(api, client, world)
            seen = {p for p, r in answers.items() if world.leaks(r.text)}
            expected = (
                {"/incidents", "/incidents/{incident_id}", "/postmortems/{postmortem_id}"}
                if how == "session"
                else {
                    "/api/v1/incidents",
                    "/api/v1/incidents/{incident_id}",
                    "/api/v1/incidents/{incident_id}/events",
                    "/api/v1/incidents/{incident_id}/updates",
                    "/api/v1/incidents/{incident_id}/postmortem",
                    "/api/v1/alerts",
                    "/api/v1/alerts/{alert_id}",
                    "/api/v1/postmortems",
                    "/api/v1/postmortems/{postmortem_id}",
                    "/api/v1/postmortems/search",
                }
            )
            assert expected <= seen, f"{role} by {how} misses {expected - seen}"
            errors = {p: r.status_code for p, r in answers.items() if r.status_code >= 500}
            assert errors == {}, f"{role} by {how}: {errors}"


def test_a_private_incident_is_seen_by_its_declarer_and_answers_others_404(api: Api) -> None:
    token = _user_token(api, user_email("responder"), AccessRole.RESPONDER)
    title = unique("private")
    with httpx.Client(
        base_url=api.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as declarer:
        body = {"title": title, "severity": "SEV1", "private": True}
        created = ok(declarer.post("/api/v1/incidents", json=body), 201)
        assert created["private"] is True
        iid = created["id"]
        assert ok(declarer.get(f"/api/v1/incidents/{iid}"))["title"] == title
        members = ok(declarer.get(f"/api/v1/incidents/{iid}/members"))
        assert [m["source"] for m in members] == ["declared"]
    other = _user_token(api, user_email("viewer"), AccessRole.VIEWER)
    with httpx.Client(
        base_url=api.url, headers={"Authorization": f"Bearer {other}"}, timeout=30
    ) as outsider:
        missing = outsider.get("/api/v1/incidents/999999999")
        hidden = outsider.get(f"/api/v1/incidents/{iid}")
        assert hidden.status_code == missing.status_code == 404
        assert title not in outsider.get("/api/v1/incidents", params={"limit": 200}).text
    assert api.viewer.get(f"/api/v1/incidents/{iid}").status_code == 404  # a token of nobody
    assert ok(api.admin.get(f"/api/v1/incidents/{iid}"))["title"] == title


def test_making_an_incident_private_is_for_admins_and_its_commander_and_is_on_the_timeline(
    api: Api,
) -> None:
    iid = declare(api)["id"]
    refused = api.responder.put(f"/api/v1/incidents/{iid}/visibility", json={"private": True})
    assert refused.status_code == 403 and "private" in refused.text
    change = {"private": True, "reason": "a security incident"}
    assert ok(api.admin.put(f"/api/v1/incidents/{iid}/visibility", json=change))["private"]
    assert api.responder.get(f"/api/v1/incidents/{iid}").status_code == 404
    assert not ok(api.admin.put(f"/api/v1/incidents/{iid}/visibility", json={"private": False}))[
        "private"
    ]
    kinds = [e["kind"] for e in ok(api.responder.get(f"/api/v1/incidents/{iid}/events"))["items"]]
    assert kinds[-2:] == ["made_private", "made_public"]


def test_members_are_added_and_removed_by_user_or_person(api: Api) -> None:
    iid = declare(api, private=True)["id"]  # by a token of nobody: no member yet
    assert ok(api.admin.get(f"/api/v1/incidents/{iid}/members")) == []
    someone = person(api, "Mo")
    members = ok(api.admin.put(f"/api/v1/incidents/{iid}/members/people/{someone['id']}"))
    assert [(m["person"]["id"], m["source"]) for m in members] == [(someone["id"], "added")]
    again = ok(api.admin.put(f"/api/v1/incidents/{iid}/members/people/{someone['id']}"))
    assert len(again) == 1
    unknown = api.admin.put(f"/api/v1/incidents/{iid}/members/users/999999999")
    assert unknown.status_code == 404 and "user" in unknown.text
    gone = api.admin.delete(f"/api/v1/incidents/{iid}/members/people/{someone['id']}")
    assert gone.status_code == 204
    assert ok(api.admin.get(f"/api/v1/incidents/{iid}/members")) == []
    not_one = api.admin.delete(f"/api/v1/incidents/{iid}/members/people/{someone['id']}")
    assert not_one.status_code == 404


def test_the_cli_declares_a_private_incident(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    use_cli(api, monkeypatch, "responder")
    title = unique("cli-private")
    iid = int(run_cli("incident", "declare", title, "-s", "SEV3", "--private", "-q").strip())
    assert ok(api.admin.get(f"/api/v1/incidents/{iid}"))["private"] is True
    assert api.viewer.get(f"/api/v1/incidents/{iid}").status_code == 404


def test_the_declare_form_makes_a_private_incident_with_its_badge(api: Api) -> None:
    title = unique("form-private")
    with httpx.Client(base_url=api.url, timeout=30) as browser:
        sign_in(browser, api, "responder")
        form = {"title": title, "severity": "SEV3", "private": "1"}
        answer = browser.post("/incidents", data=form, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        page = browser.get(answer.headers["location"])
        assert page.status_code == 200 and title in page.text and "Private</span>" in page.text
        assert title in browser.get("/incidents").text  # the declarer is a member
    with httpx.Client(base_url=api.url, timeout=30) as other:
        sign_in(other, api, "viewer")
        assert title not in other.get("/incidents").text
        assert other.get(answer.headers["location"]).status_code == 404
