"""People, contact methods, notification rules and teams over the API, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.builders import PUBLIC_HOOK, contact, layer, ok, person, schedule, unique
from tests.conftest import Api
from tocsin.oncall.people.tables import ContactMethod


def test_person_crud_and_roles(api: Api) -> None:
    ana = person(api, "Ana", email="ana@example.com", time_zone="Europe/Paris")
    assert ana["time_zone"] == "Europe/Paris"
    assert ana["calendar_url"].startswith(f"{api.settings.base_url}/api/v1/people/{ana['id']}/")
    assert ok(api.viewer.get(f"/api/v1/people/{ana['id']}"))["handle"] == ana["handle"]
    assert ana["id"] in [p["id"] for p in ok(api.viewer.get("/api/v1/people"))]
    renamed = ok(api.responder.patch(f"/api/v1/people/{ana['id']}", json={"name": "Ana B"}))
    assert renamed["name"] == "Ana B" and renamed["email"] == "ana@example.com"
    refused = api.viewer.post("/api/v1/people", json={"name": "x", "handle": unique("x")})
    assert refused.status_code == 403
    ok(api.responder.delete(f"/api/v1/people/{ana['id']}"), 204)
    assert api.viewer.get(f"/api/v1/people/{ana['id']}").status_code == 404


def test_handle_is_unique(api: Api) -> None:
    ana = person(api)
    again = api.responder.post("/api/v1/people", json={"name": "Other", "handle": ana["handle"]})
    assert again.status_code == 409 and again.json()["field"] == "handle"
    other = person(api, "Ben")
    clash = api.responder.patch(f"/api/v1/people/{other['id']}", json={"handle": ana["handle"]})
    assert clash.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "localtime"}, "time_zone"),
        ({"handle": "Not A Slug"}, "handle"),
        ({"handle": ""}, "handle"),
        ({"email": "not-an-address"}, "email"),
        ({"name": "x" * 201}, "name"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_person_is_422_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    response = api.responder.post(
        "/api/v1/people", json={"name": "Ana", "handle": unique("a")} | body
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_contact_methods_mask_and_seal_secrets(api: Api) -> None:
    ana = person(api)
    mail = contact(api, ana["id"], "email", "ana@example.com", label="work mail")
    assert (mail["label"], mail["address"], mail["signing_secret"]) == (
        "work mail",
        "ana@example.com",
        None,
    )
    hook = contact(api, ana["id"], "webhook", PUBLIC_HOOK)
    assert hook["address"] == PUBLIC_HOOK
    assert hook["signing_secret"].startswith("whsec_") and len(hook["signing_secret"]) == 38
    slack_url = "https://93.184.215.14/services/T000/B000/XXXXsecretXXXX"
    slack = contact(api, ana["id"], "slack", slack_url)
    assert slack["address"] == "https://93.184.215.14/…XXXX"
    tgram = "tgram://123456789:abcdefg_hijklmnop/12315544/"
    apprise = contact(api, ana["id"], "apprise", tgram, label="telegram")
    assert apprise["address"].startswith("tgram://…") and "abcdefg" not in apprise["address"]
    listed = ok(api.viewer.get(f"/api/v1/people/{ana['id']}/contact-methods"))
    assert [m["kind"] for m in listed] == ["email", "webhook", "slack", "apprise"]
    assert all("signing_secret" not in m for m in listed)
    with api.db.reading() as session:
        rows = {
            r.kind: r
            for r in session.scalars(
                select(ContactMethod).where(ContactMethod.person_id == ana["id"])
            )
        }
    assert rows["slack"].sealed_address and slack_url not in rows["slack"].sealed_address
    assert rows["slack"].address is None
    assert hook["signing_secret"] not in (rows["webhook"].sealed_secret or "")
    assert (
        api.settings.secret_box.open(rows["webhook"].sealed_secret or "") == hook["signing_secret"]
    )


@pytest.mark.parametrize(
    ("kind", "address"),
    [
        ("email", "nobody"),
        ("webhook", "http://169.254.169.254/latest/meta-data"),
        ("webhook", "ftp://93.184.215.14/x"),
        ("webhook", "http://100.100.100.200/latest/meta-data"),  # carrier-grade NAT
        ("webhook", "http://[::1]:8080/hook"),
        ("webhook", "http://[fec0::1]/hook"),
        ("webhook", "http://[::ffff:169.254.169.254]/"),
        ("webhook", "http://[2002:a9fe:a9fe::1]/"),
        ("webhook", "http://[64:ff9b::a9fe:a9fe]/"),
        ("slack", "http://10.0.0.1/services/x"),
        ("apprise", "nope://x"),
        ("apprise", "json://[::1]:8080/hook"),
        ("apprise", "gotify://100.100.100.200/token123"),
        ("apprise", "mailto://user:pw@93.184.215.14?smtp=10.0.0.1"),
    ],
)
def test_bad_contact_address_is_422(api: Api, kind: str, address: str) -> None:
    ana = person(api)
    url = f"/api/v1/people/{ana['id']}/contact-methods"
    response = api.responder.post(url, json={"kind": kind, "address": address})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "address"


def test_notification_rules_and_default_plan(api: Api) -> None:
    ana = person(api)
    base = f"/api/v1/people/{ana['id']}"
    assert ok(api.viewer.get(f"{base}/notification-plan")) == []
    mail = contact(api, ana["id"], "email", "ana@example.com")
    hook = contact(api, ana["id"], "webhook", PUBLIC_HOOK)
    default = ok(api.viewer.get(f"{base}/notification-plan"))
    assert [(p["contact_method_id"], p["delay_minutes"]) for p in default] == [
        (mail["id"], 0),
        (hook["id"], 0),
    ]
    rules = f"{base}/notification-rules"
    late = ok(
        api.responder.post(rules, json={"contact_method_id": mail["id"], "delay_minutes": 5}), 201
    )
    ok(api.responder.post(rules, json={"contact_method_id": hook["id"], "delay_minutes": 0}), 201)
    assert late["kind"] == "email" and late["delay_minutes"] == 5
    plan = ok(api.viewer.get(f"{base}/notification-plan"))
    assert [(p["kind"], p["delay_minutes"]) for p in plan] == [("webhook", 0), ("email", 5)]
    twice = api.responder.post(rules, json={"contact_method_id": mail["id"], "delay_minutes": 5})
    assert twice.status_code == 409
    ok(api.responder.delete(f"{rules}/{late['id']}"), 204)
    assert len(ok(api.viewer.get(rules))) == 1
    ok(api.responder.delete(f"{base}/contact-methods/{hook['id']}"), 204)
    assert ok(api.viewer.get(rules)) == []  # the rule went with its contact method


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delay_minutes": -1}, "delay_minutes"),
        ({"delay_minutes": 1441}, "delay_minutes"),
        ({"contact_method_id": 999_999}, "contact_method_id"),
    ],
)
def test_bad_rule_is_422(api: Api, body: dict[str, Any], field: str) -> None:
    ana = person(api)
    mail = contact(api, ana["id"], "email", "ana@example.com")
    url = f"/api/v1/people/{ana['id']}/notification-rules"
    response = api.responder.post(
        url, json={"contact_method_id": mail["id"], "delay_minutes": 0} | body
    )
    assert response.status_code == 422 and response.json()["field"] == field


def test_someone_elses_contact_method_is_refused(api: Api) -> None:
    ana, ben = person(api), person(api, "Ben")
    bens = contact(api, ben["id"], "email", "ben@example.com")
    url = f"/api/v1/people/{ana['id']}/notification-rules"
    response = api.responder.post(url, json={"contact_method_id": bens["id"], "delay_minutes": 0})
    assert response.status_code == 422 and response.json()["field"] == "contact_method_id"


def test_person_in_a_rotation_cannot_be_deleted(api: Api) -> None:
    ana = person(api)
    schedule(api, [layer([ana["id"]])])
    response = api.responder.delete(f"/api/v1/people/{ana['id']}")
    assert response.status_code == 409 and response.json()["field"] == "person_id"


def test_teams(api: Api) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    name = unique("team")
    team = ok(api.admin.post("/api/v1/teams", json={"name": name, "members": [ana["id"]]}), 201)
    assert [m["id"] for m in team["members"]] == [ana["id"]]
    added = ok(api.admin.put(f"/api/v1/teams/{team['id']}/members/{ben['id']}"))
    assert {m["handle"] for m in added["members"]} == {ana["handle"], ben["handle"]}
    removed = ok(api.admin.delete(f"/api/v1/teams/{team['id']}/members/{ana['id']}"))
    assert [m["id"] for m in removed["members"]] == [ben["id"]]
    patched = ok(
        api.admin.patch(
            f"/api/v1/teams/{team['id']}", json={"members": [ana["id"]], "description": "db"}
        )
    )
    assert [m["id"] for m in patched["members"]] == [ana["id"]] and patched["description"] == "db"
    assert api.admin.post("/api/v1/teams", json={"name": name}).status_code == 409
    unknown = api.admin.post("/api/v1/teams", json={"name": unique("t"), "members": [999_999]})
    assert unknown.status_code == 422 and unknown.json()["field"] == "members"
    owned = schedule(api, [layer([ana["id"]])], team_id=team["id"])
    assert owned["team_id"] == team["id"]
    assert any(t["id"] == team["id"] for t in ok(api.viewer.get("/api/v1/teams")))
    ok(api.admin.delete(f"/api/v1/teams/{team['id']}"), 204)
    assert ok(api.viewer.get(f"/api/v1/schedules/{owned['id']}"))["team_id"] is None
    assert api.viewer.get(f"/api/v1/teams/{team['id']}").status_code == 404
