"""The OpenAPI document lists every operation's error answers, with the body Tocsin sends."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import Api

METHODS = {"get", "put", "post", "delete", "patch"}
ERROR_SCHEMAS = {"Error", "ValidationError", "ConflictError"}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def error_schema(operation: dict[str, Any], status: int) -> str:
    ref: str = operation["responses"][str(status)]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


def test_every_operation_documents_its_errors(api: Api) -> None:
    document = api.anonymous().get("/openapi.json").json()
    found = operations(document)
    assert len(found) > 70
    for method, path, operation in found:
        label = f"{method} {path}"
        statuses = {int(s) for s in operation["responses"]}
        errors = {s for s in statuses if s >= 400}
        assert 503 in errors, label
        for status in errors:
            assert operation["responses"][str(status)]["description"], label
            own = {"Readiness"} if path == "/readyz" else set()  # its 503 names what is down
            assert error_schema(operation, status) in set(ERROR_SCHEMAS) | own, (label, status)
        parameters = operation.get("parameters", [])
        roles = {r for need in operation.get("security", []) for r in need.get("HTTPBearer", [])}
        if path.startswith("/api/"):
            assert errors - {503}, f"{label} documents no 4xx"
        if operation.get("security"):
            assert 401 in errors, label
            assert (403 in errors) == bool(roles - {"viewer"}), label
        if any(p["in"] == "path" for p in parameters):
            assert 404 in errors, label
        if "requestBody" in operation:
            assert {400, 413, 422} <= errors, label
        if parameters or "requestBody" in operation:
            assert error_schema(operation, 422) == "ValidationError", label


def test_operations_name_the_role_they_need(api: Api) -> None:
    paths = api.anonymous().get("/openapi.json").json()["paths"]
    assert paths["/api/v1/tokens"]["post"]["security"] == [{"HTTPBearer": ["admin"]}]
    assert paths["/api/v1/incidents"]["post"]["security"] == [{"HTTPBearer": ["responder"]}]
    assert paths["/api/v1/incidents"]["get"]["security"] == [{"HTTPBearer": ["viewer"]}]
    assert "403" not in paths["/api/v1/incidents"]["get"]["responses"]
    calendar = paths["/api/v1/schedules/{schedule_id}/calendar.ics"]["get"]
    assert "security" not in calendar
    assert {"403", "404"} <= set(calendar["responses"])  # a signed link, not a token


def test_calendar_feeds_are_documented_as_icalendar(api: Api) -> None:
    paths = api.anonymous().get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/people/{person_id}/calendar.ics",
        "/api/v1/schedules/{schedule_id}/calendar.ics",
    ):
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == ["text/calendar"]


def test_services_refusals_are_documented_as_conflicts(api: Api) -> None:
    paths = api.anonymous().get("/openapi.json").json()["paths"]
    for method, path in [
        ("post", "/api/v1/incidents/{incident_id}/status"),
        ("post", "/api/v1/people"),
        ("delete", "/api/v1/escalation-policies/{policy_id}"),
    ]:
        assert error_schema(paths[path][method], 409) == "ConflictError", path
    assert "409" not in paths["/api/v1/incidents/{incident_id}"]["get"]["responses"]


def test_the_document_has_only_tocsins_error_schemas(api: Api) -> None:
    document = api.anonymous().get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["ValidationError"]["allOf"][1]["required"]) == {"errors"}
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs <= set(schemas)


def test_errors_sent_have_the_documented_keys(api: Api) -> None:
    with api.anonymous() as anonymous:
        unauthorized = anonymous.get("/api/v1/incidents").json()
    forbidden = api.viewer.post("/api/v1/incidents", json={"title": "x", "severity": "SEV4"})
    missing = api.viewer.get("/api/v1/incidents/999999999").json()
    invalid = api.responder.post("/api/v1/incidents", json={"severity": "SEV4"}).json()
    incident = api.responder.post("/api/v1/incidents", json={"title": "doc", "severity": "SEV4"})
    refused = api.responder.post(
        f"/api/v1/incidents/{incident.json()['id']}/status", json={"status": "closed"}
    ).json()
    for body in (unauthorized, forbidden.json(), missing, invalid, refused):
        assert isinstance(body["error"], str) and isinstance(body["message"], str), body
    assert {"field", "message"} <= set(invalid["errors"][0])
    assert refused["current"] == "triggered" and isinstance(refused["allowed"], list)


def test_a_services_invalid_input_lists_its_errors_like_a_validation_failure(api: Api) -> None:
    refused = api.admin.post("/api/v1/teams", json={"name": "t-doc", "members": [987654]})
    assert refused.status_code == 422
    body = refused.json()
    assert body["field"] == "members"
    assert body["errors"] == [{"field": "members", "message": body["message"]}]
