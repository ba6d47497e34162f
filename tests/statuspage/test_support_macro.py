"""The support macro: a ready reply in the public wording, linking the status page."""

from __future__ import annotations

from tests.builders import ok
from tests.conftest import Api
from tests.statuspage.helpers import BASE, created, declare, unique

EVIL = "<script>alert(1)</script>"


def test_the_macro_uses_the_public_wording_only(api: Api) -> None:
    iid = declare(api, unique("svc"), title="INTERNAL db failover")["id"]
    note = {"body": "SECRET: the primary died"}
    assert api.responder.post(f"/api/v1/incidents/{iid}/notes", json=note).status_code == 201
    body = {"incident_id": iid, "name": f"Slow checkout {EVIL}", "body": "Investigating."}
    public = created(api.responder.post(f"{BASE}/incidents", json=body))
    update = {"status": "identified", "body": "We found the cause and are fixing it."}
    created(api.responder.post(f"{BASE}/incidents/{public['id']}/updates", json=update))

    macro = ok(api.viewer.get(f"/api/v1/incidents/{iid}/support-macro"))
    url = f"{api.settings.base_url}/status/incidents/{public['id']}/"
    assert macro["url"] == url and macro["public_incident_id"] == public["id"]
    assert macro["name"] == body["name"] and macro["status"] == "identified"
    assert macro["latest_update"] == update["body"]
    text = macro["text"]
    assert body["name"] in text and update["body"] in text and url in text
    assert "SECRET" not in text and "INTERNAL" not in text


def test_the_macro_links_the_page_the_incident_is_on(api: Api) -> None:
    slug = unique("page")
    page = created(api.admin.post(f"{BASE}/pages", json={"slug": slug, "name": "Partners"}))
    iid = declare(api, unique("svc"))["id"]
    body = {"incident_id": iid, "page_id": page["id"], "name": "Slow API", "body": "Looking."}
    public = created(api.responder.post(f"{BASE}/incidents", json=body))
    macro = ok(api.viewer.get(f"/api/v1/incidents/{iid}/support-macro"))
    assert macro["url"] == f"{api.settings.base_url}/pages/{slug}/incidents/{public['id']}/"


def test_no_macro_for_an_unpublished_or_missing_incident(api: Api) -> None:
    iid = declare(api, unique("svc"))["id"]
    unpublished = api.viewer.get(f"/api/v1/incidents/{iid}/support-macro")
    assert unpublished.status_code == 409
    assert "not on a status page" in unpublished.json()["message"]
    assert api.viewer.get("/api/v1/incidents/2000000000/support-macro").status_code == 404
