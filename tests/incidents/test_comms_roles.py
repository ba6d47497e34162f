"""Roles name people of the on-call directory, or a holder by name, or both."""

from __future__ import annotations

from tests.builders import declare, ok, person, timeline
from tests.conftest import Api


def test_a_role_names_a_directory_person_and_shows_both(api: Api) -> None:
    ana = person(api, "Ana")
    iid = declare(api)["id"]
    url = f"/api/v1/incidents/{iid}/roles"
    by_person = ok(api.responder.put(f"{url}/communications_lead", json={"person_id": ana["id"]}))
    [role] = by_person["roles"]
    assert role["person"] == {"id": ana["id"], "name": "Ana"}
    assert role["holder"] == "Ana"  # the text defaults to the person's name
    both = ok(
        api.responder.put(
            f"{url}/incident_commander", json={"person_id": ana["id"], "holder": "Ana (EU)"}
        )
    )
    commander = next(r for r in both["roles"] if r["role"] == "incident_commander")
    assert (commander["holder"], commander["person"]["id"]) == ("Ana (EU)", ana["id"])
    text = ok(api.responder.put(f"{url}/scribe", json={"holder": "Outside contractor"}))
    scribe = next(r for r in text["roles"] if r["role"] == "scribe")
    assert (scribe["holder"], scribe["person"]) == ("Outside contractor", None)
    assigned = timeline(api, iid, "role_assigned")[0]["data"]
    assert assigned["person_id"] == ana["id"] and assigned["holder"] == "Ana"


def test_an_unknown_person_or_no_holder_at_all_is_a_422_naming_the_field(api: Api) -> None:
    iid = declare(api)["id"]
    url = f"/api/v1/incidents/{iid}/roles/communications_lead"
    unknown = api.responder.put(url, json={"person_id": 2**31 - 1})
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "person_id"
    nothing = api.responder.put(url, json={})
    assert nothing.status_code == 422
    assert nothing.json()["field"] == "holder"
    not_an_id = api.responder.put(url, json={"person_id": 0})
    assert not_an_id.status_code == 422
    assert ok(api.viewer.get(f"/api/v1/incidents/{iid}"))["roles"] == []


def test_the_same_person_twice_is_a_conflict_and_release_by_person(api: Api) -> None:
    bo = person(api, "Bo")
    iid = declare(api)["id"]
    url = f"/api/v1/incidents/{iid}/roles/subject_matter_expert"
    ok(api.responder.put(url, json={"person_id": bo["id"], "holder": "Bo (db)"}))
    again = api.responder.put(url, json={"person_id": bo["id"], "holder": "Bo again"})
    assert again.status_code == 409
    released = ok(api.responder.delete(url, params={"person_id": bo["id"]}))
    assert released["roles"] == []


def test_a_person_leaving_the_directory_leaves_the_name_on_the_role(api: Api) -> None:
    cy = person(api, "Cy")
    iid = declare(api)["id"]
    url = f"/api/v1/incidents/{iid}/roles/technical_lead"
    ok(api.responder.put(url, json={"person_id": cy["id"]}))
    ok(api.responder.delete(f"/api/v1/people/{cy['id']}"), 204)
    [role] = ok(api.viewer.get(f"/api/v1/incidents/{iid}"))["roles"]
    assert (role["holder"], role["person"]) == ("Cy", None)


def test_a_role_held_by_a_name_is_handed_to_the_directory_person(api: Api) -> None:
    dee = person(api, "Dee")
    iid = declare(api)["id"]
    url = f"/api/v1/incidents/{iid}/roles"
    ok(api.responder.put(f"{url}/communications_lead", json={"holder": "Dee"}))
    [role] = ok(api.responder.put(f"{url}/communications_lead", json={"person_id": dee["id"]}))[
        "roles"
    ]
    assert (role["holder"], role["person"]["id"]) == ("Dee", dee["id"])
    assert timeline(api, iid, "role_assigned")[-1]["data"]["previous"] == "Dee"
    again = api.responder.put(f"{url}/communications_lead", json={"holder": "Dee"})
    assert again.status_code == 200  # back to the name only: a handover too
    ok(api.responder.put(f"{url}/subject_matter_expert", json={"holder": "Dee"}))
    twice = api.responder.put(f"{url}/subject_matter_expert", json={"person_id": dee["id"]})
    assert twice.status_code == 409  # experts: one "Dee" at a time
