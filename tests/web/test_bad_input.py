"""Classes of bad input that once reached the database: each is a 4xx naming the field.

Every case runs on SQLite and PostgreSQL; PostgreSQL is the stricter store (no NUL in text,
32-bit ``integer`` ids), and the answer must be the same on both.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.builders import declare, integration, ok, person, unique
from tests.conftest import Api
from tests.inputs import NUL as NUL_CHAR
from tests.inputs import nested
from tests.web.test_pages import signed_in
from tocsin.core.text import escaped

NUL = f"a{NUL_CHAR}b"
SURROGATE = "\ud800"
TOO_BIG = [2**31, 2**63, 10**30]


def refused(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] and body["message"], body
    assert body["field"] == field, body
    return body


def raw_json(text: str) -> dict[str, str]:
    """A JSON body sent as written (httpx would escape a lone surrogate differently)."""
    return {"content": text, "headers": {"content-type": "application/json"}}


# ---------------------------------------------------------------- text no database stores


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/incidents", {"title": "{bad}", "severity": "SEV3"}, "title"),
        (
            "/api/v1/incidents",
            {"title": "x", "severity": "SEV3", "services": ["{bad}"]},
            "services[0]",
        ),
        ("/api/v1/people", {"name": "{bad}", "handle": "h-{uniq}"}, "name"),
        ("/api/v1/people", {"name": "n", "handle": "h-{uniq}", "email": "{bad}@x.io"}, "email"),
        ("/api/v1/teams", {"name": "t-{uniq}", "description": "{bad}"}, "description"),
        ("/api/v1/integrations", {"kind": "alertmanager", "name": "{bad}", "service": "s"}, "name"),
        ("/api/v1/incidents", {"title": "x", "severity": "SEV3", "{bad}": 1}, "{bad}"),
    ],
)
def test_unstorable_text_in_a_body_is_refused_naming_the_field(
    api: Api, bad: str, path: str, body: dict[str, Any], field: str
) -> None:
    import json

    text = json.dumps(body).replace("{uniq}", unique("u"))
    text = text.replace("{bad}", json.dumps(bad)[1:-1])
    expected = field.replace("{bad}", escaped(bad))  # a bad name is echoed escaped
    answer = refused(api.admin.post(path, **raw_json(text)), 422, expected)
    assert "surrogate" in answer["message"] or "NUL" in answer["message"]


def test_unstorable_text_in_notes_updates_and_roles(api: Api) -> None:
    iid = declare(api, severity="SEV4")["id"]
    base = f"/api/v1/incidents/{iid}"
    refused(api.responder.post(f"{base}/notes", json={"body": NUL}), 422, "body")
    update = {"status": "ok", "impact": NUL, "actions": "x"}
    refused(api.responder.post(f"{base}/updates", json=update), 422, "impact")
    refused(api.responder.put(f"{base}/roles/scribe", json={"holder": NUL}), 422, "holder")
    refused(api.responder.patch(base, json={"summary": NUL}), 422, "summary")
    events = ok(api.viewer.get(f"{base}/events"))["items"]
    assert [e["kind"] for e in events] == ["declared"]  # nothing was stored


def test_unstorable_text_in_query_strings_and_paths(api: Api) -> None:
    refused(api.viewer.get("/api/v1/incidents", params={"service": NUL}), 422, "service")
    refused(api.viewer.get("/api/v1/alerts", params={"name": NUL}), 422, "name")
    refused(api.viewer.get("/api/v1/services/a%00b"), 422, "path")
    refused(api.viewer.get("/api/v1/incidents?x%00=1"), 422, "query")


def test_unstorable_text_in_a_page_form_is_a_page_naming_the_field(api: Api) -> None:
    with signed_in(api) as client:
        page = client.post("/incidents", data={"title": NUL, "severity": "SEV3"})
    assert page.status_code == 422
    assert "text/html" in page.headers["content-type"]
    assert "title" in page.text and "NUL" in page.text


# ---------------------------------------------------------------- JSON too deep to keep


def test_json_nested_deeper_than_python_can_read_is_a_400(api: Api) -> None:
    body = "[" * 100_000 + "]" * 100_000
    refused(api.responder.post("/api/v1/incidents", **raw_json(body)), 400, "body")


def test_free_form_json_is_bounded_in_depth(api: Api) -> None:
    body = {"kind": "generic", "name": unique("g"), "service": "s", "generic": nested(40)}
    answer = refused(api.admin.post("/api/v1/integrations", json=body), 422, "generic" + ".k" * 31)
    assert "nested deeper" in answer["message"]


# ---------------------------------------------------------------- numbers the database cannot hold


@pytest.mark.parametrize("big", TOO_BIG)
def test_ids_beyond_the_integer_range_in_paths(api: Api, big: int) -> None:
    for path in (
        f"/api/v1/incidents/{big}",
        f"/api/v1/incidents/{big}/events",
        f"/api/v1/people/{big}",
        f"/api/v1/schedules/{big}/on-call",
        f"/api/v1/alerts/{big}",
        f"/api/v1/integrations/{big}",
    ):
        response = api.admin.get(path)
        assert response.status_code in (404, 422), (path, response.text)
        assert response.json()["field"], response.text
    refused(api.admin.delete(f"/api/v1/tokens/{big}"), 422, "token_id")


@pytest.mark.parametrize("big", TOO_BIG)
def test_ids_beyond_the_integer_range_in_queries_and_bodies(api: Api, big: int) -> None:
    refused(api.viewer.get("/api/v1/alerts", params={"integration": big}), 422, "integration")
    refused(api.viewer.get("/api/v1/alerts", params={"cursor": str(big)}), 422, "cursor")
    refused(api.viewer.get("/api/v1/incidents", params={"cursor": str(big)}), 422, "cursor")
    service = {"name": unique("svc"), "escalation_policy_id": big}
    refused(api.admin.post("/api/v1/services", json=service), 422, "escalation_policy_id")
    team = {"name": unique("team"), "members": [big]}
    refused(api.admin.post("/api/v1/teams", json=team), 422, "members.0")


# ---------------------------------------------------------------- PATCH with null


def test_patch_null_for_a_field_that_cannot_be_null(api: Api) -> None:
    iid = declare(api, severity="SEV4")["id"]
    for field in ("title", "summary", "services"):
        refused(api.responder.patch(f"/api/v1/incidents/{iid}", json={field: None}), 422, field)
    who = person(api)
    for field in ("name", "handle", "time_zone"):
        refused(api.responder.patch(f"/api/v1/people/{who['id']}", json={field: None}), 422, field)
    cleared = ok(api.responder.patch(f"/api/v1/people/{who['id']}", json={"email": None}))
    assert cleared["email"] is None
    team = ok(api.admin.post("/api/v1/teams", json={"name": unique("team")}), 201)
    for field in ("name", "description", "members"):
        refused(api.admin.patch(f"/api/v1/teams/{team['id']}", json={field: None}), 422, field)
    url = f"/api/v1/integrations/{integration(api, heartbeat_interval_minutes=5)['id']}"
    for field in (
        "name",
        "severity_mapping",
        "default_severity",
        "auto_resolve",
        "group_by",
        "group_window_minutes",
        "burst_minutes",
        "rate_limit_per_minute",
        "generic",
    ):
        refused(api.admin.patch(url, json={field: None}), 422, field)
    unexpected = ok(api.admin.patch(url, json={"heartbeat_interval_minutes": None}))
    assert unexpected["rules"]["heartbeat_interval_minutes"] is None  # no beats expected


# ---------------------------------------------------------------- one error envelope


def test_unknown_routes_and_methods_answer_the_error_envelope(api: Api) -> None:
    missing = refused(api.viewer.get("/api/v1/no-such-thing"), 404, "path")
    assert missing["error"] == "not_found"
    wrong = api.viewer.delete("/api/v1/incidents")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"
    assert wrong.headers["allow"]


def test_an_oversized_chunked_body_is_a_413(api: Api) -> None:
    def chunks() -> Any:
        yield b'{"title": "'
        for _ in range(40):
            yield b"x" * 65_536
        yield b'", "severity": "SEV3"}'

    response = api.responder.post(
        "/api/v1/incidents", content=chunks(), headers={"content-type": "application/json"}
    )
    refused(response, 413, "body")
