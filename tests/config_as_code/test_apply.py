"""`POST /api/v1/config/plan` and `/apply`: a file made real, idempotent, planned field by field."""

from __future__ import annotations

from tests.builders import ok
from tests.config_as_code.helpers import applied, config, exported, planned, send, suffix
from tests.conftest import Api


def _by_key(changes: list[dict], section: str) -> dict[str, dict]:
    return {c["key"]: c for c in changes if c["section"] == section}


def test_a_dry_run_changes_nothing_and_an_apply_makes_every_object(api: Api) -> None:
    s = suffix()
    text = config(s)
    before = exported(api)
    plan = planned(api, text)
    assert plan["counts"] == {"create": 8, "change": 0, "delete": 0}
    assert exported(api) == before

    done = applied(api, text)
    assert len(done["changes"]) == 8
    kinds = {secret["what"] for secret in done["secrets"]}
    assert kinds == {f"integrations.prom-{s}", f"people.ana-{s}.contact_methods.hook"}

    people = {p["handle"]: p for p in ok(api.viewer.get("/api/v1/people"))}
    ana, bob = people[f"ana-{s}"], people[f"bob-{s}"]
    rules = ok(api.viewer.get(f"/api/v1/people/{ana['id']}/notification-rules"))
    assert [(r["label"], r["delay_minutes"]) for r in rules] == [("work mail", 0), ("pager", 5)]
    schedules = {x["name"]: x for x in ok(api.viewer.get("/api/v1/schedules"))}
    primary = schedules[f"Payments primary {s}"]
    assert [p["id"] for p in primary["layers"][0]["participants"]] == [ana["id"], bob["id"]]
    assert primary["layers"][0]["start"].startswith("2030-03-04T08:00:00")
    overrides = ok(api.viewer.get(f"/api/v1/schedules/{primary['id']}/overrides"))
    assert [o["person"]["id"] for o in overrides] == [bob["id"]]
    service = ok(api.viewer.get(f"/api/v1/services/payments-{s}"))
    policy = ok(api.viewer.get(f"/api/v1/escalation-policies/{service['escalation_policy_id']}"))
    assert [lvl["timeout_minutes"] for lvl in policy["levels"]] == [5, 12]
    assert policy["levels"][0]["targets"][0] == {
        "type": "schedule",
        "id": primary["id"],
        "name": primary["name"],
    }

    assert planned(api, text)["changes"] == []
    again = applied(api, text)
    assert again["changes"] == [] and again["secrets"] == []


def test_a_change_is_planned_field_by_field_and_applied_in_place(api: Api) -> None:
    s = suffix()
    applied(api, config(s))
    ids_before = {p["handle"]: p["id"] for p in ok(api.viewer.get("/api/v1/people"))}
    changed = (
        config(s)
        .replace("name: Bob\n", "name: Robert\n")
        .replace("timeout_minutes: 12", "timeout_minutes: 15")
        .replace("length: 1\n", "length: 2\n")
        .replace("delay_minutes: 5}", "delay_minutes: 10}")
    )
    plan = planned(api, changed)
    assert plan["counts"] == {"create": 0, "change": 4, "delete": 0}
    people = _by_key(plan["changes"], "people")
    assert {(f["path"], f["old"], f["new"]) for f in people[f"bob-{s}"]["fields"]} == {
        ("name", "Bob", "Robert")
    }
    rules = {(f["path"], f["old"], f["new"]) for f in people[f"ana-{s}"]["fields"]}
    assert rules == {("notification_rules.1.delay_minutes", 5, 10)}
    policy = _by_key(plan["changes"], "escalation_policies")[f"pay-policy-{s}"]
    assert [(f["path"], f["old"], f["new"]) for f in policy["fields"]] == [
        ("levels.1.timeout_minutes", 12, 15)
    ]
    schedules = _by_key(plan["changes"], "schedules")
    assert [f["path"] for f in schedules[f"primary-{s}"]["fields"]] == ["layers.0.length"]

    applied(api, changed)
    assert planned(api, changed)["changes"] == []
    ids_after = {p["handle"]: p["id"] for p in ok(api.viewer.get("/api/v1/people"))}
    assert ids_after[f"bob-{s}"] == ids_before[f"bob-{s}"]  # changed, not made anew


def test_objects_are_matched_by_key_not_by_name(api: Api) -> None:
    s = suffix()
    applied(api, config(s))
    renamed = config(s).replace(f"name: Payments primary {s}", f"name: Payments on call {s}")
    plan = planned(api, renamed)
    assert [(c["section"], c["action"]) for c in plan["changes"]] == [("schedules", "change")]


def test_nothing_unnamed_is_deleted_without_prune(api: Api) -> None:
    s = suffix()
    applied(api, config(s))
    only_people = config(s).split("teams:")[0]
    assert planned(api, only_people)["changes"] == []


def test_bad_yaml_and_bad_values_name_the_file_line_column_and_field(api: Api) -> None:
    s = suffix()
    broken = config(s).replace("length: 1\n", "length: 0\n")
    response = send(api, "plan", broken, source="ops/tocsin.yaml")
    assert response.status_code == 422
    body = response.json()
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "length: 0" in text)
    assert body["problems"][0]["line"] == line
    assert body["problems"][0]["field"] == "schedules.0.layers.0.length"
    assert body["message"].startswith(f"ops/tocsin.yaml:{line}:17: schedules.0.layers.0.length:")

    response = send(api, "plan", "people: [key: x\n")
    assert response.status_code == 422
    assert response.json()["message"].startswith("tocsin.yaml:")

    unknown = config(s).replace(
        f"participants: [ana-{s}, bob-{s}]", f"participants: [ana-{s}, eve-{s}]"
    )
    response = send(api, "plan", unknown)
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["field"] == "schedules.0.layers.0.participants.1"
    assert f"no person with the key 'eve-{s}'" in problem["message"]


def test_the_routes_need_an_admin_token(api: Api) -> None:
    for path in ("/api/v1/config/export", "/api/v1/config/applies"):
        assert api.responder.get(path).status_code == 403
    response = api.responder.post("/api/v1/config/plan", content=b"people: []")
    assert response.status_code == 403
    assert api.anonymous().get("/api/v1/config/schema").status_code == 401
    assert ok(api.viewer.get("/api/v1/config/schema"))["title"] == "Tocsin configuration"


def test_applies_are_recorded_with_who_and_what(api: Api) -> None:
    s = suffix()
    applied(api, config(s), source="ops/tocsin.yaml")
    latest = ok(api.admin.get("/api/v1/config/applies", params={"limit": 1}))[0]
    assert latest["actor"] == "token:test-admin"
    assert latest["source"] == "ops/tocsin.yaml"
    assert latest["outcome"] == "applied"
    assert {c["key"] for c in latest["changes"]} >= {f"ana-{s}", f"payments-{s}"}
    assert api.tokens["admin"] not in str(latest)


def test_hostile_or_odd_files_are_422s_naming_the_place(api: Api) -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
    )
    cases = {
        laughs: "holds over",
        "[" * 5000 + "]" * 5000: "nests too deeply",
        "!!python/object/apply:os.system [ls]": "could not determine a constructor",
        "12": "the file must be a mapping",
        'teams: [{key: a, name: "a\\0b"}]': "NUL",
        "people: {}": "people: Input should be a valid list",
    }
    for text, expected in cases.items():
        response = send(api, "plan", text)
        assert response.status_code == 422, (text[:40], response.text)
        assert expected in response.json()["message"], response.json()["message"]


def test_a_json_body_is_read_as_a_file_too(api: Api) -> None:
    s = suffix()
    body = {"people": [{"key": f"j-{s}", "name": "Jo", "handle": f"j-{s}"}]}
    response = api.admin.post("/api/v1/config/plan", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["create"] == 1


def test_an_apply_that_fails_changes_nothing_and_is_recorded(api: Api) -> None:
    s = suffix()
    ok(api.responder.post("/api/v1/people", json={"name": "Other", "handle": f"bob-{s}"}), 201)
    before = exported(api)
    response = send(api, "apply", config(s), source="clash.yaml")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["error"].startswith(f"people.bob-{s} (create): ")
    assert "taken" in body["error"]
    assert "nothing was changed" in body["error"]
    assert body["counts"] == {"create": 0, "change": 0, "delete": 0}
    assert body["secrets"] == []
    # Ana was made before Bob's handle clashed: rolled back with the rest
    assert exported(api) == before
    assert f"ana-{s}" not in {p["handle"] for p in before["people"]}
    record = ok(api.admin.get("/api/v1/config/applies", params={"limit": 1}))[0]
    assert (record["outcome"], record["source"]) == ("failed", "clash.yaml")
    assert record["error"] == body["error"]
    assert record["changes"] == []

    fixed = config(s).replace(f"handle: bob-{s}", f"handle: robert-{s}")
    plan = planned(api, fixed)
    assert plan["counts"] == {"create": 8, "change": 0, "delete": 0}
    applied(api, fixed)
    assert planned(api, fixed)["changes"] == []
