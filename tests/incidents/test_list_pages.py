"""Pages of the incident timeline over HTTP: the cursor is the last event id, as a string."""

from __future__ import annotations

from typing import Any

from tests.builders import declare
from tests.conftest import Api
from tocsin.fields import MAX_ID


def test_the_timeline_pages_oldest_first_by_event_id(api: Api) -> None:
    incident = declare(api, title="Paged timeline", severity="SEV3", services=["pages"])
    path = f"/api/v1/incidents/{incident['id']}"
    for n in range(4):
        note = api.responder.post(f"{path}/notes", json={"body": f"note {n}"})
        assert note.status_code == 201, note.text
    everything = api.viewer.get(f"{path}/events").json()
    assert everything["next_cursor"] is None
    ids = [e["id"] for e in everything["items"]]
    assert ids == sorted(ids) and len(ids) == 5  # declared + 4 notes
    seen: list[int] = []
    cursors: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = api.viewer.get(f"{path}/events", params=params).json()
        seen += [e["id"] for e in page["items"]]
        if page["next_cursor"] is None:
            break
        assert page["next_cursor"] == str(page["items"][-1]["id"])
        cursors.append(page["next_cursor"])
        params["cursor"] = page["next_cursor"]
    assert seen == ids
    assert cursors == [str(ids[1]), str(ids[3])]


def test_a_bad_timeline_cursor_is_named_and_a_missing_incident_is_a_404(api: Api) -> None:
    iid = declare(api)["id"]
    bad = api.viewer.get(f"/api/v1/incidents/{iid}/events", params={"cursor": "zzz"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "cursor"
    # a missing incident is a 404 before anything else: a private one answers the same
    for cursor in ("zzz", "5"):
        missing = api.viewer.get(f"/api/v1/incidents/{MAX_ID}/events", params={"cursor": cursor})
        assert missing.status_code == 404
        assert missing.json()["field"] == "incident_id"
