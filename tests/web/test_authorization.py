"""The authorization matrix: every route of the app × every kind of caller gets exactly what
its need allows (``tests/web/authz.py`` says how a row is sent and judged).

To add a route: one ``Route(method, path, need)`` line in ``ROUTES`` (a body or throwaway
objects only if the defaults do not fit). To add a role: one ``Caller`` line in
``CALLERS``, and its need on the rows it opens. ``test_every_route_is_in_the_table`` fails
for a route of the app no row names, so none escapes the matrix.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import inspect, select

from tests.builders import integration, layer, level, ok, person, schedule, service, unique
from tests.conftest import PASSWORD, Api, settings_for, user_email
from tests.web.authz import (
    ABSENT,
    ADMIN,
    INGEST,
    PUBLIC,
    RESPONDER,
    SIGNED_IN,
    SOME_TEAM,
    TEAM,
    VIEWER,
    Caller,
    Fill,
    Route,
    World,
    call,
    credentials_of,
    matrix_user,
    missing_rows,
    verdict,
)
from tocsin.access import accounts
from tocsin.access import service as access_service
from tocsin.core.roles import AccessRole
from tocsin.paging import links as ack_links
from tocsin.statuspage.subscribers import links as subscriber_links
from tocsin.statuspage.subscribers.tables import Subscriber
from tocsin.web.app import create_app

EVERYONE = frozenset({PUBLIC})
VIEWERS = EVERYONE | {SIGNED_IN, VIEWER}
RESPONDERS = VIEWERS | {RESPONDER}
ADMINS = RESPONDERS | {ADMIN, TEAM, SOME_TEAM}
TEAM_ADMIN = "team-admin"
"""The test user (a responder) linked to the person who is an admin of team A."""
OUTSIDER = "outsider"
"""A test user (a responder) who is no member of the private incident."""
PRIVATE = {"incident_id": "private_incident_id"}
TEAM_B = {  # team B's objects, where team A's admin is nobody special
    name: f"b_{name}"
    for name in ("team_id", "schedule_id", "schedule_sig", "policy_id", "name", "integration_id")
}

CALLERS = [
    Caller("anonymous", EVERYONE),
    Caller("integration", EVERYONE | {INGEST}, key=True),
    Caller("viewer", VIEWERS, user=VIEWER),
    Caller("responder", RESPONDERS, user=RESPONDER),
    Caller("admin", ADMINS, user=ADMIN, fills=PRIVATE),  # sees the private incident
    Caller("team admin", RESPONDERS | {TEAM, SOME_TEAM}, user=TEAM_ADMIN),
    Caller("team admin, team B", RESPONDERS | {SOME_TEAM}, user=TEAM_ADMIN, fills=TEAM_B),
    Caller("private member", RESPONDERS, user=RESPONDER, fills=PRIVATE),
    Caller(
        "private non-member",
        RESPONDERS,
        user=OUTSIDER,
        fills=PRIVATE,
        hides=frozenset({"incident_id"}),
        unseen="private_title",
    ),
]


# --- throwaway objects, for the rows that destroy what they name -------------------------


def _token(api: Api, caller: Caller, world: World) -> dict[str, str]:
    made = access_service.create_token(
        api.db, name=unique("authz"), role=AccessRole.VIEWER, created_by="tests"
    )
    return {"token_id": str(made.id)}


def _new_user(api: Api, caller: Caller, world: World) -> dict[str, str]:
    email = f"{unique('authz')}@users.tocsin.test"
    made = accounts.create_user(api.db, email=email, role=AccessRole.VIEWER, created_by="tests")
    return {"user_id": str(made.id)}


def _person(api: Api, caller: Caller, world: World) -> dict[str, str]:
    return {"person_id": str(person(api)["id"])}


def _team(api: Api, caller: Caller, world: World) -> dict[str, str]:
    return {"team_id": _new_team(api)}


def _new_team(api: Api, *admins: int) -> str:
    body = {"name": unique("team"), "members": list(admins), "admins": list(admins)}
    return str(ok(api.admin.post("/api/v1/teams", json=body), 201)["id"])


def _in_team(caller: Caller, world: World) -> tuple[dict[str, str], int]:
    """The caller's filled parameters, and the team its objects are of (team A or B)."""
    fill = world.filled(caller)
    return fill, int(fill["team_id"])


def _schedule(api: Api, caller: Caller, world: World) -> dict[str, str]:
    fill, team = _in_team(caller, world)
    made = schedule(api, [layer([int(fill["person_id"])])], team_id=team)
    return {"schedule_id": str(made["id"])}


def _policy(api: Api, caller: Caller, world: World) -> dict[str, str]:
    fill, team = _in_team(caller, world)
    return {"policy_id": str(_team_policy(api, int(fill["person_id"]), team)["id"])}


def _team_policy(api: Api, person_id: int, team: int) -> dict[str, Any]:
    body = {"name": unique("policy"), "levels": [level(people=[person_id])], "team_id": team}
    made: dict[str, Any] = ok(api.admin.post("/api/v1/escalation-policies", json=body), 201)
    return made


def _service(api: Api, caller: Caller, world: World) -> dict[str, str]:
    return {"name": service(api, team_id=_in_team(caller, world)[1])["name"]}


def _integration(api: Api, caller: Caller, world: World) -> dict[str, str]:
    fill, _ = _in_team(caller, world)
    return {"integration_id": str(integration(api, service=fill["name"])["id"])}


def _page(api: Api, caller: Caller, world: World) -> dict[str, str]:
    return {"page_id": str(_status_page(api)["id"])}


def _session(api: Api, caller: Caller, world: World) -> dict[str, str]:
    return {"session": "throwaway"}  # ``call`` signs the caller in anew for this request


def _status_page(api: Api, **fields: str) -> dict[str, str]:
    slug = unique("authz")
    body = {"slug": slug, "name": f"Page {slug}", **fields}
    made: dict[str, str] = ok(api.admin.post("/api/v1/statuspage/pages", json=body), 201)
    return made


def _subscriber(api: Api, caller: Caller, world: World) -> dict[str, str]:
    return _subscriber_tokens(api, int(world.fill["page_id"]))  # a confirmation works once


# --- bodies that get past validation where that is easy (``f``: the filled parameters) ----


def _schedule_body(f: Fill) -> dict[str, Any]:
    return {
        "name": unique("schedule"),
        "time_zone": "UTC",
        "layers": [layer([int(f["person_id"])])],
        "team_id": int(f["team_id"]),
    }


def _policy_body(f: Fill) -> dict[str, Any]:
    levels = [level(people=[int(f["person_id"])])]
    return {"name": unique("policy"), "levels": levels, "team_id": int(f["team_id"])}


SCHEDULE = {"json": _schedule_body}
POLICY = {"json": _policy_body}
SERVICE = {"json": lambda f: {"name": unique("svc"), "team_id": int(f["team_id"])}}
INTEGRATION = {
    "json": lambda f: {"kind": "alertmanager", "name": unique("authz"), "service": f["name"]}
}
MEMBER_ROLE = {"json": lambda f: {"role": "member"}}
# the console's forms: the team named, so a team admin's form reaches the team's check
MEMBER = "/api/v1/incidents/{incident_id}/members/{kind}/{member_id}"
MEMBER_URL = "/api/v1/incidents/{{incident_id}}/members/{who}/{id}"
IN_TEAM_FORM = {"data": lambda f: {"team_id": f["team_id"], "name": unique("authz")}}
SERVICE_FORM = {"data": lambda f: {"team_id": f["team_id"]}}
INTEGRATION_FORM = {"data": lambda f: {"kind": "alertmanager", "name": "x", "service": f["name"]}}
MEMBER_FORM = {"data": lambda f: {"person_id": f["person_id"], "role": "member"}}
TOKEN = {"json": lambda f: {"name": unique("authz"), "role": "viewer"}}
INVITE = {"data": lambda f: {"email": f"{unique('invited')}@x.test", "role": "viewer"}}
SIGN_IN = {"data": lambda f: {"email": f["email"], "password": PASSWORD}, "fresh": _session}
PASSWORD_CHANGE = {"data": lambda f: {"current_password": "wrong", "new_password": "x" * 20}}
NEW_PASSWORD = {"data": lambda f: {"password": "x" * 20}}
RESET = {"data": lambda f: {"email": "nobody@x.test"}}
DECLARE = {"data": lambda f: {"title": "Matrix", "severity": "SEV4", "services": "authz"}}
STAY_PRIVATE = {"json": lambda f: {"private": True}}  # the private one stays private
STATUS = {"json": lambda f: {"status": "triggered"}}
STATUS_FORM = {"data": lambda f: {"status": "triggered"}}
UPDATE_FORM = {"data": lambda f: {"status": "looking", "impact": "none", "actions": "none"}}
VERDICT_FORM = {"data": lambda f: {"verdict": "noise"}}
SUBSCRIBE = {"json": lambda f: {"email": f"{unique('reader')}@example.com"}}
SUBSCRIBE_FORM = {"data": lambda f: {"email": f"{unique('reader')}@example.com"}}
REPORT_FORM = {"data": lambda f: {"name": "Ana", "contact": "ana@x.test", "text": "down"}}
ENQUEUE = {
    "json": lambda f: {
        "routing_key": f["key"],
        "event_action": "resolve",
        "dedup_key": unique("authz"),
    }
}
GENIE = {
    "url": "/v2/alerts/authz/close?identifierType=alias",
    "headers": lambda f: {"Authorization": f"GenieKey {f['key']}"},
}
CONFIRM = {"url": "/subscribe/{page_id}/confirm?token={confirm_token}", "fresh": _subscriber}
UNSUBSCRIBE = {"url": "/subscribe/{page_id}/unsubscribe?token={unsubscribe_token}"}
# a signed link names its own incident: the world's public one, whoever follows it
ACK = {"url": "/ack/{ack_incident_id}/{person_id}/{expires}/{signature}"}
OLD_ACK = {"url": "/ack/{ack_incident_id}/{person_id}/{signature}"}
PERSON_FEED = {"url": "/api/v1/people/{person_id}/calendar.ics?sig={person_sig}"}
SCHEDULE_FEED = {"url": "/api/v1/schedules/{schedule_id}/calendar.ics?sig={schedule_sig}"}
# The ingest paths: a caller without the key sends a wrong one (or its own token), and the
# answer to that is the ingest's own (``refused``), not the API's.
KEY_IN_PATH = {"via": "token", "refused": 404}
KEY_IN_HEADER = {"via": "token", "refused": 401}
EVERY_WAY = {"via": "both"}  # a status page document: by token and by session cookie

R = RESPONDER
# fmt: off
ROUTES = [
    # documents of the app
    Route("GET", "/openapi.json", PUBLIC),
    Route("HEAD", "/openapi.json", PUBLIC),
    Route("GET", "/docs", PUBLIC),
    Route("GET", "/static", PUBLIC, url="/static/tocsin.css"),
    Route("GET", "/static/swagger", PUBLIC, url="/static/swagger/swagger-ui.css"),
    Route("GET", "/healthz", PUBLIC),
    Route("GET", "/readyz", PUBLIC),
    # access
    Route("POST", "/api/v1/tokens", ADMIN, **TOKEN),
    Route("GET", "/api/v1/tokens", ADMIN),
    Route("DELETE", "/api/v1/tokens/{token_id}", ADMIN, fresh=_token),
    Route("POST", "/api/v1/users", ADMIN),
    Route("POST", "/api/v1/users/{user_id}/invitation", ADMIN, fresh=_new_user),
    Route("PATCH", "/api/v1/users/{user_id}", ADMIN, fresh=_new_user),
    Route("GET", "/api/v1/users", ADMIN),
    Route("GET", "/api/v1/users/me", VIEWER),
    Route("GET", "/users", ADMIN),
    Route("POST", "/users", ADMIN, **INVITE),
    Route("POST", "/users/{user_id}/person", ADMIN, fresh=_new_user),
    Route("GET", "/login", PUBLIC),
    Route("POST", "/login", PUBLIC, **SIGN_IN),
    Route("POST", "/logout", PUBLIC, fresh=_session),
    Route("GET", "/account", SIGNED_IN),
    Route("POST", "/account/password", SIGNED_IN, **PASSWORD_CHANGE),
    Route("POST", "/account/time-zone", SIGNED_IN),
    Route("GET", "/login/oidc", PUBLIC),
    Route("GET", "/login/oidc/callback", PUBLIC),
    Route("GET", "/tokens", ADMIN),
    Route("POST", "/tokens", ADMIN),
    Route("POST", "/tokens/{token_id}/revoke", ADMIN, fresh=_token),
    Route("GET", "/reset", PUBLIC),
    Route("POST", "/reset", PUBLIC, **RESET),
    Route("GET", "/reset/{token}", PUBLIC),
    Route("POST", "/reset/{token}", PUBLIC, **NEW_PASSWORD),
    Route("GET", "/invite/{token}", PUBLIC),
    Route("POST", "/invite/{token}", PUBLIC, **NEW_PASSWORD),
    # incidents
    Route("GET", "/api/v1/severities", VIEWER),
    Route("GET", "/api/v1/severity-policies", ADMIN),
    Route("GET", "/api/v1/severity-policies/{severity}", ADMIN),
    Route("PUT", "/api/v1/severity-policies/{severity}", ADMIN),
    Route("DELETE", "/api/v1/severity-policies/{severity}", ADMIN),
    Route("POST", "/api/v1/incidents", R),
    Route("GET", "/api/v1/incidents", VIEWER),
    Route("GET", "/api/v1/incidents/{incident_id}", VIEWER),
    Route("PATCH", "/api/v1/incidents/{incident_id}", R),
    Route("POST", "/api/v1/incidents/{incident_id}/status", R, **STATUS),
    Route("POST", "/api/v1/incidents/{incident_id}/severity", R),
    Route("PUT", "/api/v1/incidents/{incident_id}/roles/{role}", R),
    Route("DELETE", "/api/v1/incidents/{incident_id}/roles/{role}", R),
    Route("POST", "/api/v1/incidents/{incident_id}/updates", R),
    Route("GET", "/api/v1/incidents/{incident_id}/updates", VIEWER),
    Route("POST", "/api/v1/incidents/{incident_id}/notes", R),
    Route("PUT", "/api/v1/incidents/{incident_id}/learning", R),
    Route("GET", "/api/v1/incidents/{incident_id}/events", VIEWER),
    Route("POST", "/api/v1/incidents/{incident_id}/stakeholders", R),
    Route("GET", "/api/v1/incidents/{incident_id}/stakeholders", VIEWER),
    Route("DELETE", "/api/v1/incidents/{incident_id}/stakeholders/{stakeholder_id}", R),
    Route("GET", "/api/v1/incidents/{incident_id}/paging", VIEWER),
    Route("GET", "/api/v1/incidents/{incident_id}/similar", VIEWER),
    # a private incident's members (see it) and visibility (its Incident Commander's or an
    # admin's call; the matrix's responder commands none)
    Route("PUT", "/api/v1/incidents/{incident_id}/visibility", ADMIN, **STAY_PRIVATE),
    Route("GET", "/api/v1/incidents/{incident_id}/members", VIEWER),
    Route("PUT", MEMBER, R, url=MEMBER_URL.format(who="users", id="{user_id}")),
    Route("PUT", MEMBER, R, url=MEMBER_URL.format(who="people", id="{person_id}")),
    Route("DELETE", MEMBER, R, url=MEMBER_URL.format(who="users", id="{user_id}")),
    Route("DELETE", MEMBER, R, url=MEMBER_URL.format(who="people", id="{person_id}")),
    Route("GET", "/", PUBLIC),
    Route("GET", "/incidents", SIGNED_IN),
    Route("GET", "/incidents/live", SIGNED_IN, stream=True),
    Route("POST", "/incidents", R, **DECLARE),
    Route("POST", "/incidents/acknowledge", R),
    Route("GET", "/incidents/{incident_id}", SIGNED_IN),
    Route("GET", "/incidents/{incident_id}/live", SIGNED_IN, stream=True),
    Route("POST", "/incidents/{incident_id}/learning", R),
    Route("POST", "/incidents/{incident_id}/postmortem", R),
    Route("POST", "/incidents/{incident_id}/statuspage", R),
    Route("POST", "/incidents/{incident_id}/statuspage/{public_id}/updates", R),
    Route("POST", "/incidents/{incident_id}/status", R, **STATUS_FORM),
    Route("POST", "/incidents/{incident_id}/severity", R),
    Route("POST", "/incidents/{incident_id}/updates", R, **UPDATE_FORM),
    Route("POST", "/incidents/{incident_id}/notes", R),
    Route("POST", "/incidents/{incident_id}/roles", R),
    Route("POST", "/incidents/{incident_id}/stakeholders", R),
    Route("POST", "/incidents/{incident_id}/stakeholders/{stakeholder_id}/remove", R),
    # paging
    Route("GET", "/incidents/{incident_id}/paging", SIGNED_IN),
    Route("GET", "/ack/{incident_id}/{person_id}/{expires}/{signature}", PUBLIC, **ACK),
    Route("POST", "/ack/{incident_id}/{person_id}/{expires}/{signature}", PUBLIC, **ACK),
    Route("GET", "/ack/{incident_id}/{person_id}/{signature}", PUBLIC, **OLD_ACK),
    Route("POST", "/ack/{incident_id}/{person_id}/{signature}", PUBLIC, **OLD_ACK),
    Route("POST", "/api/v1/people/{person_id}/contact-methods/{contact_method_id}/test", R),
    Route("GET", "/api/v1/people/{person_id}/test-pages", VIEWER),
    Route("POST", "/people/{person_id}/contact-methods/{contact_method_id}/test", R),
    Route("GET", "/people/{person_id}/test-pages", SIGNED_IN),
    # on-call
    Route("GET", "/oncall", SIGNED_IN),
    Route("POST", "/api/v1/people", R),
    Route("GET", "/api/v1/people", VIEWER),
    Route("GET", "/api/v1/people/{person_id}", VIEWER),
    Route("PATCH", "/api/v1/people/{person_id}", R),
    Route("DELETE", "/api/v1/people/{person_id}", R, fresh=_person),
    Route("GET", "/api/v1/people/{person_id}/calendar.ics", PUBLIC, **PERSON_FEED),
    Route("POST", "/api/v1/people/{person_id}/contact-methods", R),
    Route("GET", "/api/v1/people/{person_id}/contact-methods", VIEWER),
    Route("DELETE", "/api/v1/people/{person_id}/contact-methods/{contact_method_id}", R),
    Route("POST", "/api/v1/people/{person_id}/notification-rules", R),
    Route("GET", "/api/v1/people/{person_id}/notification-rules", VIEWER),
    Route("DELETE", "/api/v1/people/{person_id}/notification-rules/{rule_id}", R),
    Route("GET", "/api/v1/people/{person_id}/notification-plan", VIEWER),
    Route("POST", "/api/v1/teams", ADMIN),
    Route("GET", "/api/v1/teams", VIEWER),
    Route("GET", "/api/v1/teams/{team_id}", VIEWER),
    Route("PATCH", "/api/v1/teams/{team_id}", TEAM),
    Route("PUT", "/api/v1/teams/{team_id}/members/{person_id}", TEAM, **MEMBER_ROLE),
    Route("PATCH", "/api/v1/teams/{team_id}/members/{person_id}", TEAM, **MEMBER_ROLE),
    Route("DELETE", "/api/v1/teams/{team_id}/members/{person_id}", TEAM),
    Route("DELETE", "/api/v1/teams/{team_id}", ADMIN, fresh=_team),
    Route("POST", "/api/v1/schedules", TEAM, **SCHEDULE),
    Route("GET", "/api/v1/schedules", VIEWER),
    Route("GET", "/api/v1/schedules/{schedule_id}", VIEWER),
    Route("PUT", "/api/v1/schedules/{schedule_id}", TEAM, **SCHEDULE),
    Route("DELETE", "/api/v1/schedules/{schedule_id}", TEAM, fresh=_schedule),
    Route("GET", "/api/v1/schedules/{schedule_id}/on-call", VIEWER),
    Route("GET", "/api/v1/schedules/{schedule_id}/shifts", VIEWER),
    Route("GET", "/api/v1/schedules/{schedule_id}/calendar.ics", PUBLIC, **SCHEDULE_FEED),
    Route("POST", "/api/v1/schedules/{schedule_id}/overrides", R),
    Route("GET", "/api/v1/schedules/{schedule_id}/overrides", VIEWER),
    Route("DELETE", "/api/v1/schedules/{schedule_id}/overrides/{override_id}", R),
    Route("GET", "/api/v1/oncall", VIEWER),
    Route("POST", "/api/v1/escalation-policies", TEAM, **POLICY),
    Route("GET", "/api/v1/escalation-policies", VIEWER),
    Route("GET", "/api/v1/escalation-policies/{policy_id}", VIEWER),
    Route("PUT", "/api/v1/escalation-policies/{policy_id}", TEAM, **POLICY),
    Route("DELETE", "/api/v1/escalation-policies/{policy_id}", TEAM, fresh=_policy),
    Route("POST", "/api/v1/services", TEAM, **SERVICE),
    Route("GET", "/api/v1/services", VIEWER),
    Route("GET", "/api/v1/services/{name}", VIEWER),
    Route("PATCH", "/api/v1/services/{name}", TEAM),
    Route("DELETE", "/api/v1/services/{name}", TEAM, fresh=_service),
    Route("GET", "/api/v1/services/{name}/escalation-preview", VIEWER),
    # on-call: the console (its forms need what the API route they call needs)
    Route("GET", "/people", SIGNED_IN),
    Route("POST", "/people", R),
    Route("GET", "/people/{person_id}", SIGNED_IN),
    Route("POST", "/people/{person_id}", R),
    Route("POST", "/people/{person_id}/delete", R, fresh=_person),
    Route("POST", "/people/{person_id}/contact-methods", R),
    Route("POST", "/people/{person_id}/contact-methods/{contact_method_id}/delete", R),
    Route("POST", "/people/{person_id}/notification-rules", R),
    Route("POST", "/people/{person_id}/notification-rules/{rule_id}/delete", R),
    Route("GET", "/teams", SIGNED_IN),
    Route("GET", "/teams/{team_id}", SIGNED_IN),
    Route("POST", "/teams/{team_id}/members", TEAM, **MEMBER_FORM),
    Route("POST", "/teams/{team_id}/members/{person_id}/role", TEAM, **MEMBER_FORM),
    Route("POST", "/teams/{team_id}/members/{person_id}/remove", TEAM),
    Route("GET", "/schedules", SIGNED_IN),
    Route("GET", "/schedules/new", SOME_TEAM),
    Route("POST", "/schedules", TEAM, **IN_TEAM_FORM),
    Route("GET", "/schedules/{schedule_id}", SIGNED_IN),
    Route("GET", "/schedules/{schedule_id}/edit", TEAM),
    Route("POST", "/schedules/{schedule_id}", TEAM, **IN_TEAM_FORM),
    Route("POST", "/schedules/{schedule_id}/delete", TEAM, fresh=_schedule),
    Route("POST", "/schedules/{schedule_id}/overrides", R),
    Route("POST", "/schedules/{schedule_id}/take", R),
    Route("POST", "/schedules/{schedule_id}/overrides/{override_id}/delete", R),
    Route("GET", "/policies", SIGNED_IN),
    Route("GET", "/policies/new", SOME_TEAM),
    Route("POST", "/policies", TEAM, **IN_TEAM_FORM),
    Route("GET", "/policies/{policy_id}", SIGNED_IN),
    Route("POST", "/policies/{policy_id}", TEAM, **IN_TEAM_FORM),
    Route("POST", "/policies/{policy_id}/delete", TEAM, fresh=_policy),
    Route("GET", "/services", VIEWER),
    Route("POST", "/services", TEAM, **IN_TEAM_FORM),
    Route("GET", "/services/{name}", VIEWER),
    Route("POST", "/services/{name}", TEAM, **SERVICE_FORM),
    Route("POST", "/services/{name}/delete", TEAM, fresh=_service),
    # alerts: the integrations and their alerts (the API), and the ingest paths (a key)
    Route("POST", "/api/v1/integrations", TEAM, **INTEGRATION),
    Route("GET", "/api/v1/integrations", VIEWER),
    Route("GET", "/api/v1/integrations/{integration_id}", VIEWER),
    Route("PATCH", "/api/v1/integrations/{integration_id}", TEAM),
    Route("POST", "/api/v1/integrations/{integration_id}/rotate", TEAM, fresh=_integration),
    Route("DELETE", "/api/v1/integrations/{integration_id}", TEAM, fresh=_integration),
    Route("GET", "/api/v1/alerts", VIEWER),
    Route("GET", "/api/v1/alerts/noise", VIEWER),
    Route("GET", "/api/v1/alerts/{alert_id}", VIEWER),
    Route("GET", "/api/v1/incidents/{incident_id}/alerts", VIEWER),
    Route("POST", "/api/v1/alerts/{alert_id}/feedback", R),
    Route("POST", "/api/v1/incidents/{incident_id}/alerts/feedback", R),
    Route("POST", "/api/v1/silences", R),
    Route("GET", "/api/v1/silences", VIEWER),
    Route("GET", "/api/v1/silences/{silence_id}", VIEWER),
    Route("DELETE", "/api/v1/silences/{silence_id}", R),
    Route("POST", "/incidents/{incident_id}/alerts/{alert_id}/feedback", R, **VERDICT_FORM),
    Route("GET", "/alerts", VIEWER),
    Route("GET", "/alerts/noise", VIEWER),
    Route("GET", "/silences", VIEWER),
    Route("POST", "/silences", R),
    Route("POST", "/silences/{silence_id}/expire", R),
    Route("GET", "/integrations", VIEWER),
    Route("POST", "/integrations", TEAM, **INTEGRATION_FORM),
    Route("POST", "/integrations/{integration_id}/rotate", TEAM, fresh=_integration),
    Route("POST", "/integrations/{integration_id}/delete", TEAM, fresh=_integration),
    Route("POST", "/hooks/{key}", INGEST, **KEY_IN_PATH),
    Route("GET", "/hooks/{key}/heartbeat", INGEST, **KEY_IN_PATH),
    Route("POST", "/hooks", INGEST, **KEY_IN_HEADER),
    Route("POST", "/hooks/heartbeat", INGEST, **KEY_IN_HEADER),
    Route("POST", "/v2/enqueue", INGEST, via="token", refused=400, **ENQUEUE),
    Route("POST", "/v2/alerts/{alias}/close", INGEST, **KEY_IN_HEADER, **GENIE),
    Route("POST", "/integrations/v1/{kind}/{key}/heartbeat", INGEST, **KEY_IN_HEADER,
          url="/integrations/v1/alertmanager/{key}/heartbeat"),
    # checks
    Route("POST", "/api/v1/checks", R),
    Route("GET", "/api/v1/checks", VIEWER),
    Route("GET", "/api/v1/checks/{check_id}", VIEWER),
    Route("PATCH", "/api/v1/checks/{check_id}", R),
    Route("DELETE", "/api/v1/checks/{check_id}", R),
    Route("GET", "/api/v1/checks/{check_id}/results", VIEWER),
    # the status pages: their API, their documents (bare ASGI), subscribers, reports
    Route("GET", "/api/v1/statuspage/components", VIEWER),
    Route("POST", "/api/v1/statuspage/components", R),
    Route("GET", "/api/v1/statuspage/components/{component_id}", VIEWER),
    Route("PATCH", "/api/v1/statuspage/components/{component_id}", R),
    Route("GET", "/api/v1/statuspage/components/{component_id}/uptime", VIEWER),
    Route("DELETE", "/api/v1/statuspage/components/{component_id}", R),
    Route("GET", "/api/v1/statuspage/groups", VIEWER),
    Route("POST", "/api/v1/statuspage/groups", R),
    Route("PATCH", "/api/v1/statuspage/groups/{group_id}", R),
    Route("DELETE", "/api/v1/statuspage/groups/{group_id}", R),
    Route("GET", "/api/v1/statuspage/rule", VIEWER),
    Route("PUT", "/api/v1/statuspage/rule", R),
    Route("GET", "/api/v1/statuspage/incidents", VIEWER),
    Route("POST", "/api/v1/statuspage/incidents", R),
    Route("GET", "/api/v1/statuspage/incidents/{public_id}", VIEWER),
    Route("PATCH", "/api/v1/statuspage/incidents/{public_id}", R),
    Route("POST", "/api/v1/statuspage/incidents/{public_id}/updates", R),
    Route("GET", "/api/v1/statuspage/incidents/{public_id}/report", VIEWER),
    Route("PUT", "/api/v1/statuspage/incidents/{public_id}/report", R),
    Route("POST", "/api/v1/statuspage/incidents/{public_id}/report/publish", R),
    Route("GET", "/api/v1/incidents/{incident_id}/support-macro", VIEWER),
    Route("GET", "/api/v1/statuspage/pages", VIEWER),
    Route("POST", "/api/v1/statuspage/pages", ADMIN),
    Route("GET", "/api/v1/statuspage/pages/{page_id}", VIEWER),
    Route("PATCH", "/api/v1/statuspage/pages/{page_id}", ADMIN),
    Route("DELETE", "/api/v1/statuspage/pages/{page_id}", ADMIN, fresh=_page),
    Route("GET", "/api/v1/statuspage/maintenances", VIEWER),
    Route("POST", "/api/v1/statuspage/maintenances", R),
    Route("GET", "/api/v1/statuspage/maintenances/{maintenance_id}", VIEWER),
    Route("PATCH", "/api/v1/statuspage/maintenances/{maintenance_id}", R),
    Route("POST", "/api/v1/statuspage/maintenances/{maintenance_id}/updates", R),
    Route("POST", "/api/v1/statuspage/maintenances/{maintenance_id}/start", R),
    Route("POST", "/api/v1/statuspage/maintenances/{maintenance_id}/complete", R),
    Route("POST", "/api/v1/statuspage/maintenances/{maintenance_id}/cancel", R),
    Route("POST", "/api/v1/statuspage/pages/{page_id}/subscribe", PUBLIC, **SUBSCRIBE),
    Route("GET", "/api/v1/statuspage/pages/{page_id}/subscribers", R),
    Route("GET", "/api/v1/statuspage/pages/{page_id}/subscribers/counts", R),
    Route("GET", "/api/v1/statuspage/pages/{page_id}/subscribers/{subscriber_id}", R),
    Route("DELETE", "/api/v1/statuspage/pages/{page_id}/subscribers/{subscriber_id}", R),
    Route("POST", "/api/v1/statuspage/pages/{page_id}/subscribers/{subscriber_id}/pause", R),
    Route("POST", "/api/v1/statuspage/pages/{page_id}/subscribers/{subscriber_id}/resume", R),
    Route("POST", "/subscribe/{page_id}", PUBLIC, **SUBSCRIBE_FORM),
    Route("GET", "/subscribe/{page_id}/confirm", PUBLIC, **CONFIRM),
    Route("POST", "/subscribe/{page_id}/confirm", PUBLIC, **CONFIRM),
    Route("GET", "/subscribe/{page_id}/unsubscribe", PUBLIC, **UNSUBSCRIBE),
    Route("POST", "/subscribe/{page_id}/unsubscribe", PUBLIC, **UNSUBSCRIBE),
    Route("GET", "/status/", PUBLIC, **EVERY_WAY),
    Route("GET", "/api/v2/summary.json", PUBLIC, **EVERY_WAY),
    Route("GET", "/history.rss", PUBLIC, **EVERY_WAY),
    Route("GET", "/history.atom", PUBLIC, **EVERY_WAY),
    Route("GET", "/pages/{page_slug}/", PUBLIC, **EVERY_WAY),
    # an internal page: its HTML sends a reader nobody knows to /login, its JSON a 401
    Route("GET", "/pages/{internal_slug}/", SIGNED_IN, **EVERY_WAY, refused=303),
    Route("GET", "/pages/{internal_slug}/api/v2/summary.json", SIGNED_IN, **EVERY_WAY,
          refused=401),
    Route("POST", "/api/v1/reports", R),
    Route("GET", "/api/v1/reports", VIEWER),
    Route("GET", "/api/v1/reports/{report_id}", VIEWER),
    Route("POST", "/api/v1/reports/{report_id}/attach", R),
    Route("POST", "/api/v1/reports/{report_id}/merge", R),
    Route("POST", "/api/v1/reports/{report_id}/dismiss", R),
    Route("GET", "/api/v1/incidents/{incident_id}/reports", VIEWER),
    Route("GET", "/report/{page_slug}", PUBLIC),
    Route("POST", "/report/{page_slug}", PUBLIC, **REPORT_FORM),
    # postmortems
    Route("GET", "/api/v1/postmortems/search", VIEWER),
    Route("POST", "/api/v1/incidents/{incident_id}/postmortem", R),
    Route("GET", "/api/v1/incidents/{incident_id}/postmortem", VIEWER),
    Route("GET", "/api/v1/postmortems", VIEWER),
    Route("GET", "/api/v1/postmortems/{postmortem_id}", VIEWER),
    Route("GET", "/api/v1/postmortems/{postmortem_id}/blameless", VIEWER),
    Route("GET", "/api/v1/postmortems/{postmortem_id}/export.md", VIEWER),
    Route("GET", "/api/v1/postmortems/{postmortem_id}/export.pdf", VIEWER),
    Route("GET", "/api/v1/postmortems/{postmortem_id}/sections", VIEWER),
    Route("PATCH", "/api/v1/postmortems/{postmortem_id}/sections", R),
    Route("POST", "/api/v1/postmortems/{postmortem_id}/status", R),
    Route("POST", "/api/v1/postmortems/{postmortem_id}/comments", R),
    Route("GET", "/api/v1/postmortems/{postmortem_id}/comments", VIEWER),
    Route("GET", "/api/v1/postmortems/{postmortem_id}/timeline", VIEWER),
    Route("PUT", "/api/v1/postmortems/{postmortem_id}/timeline/{entry}", R),
    Route("POST", "/api/v1/postmortems/{postmortem_id}/action-items", R),
    Route("GET", "/api/v1/postmortems/{postmortem_id}/action-items", VIEWER),
    Route("PATCH", "/api/v1/action-items/{item_id}", R),
    Route("GET", "/api/v1/action-items", VIEWER),
    Route("GET", "/postmortems/{postmortem_id}", SIGNED_IN),
    # metrics, config as code, audit
    Route("GET", "/api/v1/metrics", VIEWER),
    Route("GET", "/api/v1/metrics.csv", VIEWER),
    Route("GET", "/metrics", SIGNED_IN),
    Route("POST", "/api/v1/config/plan", ADMIN),
    Route("POST", "/api/v1/config/apply", ADMIN),
    Route("GET", "/api/v1/config/export", ADMIN),
    Route("GET", "/api/v1/config/applies", ADMIN),
    Route("GET", "/api/v1/config/schema", VIEWER),
    Route("GET", "/api/v1/audit", ADMIN),
    Route("GET", "/api/v1/audit.csv", ADMIN),
    Route("GET", "/audit", ADMIN),
    Route("GET", "/audit.csv", ADMIN),
]
# fmt: on


def test_every_route_is_in_the_table(tmp_path: Path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'routes.db'}", tmp_path)
    unlisted, stale = missing_rows(create_app(settings), ROUTES)
    assert not unlisted, f"routes with no row in ROUTES (add one, with its need): {unlisted}"
    assert not stale, f"rows of ROUTES that name no route of the app: {stale}"


def _signature(url: str) -> str:
    return parse_qs(urlsplit(url).query)["sig"][0]


def _subscriber_tokens(api: Api, page_id: int) -> dict[str, str]:
    address = f"{unique('authz')}@example.com"
    api.tocsin.client_limits.clear()
    made = api.viewer.post(f"/api/v1/statuspage/pages/{page_id}/subscribe", json={"email": address})
    assert made.status_code in (200, 201, 202), made.text
    with api.db.reading() as session:
        row = session.scalars(
            select(Subscriber).where(Subscriber.page_id == page_id).order_by(Subscriber.id.desc())
        ).first()
        assert row is not None
        subscriber_id, nonce = row.id, row.nonce
    box = api.settings.secret_box
    return {
        "confirm_token": subscriber_links.token(box, "confirm", subscriber_id, nonce),
        "unsubscribe_token": subscriber_links.token(box, "unsubscribe", subscriber_id, nonce),
    }


def _ack(api: Api, incident_id: int, person_id: int) -> dict[str, str]:
    parts = urlsplit(ack_links.ack_url(api.settings, incident_id, person_id)).path.split("/")
    return {"expires": parts[-2], "signature": parts[-1]}


def _user(api: Api, name: str, person_id: int | None = None) -> int:
    """The test user ``user_email(name)``, a responder who signs in with ``PASSWORD``."""
    body = {"email": user_email(name), "role": "responder", "person_id": person_id}
    made = api.admin.post("/api/v1/users", json=body)
    if made.status_code == 409:  # the same database, served again
        return matrix_user(api, name).id
    user_id = int(ok(made, 201)["id"])
    with api.db.transaction() as session:
        raw = accounts.make_link_in(session, user_id=user_id, purpose="invite", ttl=timedelta(1))
    accounts.use_link(api.db, raw=raw, purpose="invite", password=PASSWORD)
    return user_id


def _team_objects(api: Api, prefix: str, team_id: str, person_id: int) -> dict[str, str]:
    """A team's schedule, policy, service and an integration of it, as path parameters."""
    team = int(team_id)
    rota = schedule(api, [layer([person_id])], team_id=team)
    name = service(api, team_id=team)["name"]
    made = integration(api, service=name)
    return {
        f"{prefix}team_id": team_id,
        f"{prefix}schedule_id": str(rota["id"]),
        f"{prefix}schedule_sig": _signature(rota["calendar_url"]),
        f"{prefix}policy_id": str(_team_policy(api, person_id, team)["id"]),
        f"{prefix}name": name,
        f"{prefix}integration_id": str(made["id"]),
        f"{prefix}integration_key": made["key"],
    }


def has_private_incidents(api: Api) -> bool:
    """Whether this schema has private incidents (a ``private`` column on ``incidents``)."""
    columns = inspect(api.db.engine).get_columns("incidents")
    return any(column["name"] == "private" for column in columns)


def _incident(api: Api, title: str, **fields: Any) -> dict[str, Any]:
    body = {"title": title, "severity": "SEV4", "services": ["authz"], **fields}
    made: dict[str, Any] = ok(api.responder.post("/api/v1/incidents", json=body), 201)
    return made


@pytest.fixture(scope="module")
def world(api: Api) -> Iterator[World]:
    """The objects the rows name, made once per server, and every caller's credentials.

    The on-call objects are team A's, whose admin is the team admin's person (team B's are
    under ``b_``); the incident the admin and the private callers name is private when the
    schema has private incidents (the responder declares it, and so is its member)."""
    someone, team_admin = person(api), person(api, "Tia")
    _user(api, TEAM_ADMIN, team_admin["id"])
    _user(api, OUTSIDER)
    incident = _incident(api, "Authorization matrix")
    private = has_private_incidents(api)
    title = unique("Private-matrix")
    hidden = _incident(api, title, private=True) if private else incident
    if private:  # the matrix's responder, a user (the declaring token is no user's)
        member = matrix_user(api, RESPONDER).id
        url = f"/api/v1/incidents/{hidden['id']}/members/users/{member}"
        ok(api.admin.put(url))
    public, internal = _status_page(api), _status_page(api, visibility="internal")
    team_a, team_b = _new_team(api, team_admin["id"]), _new_team(api)
    fill = {
        "incident_id": str(incident["id"]),
        "ack_incident_id": str(incident["id"]),
        "private_incident_id": str(hidden["id"]),
        "private_title": title,
        "person_id": str(someone["id"]),
        "person_sig": _signature(someone["calendar_url"]),
        **_team_objects(api, "", team_a, someone["id"]),
        **_team_objects(api, "b_", team_b, someone["id"]),
        "page_id": str(public["id"]),
        "page_slug": str(public["slug"]),
        "internal_slug": str(internal["slug"]),
        "severity": "SEV5",
        "role": "scribe",
        "token": "not-a-link-token",
        **_ack(api, incident["id"], someone["id"]),
        **_subscriber_tokens(api, int(public["id"])),
    }
    for absent in (
        "stakeholder_id",
        "contact_method_id",
        "rule_id",
        "override_id",
        "alert_id",
        "silence_id",
        "check_id",
        "component_id",
        "group_id",
        "public_id",
        "maintenance_id",
        "subscriber_id",
        "report_id",
        "postmortem_id",
        "entry",
        "item_id",
        "user_id",
    ):
        fill[absent] = ABSENT
    built = World(api=api, fill=fill, private=private)
    for caller in CALLERS:
        built.credentials[caller.name] = credentials_of(api, caller, fill["integration_key"])
    yield built


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c.name)
def test_each_route_answers_each_caller_as_its_need_says(
    world: World, caller: Caller, subtests: pytest.Subtests
) -> None:
    if caller.hides and not world.private:
        pytest.skip("this schema has no private incidents (no incidents.private column)")
    with httpx.Client(base_url=world.api.url, timeout=30) as client:
        for route in ROUTES:
            for how in route.how():
                with subtests.test(msg=f"{caller.name} {route.method} {route.path} by {how}"):
                    response = call(client, world, route, caller, how)
                    problem = verdict(route, caller, how, response, world)
                    assert problem is None, f"{caller.name} {route.method} {route.path}: {problem}"


@pytest.mark.parametrize("name", ["admin", "private member", "private non-member"])
def test_the_private_incident_is_seen_by_its_members_and_admins_only(
    world: World, name: str
) -> None:
    """The matrix lets a 404 pass where a caller may ask; here who sees it is checked."""
    if not world.private:
        pytest.skip("this schema has no private incidents (no incidents.private column)")
    caller = next(c for c in CALLERS if c.name == name)
    headers = {"Authorization": f"Bearer {world.credentials[name].token}"}
    incident_id, title = world.fill["private_incident_id"], world.fill["private_title"]
    with httpx.Client(base_url=world.api.url, headers=headers, timeout=30) as client:
        one = client.get(f"/api/v1/incidents/{incident_id}")
        listed = client.get("/api/v1/incidents", params={"service": "authz", "limit": 200})
    assert listed.status_code == 200, listed.text
    if caller.hides:
        assert one.status_code == 404 and title not in listed.text
    else:
        assert one.status_code == 200 and title in listed.text, (one.text, listed.text[:300])
