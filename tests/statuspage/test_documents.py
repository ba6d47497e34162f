"""The public documents: Statuspage v2's shapes, value sets and headers; public text only.

The expected fields are written from Atlassian Statuspage's public API documentation
(``/api/v2/summary.json`` and the rest): ids are strings, times ISO 8601 with an offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.conftest import Api, TestClock
from tests.statuspage.helpers import (
    BASE,
    component,
    created,
    declare,
    document,
    unique,
)

PAGE = {"id", "name", "url", "time_zone", "updated_at"}
STATUS = {"indicator", "description"}
COMPONENT = {
    "id", "name", "status", "created_at", "updated_at", "position", "description",
    "showcase", "start_date", "group_id", "page_id", "group", "only_show_if_degraded",
}  # fmt: skip
INCIDENT = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at",
    "impact", "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip
UPDATE = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip
INDICATORS = {"none", "minor", "major", "critical", "maintenance"}
COMPONENT_STATUSES = {
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance",
}  # fmt: skip
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
IMPACTS = {"none", "minor", "major", "critical"}
DOCUMENTS = {
    "summary.json": {"page", "status", "components", "incidents", "scheduled_maintenances"},
    "status.json": {"page", "status"},
    "components.json": {"page", "components"},
    "incidents.json": {"page", "incidents"},
    "incidents/unresolved.json": {"page", "incidents"},
}


def a_time(value: Any, *, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    assert isinstance(value, str), value
    assert datetime.fromisoformat(value).utcoffset() is not None, value


def check_page(page: dict[str, Any]) -> None:
    assert set(page) == PAGE
    assert all(isinstance(page[k], str) for k in ("id", "name", "url", "time_zone"))
    a_time(page["updated_at"])


def check_component(item: dict[str, Any], page_id: str) -> None:
    assert set(item) - {"components"} == COMPONENT, set(item) ^ COMPONENT
    assert isinstance(item["id"], str) and item["page_id"] == page_id
    assert item["status"] in COMPONENT_STATUSES
    assert isinstance(item["position"], int) and isinstance(item["group"], bool)
    assert item["group_id"] is None or isinstance(item["group_id"], str)
    assert item["description"] is None or isinstance(item["description"], str)
    assert ("components" in item) == item["group"]
    a_time(item["created_at"])
    a_time(item["updated_at"])


def check_incident(item: dict[str, Any], page_id: str) -> None:
    assert set(item) == INCIDENT, set(item) ^ INCIDENT
    assert isinstance(item["id"], str) and item["page_id"] == page_id
    assert item["status"] in INCIDENT_STATUSES and item["impact"] in IMPACTS
    for key in ("created_at", "updated_at", "started_at"):
        a_time(item[key])
    a_time(item["monitoring_at"], nullable=True)
    a_time(item["resolved_at"], nullable=True)
    assert (item["resolved_at"] is not None) == (item["status"] == "resolved")
    for update in item["incident_updates"]:
        assert set(update) == UPDATE, set(update) ^ UPDATE
        assert update["incident_id"] == item["id"] and isinstance(update["id"], str)
        assert update["status"] in INCIDENT_STATUSES and isinstance(update["body"], str)
        for key in ("created_at", "updated_at", "display_at"):
            a_time(update[key])
    for affected in item["components"]:
        check_component(affected, page_id)


def check_document(path: str, body: dict[str, Any]) -> None:
    assert set(body) == DOCUMENTS[path], (path, set(body))
    check_page(body["page"])
    page_id = body["page"]["id"]
    if "status" in body:
        assert set(body["status"]) == STATUS
        assert body["status"]["indicator"] in INDICATORS
        assert isinstance(body["status"]["description"], str)
    for item in body.get("components", []):
        check_component(item, page_id)
    for item in body.get("incidents", []):
        check_incident(item, page_id)


def publish(api: Api, **fields: Any) -> dict[str, Any]:
    return created(api.responder.post(f"{BASE}/incidents", json=fields))


def update(api: Api, public_id: int, status: str, body: str) -> dict[str, Any]:
    url = f"{BASE}/incidents/{public_id}/updates"
    return created(api.responder.post(url, json={"status": status, "body": body}))


def test_every_document_has_statuspage_fields_and_value_sets(api: Api) -> None:
    group = created(api.responder.post(f"{BASE}/groups", json={"name": unique("group")}))
    service = unique("api")
    member = component(api, group_id=group["id"], services=[service], description="The API")
    incident = declare(api, service, "SEV1")
    shown = publish(api, incident_id=incident["id"], name="API errors", body="Investigating.")
    assert shown["impact"] == "critical"  # from SEV1
    assert shown["components"] == [member["id"]]  # the components of its services
    update(api, shown["id"], "monitoring", "A fix is out; watching.")
    done = publish(api, name="Old news", impact="none", status="resolved", body="Was fine.")

    bodies = {path: document(api, path) for path in DOCUMENTS}
    for path, body in bodies.items():
        check_document(path, body)
    for path in ("scheduled-maintenances.json", "scheduled-maintenances/upcoming.json"):
        assert isinstance(document(api, path)["scheduled_maintenances"], list)  # test_maintenance

    summary = bodies["summary.json"]
    # The same facts agree across the documents.
    assert summary["components"] == bodies["components.json"]["components"]
    assert summary["incidents"] == bodies["incidents/unresolved.json"]["incidents"]
    assert summary["status"] == bodies["status.json"]["status"]
    pages = [body["page"] for body in bodies.values()]
    assert all(page == pages[0] for page in pages)
    recent = {i["id"]: i for i in bodies["incidents.json"]["incidents"]}
    unresolved = {i["id"] for i in summary["incidents"]}
    assert str(shown["id"]) in unresolved and str(done["id"]) not in unresolved
    assert str(done["id"]) in recent
    listed = recent[str(shown["id"])]
    assert listed["status"] == "monitoring" and listed["monitoring_at"] is not None
    assert [u["status"] for u in listed["incident_updates"]] == ["monitoring", "investigating"]
    assert [c["id"] for c in listed["components"]] == [str(member["id"])]
    assert listed["components"][0]["status"] == "major_outage"
    assert summary["status"]["indicator"] == "critical"


def test_public_text_is_published_and_the_internal_note_never_is(api: Api) -> None:
    service = unique("mail")
    incident = declare(api, service, "SEV2", summary="internal summary: db7 disk")
    note = "INTERNAL NOTE: root password rotated on db7"
    assert api.responder.post(
        f"/api/v1/incidents/{incident['id']}/notes", json={"body": note}
    ).is_success
    internal_update = {
        "status": "internal status text",
        "impact": "internal impact text",
        "actions": "internal actions text",
    }
    assert api.responder.post(
        f"/api/v1/incidents/{incident['id']}/updates", json=internal_update
    ).is_success
    text = "We are aware that mail is delayed <script>alert('x')</script> & we're on it."
    shown = publish(api, incident_id=incident["id"], name="Mail delays", body=text)
    update(api, shown["id"], "identified", "The cause is found; a fix is next. Next update 10:30.")

    for path in ("summary.json", "incidents.json", "incidents/unresolved.json"):
        raw = httpx.get(f"{api.url}/api/v2/{path}").text
        assert "INTERNAL NOTE" not in raw and "internal" not in raw.lower(), path
        assert incident["title"] not in raw  # the internal title is not the public one
        found = [i for i in document(api, path)["incidents"] if i["id"] == str(shown["id"])]
        bodies = [u["body"] for u in found[0]["incident_updates"]]
        assert bodies[-1] == text  # <script> round-trips as text
        assert bodies[0].startswith("The cause is found")
        assert found[0]["name"] == "Mail delays"


def test_a_public_update_is_written_on_the_template_or_as_text(api: Api, clock: TestClock) -> None:
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    parts = {
        "acknowledgement": "We are aware that checkout is slow.",
        "impact": "Some customers wait up to a minute to pay.",
        "action": "We are adding capacity.",
        "next_update_in_minutes": 30,
    }
    made = api.responder.post(
        "/api/v1/statuspage/incidents", json={"name": "Slow checkout", "template": parts}
    )
    assert made.status_code == 201, made.text
    body = made.json()["updates"][0]["body"]
    assert body.split("\n\n") == [
        parts["acknowledgement"],
        parts["impact"],
        parts["action"],
        "Next update by 09:30 UTC (2026-12-01).",
    ]
    both = api.responder.post(
        f"/api/v1/statuspage/incidents/{made.json()['id']}/updates",
        json={"status": "identified", "body": "Text.", "template": parts},
    )
    neither = api.responder.post(
        f"/api/v1/statuspage/incidents/{made.json()['id']}/updates", json={"status": "identified"}
    )
    for refused in (both, neither):
        assert refused.status_code == 422 and "body" in refused.json()["message"]


def test_etag_304_cache_control_and_cors(api: Api) -> None:
    component(api)
    url = f"{api.url}/api/v2/summary.json"
    first = httpx.get(url, headers={"Origin": "https://example.com"})
    assert first.status_code == 200
    assert first.headers["access-control-allow-origin"] == "*"
    assert first.headers["content-type"].startswith("application/json")
    assert "max-age=" in first.headers["cache-control"]
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')

    again = httpx.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["access-control-allow-origin"] == "*"
    assert httpx.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert httpx.get(url, headers={"If-None-Match": '"other"'}).status_code == 200

    head = httpx.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == etag
    preflight = httpx.options(
        url, headers={"Origin": "https://x.test", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]

    component(api)  # a change: a new ETag
    changed = httpx.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag

    missing = httpx.get(f"{api.url}/api/v2/nothing.json")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    refused = httpx.post(url, json={})
    assert refused.status_code == 405 and "GET" in refused.headers["allow"]
