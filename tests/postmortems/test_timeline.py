"""The timeline writes itself from the incident's events and its public updates; entries are
annotated, starred or hidden, never rewritten."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.builders import ok, timeline
from tests.conftest import Api, TestClock
from tests.postmortems.conftest import commanded, postmortem_of, resolve
from tocsin.postmortems import service as postmortems_service


def entries(api: Api, pm_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(api.viewer.get(f"/api/v1/postmortems/{pm_id}/timeline"))
    return found


def test_events_and_public_updates_in_one_ordered_list(api: Api, clock: TestClock) -> None:
    iid, _ = commanded(api, "SEV2")
    clock.advance(timedelta(minutes=1))
    ok(api.responder.post(f"/api/v1/incidents/{iid}/notes", json={"body": "Rolled back"}), 201)
    clock.advance(timedelta(minutes=1))
    public = {"incident_id": iid, "name": "Checkout is slow", "body": "We are looking into it."}
    ok(api.admin.post("/api/v1/statuspage/incidents", json=public), 201)
    clock.advance(timedelta(minutes=1))
    resolve(api, iid)
    pm = postmortem_of(api, iid)
    got = entries(api, pm["id"])
    kinds = [e["kind"] for e in got]
    assert kinds[0] == "declared"
    assert kinds.index("note_added") < kinds.index("public_update") < kinds.index("status_changed")
    assert "role_assigned" in kinds and "postmortem_opened" in kinds
    update = next(e for e in got if e["kind"] == "public_update")
    assert update["source"] == "public" and update["data"]["body"] == "We are looking into it."
    assert update["entry"] == f"public:{update['event_id']}"
    assert [e["at"] for e in got] == sorted(e["at"] for e in got)
    assert all(e["actor"] for e in got)
    events = {e["id"] for e in timeline(api, iid)}
    assert {e["event_id"] for e in got if e["source"] == "incident"} == events


def test_annotate_star_and_hide_leave_the_event_as_it_was(api: Api) -> None:
    iid, _ = commanded(api, "SEV1")
    ok(api.responder.post(f"/api/v1/incidents/{iid}/notes", json={"body": "Found it"}), 201)
    resolve(api, iid)
    pm = postmortem_of(api, iid)
    got = entries(api, pm["id"])
    note = next(e for e in got if e["kind"] == "note_added")
    noise = next(e for e in got if e["kind"] == "role_assigned")
    url = f"/api/v1/postmortems/{pm['id']}/timeline"
    starred = ok(
        api.responder.put(f"{url}/{note['entry']}", json={"note": "the turn", "starred": True})
    )
    assert (starred["note"], starred["starred"], starred["hidden"]) == ("the turn", True, False)
    ok(api.responder.put(f"{url}/{noise['entry']}", json={"hidden": True}))
    again = ok(api.responder.put(f"{url}/{note['entry']}", json={"hidden": False}))
    assert again["note"] == "the turn" and again["starred"]  # what is left out is kept
    after = {e["entry"]: e for e in entries(api, pm["id"])}
    assert after[note["entry"]]["data"] == note["data"]  # the event itself is untouched
    assert after[noise["entry"]]["hidden"]
    with api.db.reading() as session:
        doc = postmortems_service.document(session, pm["id"], settings=api.settings)
    shown = [e.key for e in doc.timeline]
    assert note["entry"] in shown and noise["entry"] not in shown
    assert next(e for e in doc.timeline if e.key == note["entry"]).annotation.starred


def test_bad_entries_are_422(api: Api) -> None:
    iid, _ = commanded(api, "SEV2")
    resolve(api, iid)
    pm = postmortem_of(api, iid)
    url = f"/api/v1/postmortems/{pm['id']}/timeline"
    bad = api.responder.put(f"{url}/nonsense", json={"starred": True})
    assert bad.status_code == 422 and bad.json()["field"] == "entry"
    other = api.responder.put(f"{url}/incident:2000000000", json={"starred": True})
    assert other.status_code == 422 and other.json()["field"] == "entry"
    first = entries(api, pm["id"])[0]["entry"]
    empty = api.responder.put(f"{url}/{first}", json={})
    assert empty.status_code == 422
    null = api.responder.put(f"{url}/{first}", json={"starred": None})
    assert null.status_code == 422 and null.json()["field"] == "starred"
