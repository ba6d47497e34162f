"""/healthz says the process runs; /readyz asks the database, and says so in OpenAPI."""

from __future__ import annotations

import httpx

from tests.conftest import Api


def test_healthz_and_readyz_when_all_is_well(api: Api) -> None:
    live = httpx.get(f"{api.url}/healthz")
    assert live.status_code == 200
    assert live.json()["status"] == "ok"
    ready = httpx.get(f"{api.url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_and_its_503_are_documented(api: Api) -> None:
    paths = httpx.get(f"{api.url}/openapi.json").json()["paths"]
    responses = paths["/readyz"]["get"]["responses"]
    assert set(responses) >= {"200", "503"}
    assert "Retry-After" in responses["503"]["headers"]
    assert "/healthz" in paths
