"""`tocsin import VENDOR --keep-keys`: each integration keeps the source's exported secret
as its ``legacy_key`` (PagerDuty's integration key, the token of OnCall's URL, Opsgenie's
apiKey) and the report says the old URL keeps working; without the flag no secret is written.
Applied, the old URL opens an incident on Tocsin's host."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.config_as_code.helpers import applied, exported, fresh_server, planned
from tests.conftest import Api, run_cli
from tocsin.config_as_code.document import Document

RECORDED = Path(__file__).parent / "recorded"
SECRETS = {
    "pagerduty": ("pagerduty", {"pd-integration-pint001": "0123456789abcdef0123456789abcdef"}),
    "grafana-oncall": (
        "grafana_oncall",
        # Zabbix became a generic integration: its URL keeps working too.
        {
            "go-integration-cprom": "AbCdEf",
            "go-integration-cgraf": "GhIjK",
            "go-integration-czbx": "LmNo",
        },
    ),
    "opsgenie": (
        "opsgenie",
        {
            "og-integration-1a7e0001-0000-4000-8000-000000000001": (
                "eb243592-faa2-4ba2-a551-1afdf565c889"
            )
        },
    ),
}


def _import(vendor: str, tmp_path: Path, *flags: str) -> tuple[dict[str, Any], list[Any]]:
    folder, _ = SECRETS[vendor]
    out = tmp_path / f"{vendor}.yaml"
    text = run_cli(
        "import", vendor, "--from", str(RECORDED / folder), "-f", str(out), "--json", *flags
    )
    report = json.loads(text[text.index("{") :])["report"]
    data = yaml.safe_load(out.read_text())
    Document.model_validate(data)
    return data, report


@pytest.mark.parametrize("vendor", sorted(SECRETS))
def test_keep_keys_writes_the_sources_secret_and_says_the_old_url_works(
    vendor: str, tmp_path: Path
) -> None:
    _, expected = SECRETS[vendor]
    kept, report = _import(vendor, tmp_path, "--keep-keys")
    found = {i["key"]: i["legacy_key"] for i in kept["integrations"] if i.get("legacy_key")}
    assert found == expected
    notes = [f["message"] for f in report if f["kind"] == "note"]
    assert sum("old URL keeps working on Tocsin's host" in n for n in notes) == len(expected)

    plain, report = _import(vendor, tmp_path)
    assert all(i.get("legacy_key") is None for i in plain["integrations"])
    assert not any("keeps working" in f["message"] for f in report)
    for secret in expected.values():
        assert secret not in json.dumps(plain)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    with fresh_server(request.param, tmp_path) as api:
        yield api


def test_an_applied_oncall_import_keeps_the_old_url_working(fresh: Api, tmp_path: Path) -> None:
    _import("grafana-oncall", tmp_path, "--keep-keys")
    text = (tmp_path / "grafana-oncall.yaml").read_text()
    done = applied(fresh, text)
    assert "AbCdEf" not in json.dumps(done)
    alert = {
        "status": "firing",
        "labels": {"alertname": "DiskFull", "instance": "db1", "severity": "critical"},
        "annotations": {"summary": "Disk full on db1"},
    }
    url = f"{fresh.url}/integrations/v1/alertmanager/AbCdEf/"
    answer = httpx.post(url, json={"version": "4", "alerts": [alert]}, timeout=30)
    assert answer.status_code == 200, answer.text
    [outcome] = answer.json()["alerts"]
    assert outcome["incident_id"] is not None
    assert planned(fresh, text)["changes"] == []
    assert applied(fresh, text)["changes"] == []
    assert "AbCdEf" not in json.dumps(exported(fresh))
