"""A real Statuspage consumer reading our summary.json: statuspage-prometheus-exporter (PyPI),
which polls Atlassian Statuspage v2 summaries and turns them into Prometheus metrics
(components, incidents, running maintenances, the indicator)."""

from __future__ import annotations

import importlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api
from tests.statuspage.helpers import BASE, component, created, unique
from tocsin import clock


def checker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Any:
    """The exporter's checker; it reads services.json and keeps a cache under the cwd."""
    services = tmp_path / "services.json"
    services.write_text(json.dumps({"tocsin": {"url": url}}))
    monkeypatch.setenv("SERVICES_JSON_PATH", str(services))
    monkeypatch.chdir(tmp_path)
    return importlib.import_module("statuspage_prometheus_exporter.service_checker")


def test_the_exporter_reads_components_incidents_and_the_indicator(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{api.url}/api/v2/summary.json"
    made = component(api, name=unique("Checkout"), status="major_outage")
    body = {"name": "Checkout is down", "impact": "critical", "body": "We are on it.",
            "components": [made["id"]]}  # fmt: skip
    published = created(api.responder.post(f"{BASE}/incidents", json=body))
    now = clock.now().replace(microsecond=0)  # the documents carry milliseconds
    works = {"name": unique("Database upgrade"), "body": "Upgrading.", "auto_start": False,
             "components": [made["id"]], "scheduled_for": now.isoformat(),
             "scheduled_until": (now + timedelta(hours=1)).isoformat()}  # fmt: skip
    maintenance = created(api.responder.post(f"{BASE}/maintenances", json=works))
    api.responder.post(f"{BASE}/maintenances/{maintenance['id']}/start")

    result = checker(tmp_path, monkeypatch, url).check_status_page_service("tocsin", {"url": url})

    assert result["success"] is True, result
    assert result["raw_status"] == "critical" and result["status"] == 0
    components = {c["name"]: c for c in result["component_metadata"]}
    assert components[made["name"]]["status"] == "major_outage"
    incidents = {i["id"]: i for i in result["incident_metadata"]}
    shown = incidents[str(published["id"])]
    assert (shown["name"], shown["impact"], shown["status"]) == (
        "Checkout is down",
        "critical",
        "investigating",
    )
    assert shown["affected_components"] == [made["name"]]
    assert shown["shortlink"].startswith(api.settings.base_url)
    [running] = [m for m in result["maintenance_metadata"] if m["id"] == str(maintenance["id"])]
    assert (running["name"], running["status"]) == (works["name"], "in_progress")
    assert running["affected_components"] == [made["name"]]
    assert datetime.fromisoformat(running["scheduled_end"]) == now + timedelta(hours=1)
    api.responder.post(f"{BASE}/maintenances/{maintenance['id']}/complete")
    resolved = {"status": "resolved", "body": "Fixed."}
    created(api.responder.post(f"{BASE}/incidents/{published['id']}/updates", json=resolved))
    api.responder.patch(f"{BASE}/components/{made['id']}", json={"status": None})
