"""Escalation policies, the services catalog and the escalation preview over the API."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.builders import (
    PUBLIC_HOOK,
    contact,
    layer,
    level,
    ok,
    person,
    policy,
    schedule,
    service,
    unique,
)
from tests.conftest import Api


def test_policy_crud_shows_target_names(api: Api) -> None:
    ana = person(api, "Ana")
    sched = schedule(api, [layer([ana["id"]])])
    created = policy(
        api,
        [
            level(schedules=[sched["id"]], timeout=10),
            level(people=[ana["id"]], timeout=20),
        ],
        repeat=2,
    )
    assert created["repeat"] == 2
    assert created["levels"] == [
        {
            "position": 1,
            "timeout_minutes": 10,
            "targets": [{"type": "schedule", "id": sched["id"], "name": sched["name"]}],
        },
        {
            "position": 2,
            "timeout_minutes": 20,
            "targets": [{"type": "person", "id": ana["id"], "name": "Ana"}],
        },
    ]
    pid = created["id"]
    assert ok(api.viewer.get(f"/api/v1/escalation-policies/{pid}")) == created
    assert pid in [p["id"] for p in ok(api.viewer.get("/api/v1/escalation-policies"))]
    body = {
        "name": "one level",
        "levels": [level(people=[ana["id"]])],
    }
    replaced = ok(api.admin.put(f"/api/v1/escalation-policies/{pid}", json=body))
    assert replaced["name"] == "one level" and len(replaced["levels"]) == 1
    assert replaced["repeat"] == 0
    # Targets in use cannot be deleted from under the policy.
    assert api.responder.delete(f"/api/v1/people/{ana['id']}").status_code == 409
    svc = service(api, pid)
    assert api.admin.delete(f"/api/v1/escalation-policies/{pid}").status_code == 409
    ok(api.admin.patch(f"/api/v1/services/{svc['name']}", json={"escalation_policy_id": None}))
    ok(api.admin.delete(f"/api/v1/escalation-policies/{pid}"), 204)
    assert api.viewer.get(f"/api/v1/escalation-policies/{pid}").status_code == 404
    ok(api.admin.delete(f"/api/v1/schedules/{sched['id']}"), 204)


def test_schedule_targeted_by_a_policy_cannot_be_deleted(api: Api) -> None:
    ana = person(api)
    sched = schedule(api, [layer([ana["id"]])])
    policy(api, [level(schedules=[sched["id"]])])
    response = api.admin.delete(f"/api/v1/schedules/{sched['id']}")
    assert response.status_code == 409 and response.json()["field"] == "schedule_id"


def _level(**fields: Any) -> dict[str, Any]:
    return {"timeout_minutes": 5, "targets": [{"type": "person", "id": 0}]} | fields


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"levels": []}, "levels"),
        ({"levels": [_level(targets=[])]}, "levels.0.targets"),
        ({"levels": [_level(timeout_minutes=0)]}, "levels.0.timeout_minutes"),
        ({"levels": [_level(timeout_minutes=1441)]}, "levels.0.timeout_minutes"),
        (
            {"levels": [_level(), _level(targets=[{"type": "person", "id": 999_999}])]},
            "levels.1.targets.0.id",
        ),
        (
            {"levels": [_level(targets=[{"type": "schedule", "id": 999_999}])]},
            "levels.0.targets.0.id",
        ),
        ({"levels": [_level(targets=[{"type": "team", "id": 1}])]}, "levels.0.targets.0.type"),
        ({"repeat": 10}, "repeat"),
        ({"repeat": -1}, "repeat"),
    ],
)
def test_bad_policy_is_422_naming_the_field(api: Api, change: dict[str, Any], field: str) -> None:
    ana = person(api)
    # a copy: the parameters are shared by both databases' runs, and the ids filled in differ
    body: dict[str, Any] = copy.deepcopy({"name": "p", "levels": [_level()]} | change)
    for each in body["levels"]:
        for target in each["targets"]:
            if target["id"] == 0:
                target["id"] = ana["id"]
    response = api.admin.post("/api/v1/escalation-policies", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_services_catalog(api: Api) -> None:
    team = ok(api.admin.post("/api/v1/teams", json={"name": unique("team")}), 201)
    svc = service(api, description="takes the money", team_id=team["id"])
    name = svc["name"]
    assert (svc["team_id"], svc["escalation_policy_id"]) == (team["id"], None)
    assert ok(api.viewer.get(f"/api/v1/services/{name}")) == svc
    assert name in [s["name"] for s in ok(api.viewer.get("/api/v1/services"))]
    again = api.admin.post("/api/v1/services", json={"name": name})
    assert again.status_code == 409 and again.json()["field"] == "name"
    patched = ok(api.admin.patch(f"/api/v1/services/{name}", json={"description": "new"}))
    assert patched["description"] == "new" and patched["team_id"] == team["id"]
    assert (
        api.viewer.patch(f"/api/v1/services/{name}", json={"description": "x"}).status_code == 403
    )
    ok(api.admin.delete(f"/api/v1/services/{name}"), 204)
    assert api.viewer.get(f"/api/v1/services/{name}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Not A Slug"}, "name"),
        ({"name": "-leading"}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "team_id": 999_999}, "team_id"),
        ({"name": "ok", "escalation_policy_id": 999_999}, "escalation_policy_id"),
    ],
)
def test_bad_service_is_422(api: Api, body: dict[str, Any], field: str) -> None:
    if body["name"] == "ok":
        body["name"] = unique("ok")
    response = api.admin.post("/api/v1/services", json=body)
    assert response.status_code == 422 and response.json()["field"] == field


def test_preview_of_a_two_level_policy_with_a_schedule_target(api: Api) -> None:
    """Level 1 pages the schedule, level 2 a person; one repeat.

    The rotation hands off at 09:00 New York (13:00Z on 2026-04-01); the page starts at
    12:40Z, so the first pass finds Ana on call and the second pass, 45 minutes later, Ben.
    """
    ana, ben, cho = person(api, "Ana"), person(api, "Ben"), person(api, "Cho")
    mail = contact(api, ana["id"], "email", "ana@example.com")
    hook = contact(api, ana["id"], "webhook", PUBLIC_HOOK, label="pager")
    rules = f"/api/v1/people/{ana['id']}/notification-rules"
    ok(api.responder.post(rules, json={"contact_method_id": hook["id"], "delay_minutes": 0}), 201)
    ok(api.responder.post(rules, json={"contact_method_id": mail["id"], "delay_minutes": 5}), 201)
    sched = schedule(api, [layer([ana["id"], ben["id"]], start="2026-03-31T09:00:00-04:00")])
    levels = [
        level(schedules=[sched["id"]], timeout=30),
        level(people=[cho["id"]], timeout=15),
    ]
    svc = service(api, policy(api, levels, repeat=1)["id"])
    url = f"/api/v1/services/{svc['name']}/escalation-preview"
    found = ok(api.viewer.get(url, params={"at": "2026-04-01T08:40:00-04:00"}))
    assert found["at"] == "2026-04-01T12:40:00Z"
    assert found["policy"]["repeat"] == 1
    steps = [
        (
            s["pass_number"],
            s["level"],
            s["fires_at"],
            s["timeout_minutes"],
            [p["handle"] for t in s["targets"] for p in t["people"]],
        )
        for s in found["steps"]
    ]
    assert steps == [
        (0, 1, "2026-04-01T12:40:00Z", 30, [ana["handle"]]),
        (0, 2, "2026-04-01T13:10:00Z", 15, [cho["handle"]]),
        (1, 1, "2026-04-01T13:25:00Z", 30, [ben["handle"]]),
        (1, 2, "2026-04-01T13:55:00Z", 15, [cho["handle"]]),
    ]
    first = found["steps"][0]["targets"][0]
    assert (first["type"], first["name"]) == ("schedule", sched["name"])
    plan = [
        (n["kind"], n["label"], n["delay_minutes"]) for n in first["people"][0]["notifications"]
    ]
    assert plan == [("webhook", "pager", 0), ("email", "email", 5)]


def test_preview_without_a_policy_and_of_an_unknown_service(api: Api) -> None:
    svc = service(api)
    found = ok(api.viewer.get(f"/api/v1/services/{svc['name']}/escalation-preview"))
    assert found["policy"] is None and found["steps"] == []
    missing = api.viewer.get("/api/v1/services/no-such-service/escalation-preview")
    assert missing.status_code == 404
