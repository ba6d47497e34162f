"""Action items: owner, due date, priority, status (won't do needs a reason), a tracker link;
listed across postmortems by status, owner, team and service, a page at a time."""

from __future__ import annotations

from typing import Any

from tests.builders import declare, ok, person, unique
from tests.conftest import Api
from tests.postmortems.conftest import postmortem_of, resolve


def add(api: Api, pm_id: int, **body: Any) -> Any:
    payload = {"title": "Add backoff to payment retries", "owner": {"name": "Kim"}, **body}
    return api.responder.post(f"/api/v1/postmortems/{pm_id}/action-items", json=payload)


def edit(api: Api, item_id: int, **body: Any) -> Any:
    return api.responder.patch(f"/api/v1/action-items/{item_id}", json=body)


def postmortem_on(api: Api, service: str) -> dict[str, Any]:
    iid = declare(api, severity="SEV2", services=[service])["id"]
    resolve(api, iid)
    return postmortem_of(api, iid)


def test_an_item_is_tracked_to_done(api: Api) -> None:
    pm = postmortem_on(api, unique("svc"))
    owner = person(api, "Oda")
    item = ok(
        add(
            api,
            pm["id"],
            owner={"person_id": owner["id"]},
            priority="high",
            due_on="2026-12-20",
            tracker_url="https://tracker.example/OPS-12",
        ),
        201,
    )
    assert item["owner"] == {"person_id": owner["id"], "name": "Oda"}
    assert (item["priority"], item["status"], item["incident_id"]) == (
        "P1",
        "open",
        pm["incident_id"],
    )
    assert ok(edit(api, item["id"], status="in_progress"))["status"] == "in_progress"
    done = ok(edit(api, item["id"], status="done"))
    assert done["completed_at"] and done["reason"] is None
    reopened = ok(edit(api, item["id"], status="open"))
    assert reopened["completed_at"] is None
    listed = ok(api.viewer.get(f"/api/v1/postmortems/{pm['id']}/action-items"))
    assert [i["id"] for i in listed] == [item["id"]]


def test_bad_items_are_422_naming_the_field(api: Api) -> None:
    pm = postmortem_on(api, unique("svc"))
    cases = [
        ({"priority": "urgent"}, "priority"),
        ({"tracker_url": "javascript:alert(1)"}, "tracker_url"),
        ({"tracker_url": "ftp://x.example/a"}, "tracker_url"),
        ({"owner": {"person_id": 2_000_000_000}}, "owner.person_id"),
        ({"title": ""}, "title"),
        ({"due_on": "tomorrow"}, "due_on"),
    ]
    for body, field in cases:
        answer = add(api, pm["id"], **body)
        assert answer.status_code == 422, body
        assert answer.json()["field"] == field, answer.json()
    item = ok(add(api, pm["id"]), 201)
    wont = edit(api, item["id"], status="wont_do")
    assert wont.status_code == 422 and wont.json()["field"] == "reason"
    reasoned = ok(edit(api, item["id"], status="wont_do", reason="the service is retired"))
    assert reasoned["reason"] == "the service is retired" and reasoned["completed_at"]
    assert edit(api, item["id"], status=None).status_code == 422
    assert edit(api, 2_000_000_000, status="done").status_code == 404


def test_on_a_published_postmortem_only_the_status_changes(api: Api) -> None:
    pm = postmortem_on(api, unique("svc"))
    item = ok(add(api, pm["id"]), 201)
    url = f"/api/v1/postmortems/{pm['id']}/status"
    ok(api.responder.post(url, json={"status": "in_review", "reviewers": [{"name": "Kim"}]}))
    ok(api.responder.post(url, json={"status": "published"}))
    assert edit(api, item["id"], title="Something else").status_code == 409
    assert ok(edit(api, item["id"], status="done"))["status"] == "done"


def test_open_items_across_postmortems_by_owner_team_and_service(api: Api) -> None:
    team = ok(api.admin.post("/api/v1/teams", json={"name": unique("team")}), 201)
    owned = ok(
        api.admin.post("/api/v1/services", json={"name": unique("svc"), "team_id": team["id"]}),
        201,
    )["name"]
    other = unique("svc")
    first, second = postmortem_on(api, owned), postmortem_on(api, other)
    owner = person(api, "Oda")
    a = ok(add(api, first["id"], owner={"person_id": owner["id"]}), 201)
    b = ok(add(api, first["id"], title="Alert on pool saturation"), 201)
    c = ok(add(api, second["id"], owner={"person_id": owner["id"]}), 201)
    ok(edit(api, b["id"], status="done"))

    def listed(**params: Any) -> list[int]:
        page = ok(api.viewer.get("/api/v1/action-items", params={"limit": 200, **params}))
        return [i["id"] for i in page["items"]]

    assert listed(team=team["id"], status="open") == [a["id"]]
    assert listed(team=team["id"]) == [a["id"], b["id"]]
    assert listed(service=other) == [c["id"]]
    assert listed(owner=str(owner["id"])) == [a["id"], c["id"]]
    assert listed(owner=str(owner["id"]), service=owned) == [a["id"]]
    assert listed(team=team["id"], service=other) == []
    assert c["id"] in listed(status="open") and b["id"] not in listed(status="open")
    one = ok(api.viewer.get("/api/v1/action-items", params={"owner": str(owner["id"]), "limit": 1}))
    assert [i["id"] for i in one["items"]] == [a["id"]] and one["next_cursor"]
    rest = ok(
        api.viewer.get(
            "/api/v1/action-items",
            params={"owner": str(owner["id"]), "limit": 1, "cursor": one["next_cursor"]},
        )
    )
    assert [i["id"] for i in rest["items"]] == [c["id"]] and rest["next_cursor"] is None
    bad = api.viewer.get("/api/v1/action-items", params={"status": "finished"})
    assert bad.status_code == 422 and bad.json()["field"].startswith("status")
    assert api.viewer.get("/api/v1/action-items", params={"cursor": "x"}).status_code == 422
