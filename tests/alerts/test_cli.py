"""`tocsin integration|silence|alert` against a running server."""

from __future__ import annotations

import json
import secrets

import pytest
from typer.testing import CliRunner

from tests.alerts.helpers import am_alert, post_alerts
from tests.conftest import Api
from tocsin.cli import app

runner = CliRunner()


@pytest.fixture
def cli_env(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    monkeypatch.setenv("TOCSIN_URL", api.url)
    monkeypatch.setenv("TOCSIN_TOKEN", api.tokens["admin"])
    monkeypatch.setenv("COLUMNS", "250")
    return api


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_integration_silence_and_alert_commands(cli_env: Api) -> None:
    created = json.loads(
        run("integration", "create", "alertmanager", "--name", "cli-prom", "--service", "web",
            "--group-by", "alertname", "--json")
    )  # fmt: skip
    assert created["rules"]["group_by"] == ["alertname"]
    assert "cli-prom" in run("integration", "list")
    made = json.loads(
        run("silence", "create", "alertname=CliSilenced", "--comment", "deploy",
            "--duration", "30m", "--service", "other", "--json")
    )  # fmt: skip
    assert any("ends in" in w for w in made["warnings"])
    listed = run("silence", "list")
    assert "alertname" in listed and "ends in" in listed
    [silenced, opened] = post_alerts(
        cli_env,
        created["key"],
        am_alert("cli-1", alertname="CliSilenced"),
        am_alert("cli-2", alertname="CliOpened"),
    )
    alerts = run("alert", "list", "--integration", str(created["id"]))
    assert "CliSilenced" in alerts and "(silenced)" in alerts and "opened INC-" in alerts
    shown = run("alert", "show", str(opened["alert_id"]))
    assert "dedup:" in shown and "outcome: opened INC-" in shown
    assert "expired" in run("silence", "expire", str(made["id"]))
    assert "Revoked" in run("integration", "revoke", str(created["id"]))
    assert silenced["result"] == "silenced"


def test_bad_duration_is_refused(cli_env: Api) -> None:
    result = runner.invoke(
        app, ["silence", "create", "a=b", "--comment", "c", "--duration", "soon"]
    )
    assert result.exit_code != 0


def test_an_old_key_is_listed_by_its_prefix_and_dropped(cli_env: Api) -> None:
    old = "legacy-" + secrets.token_hex(8)
    created = cli_env.admin.post(
        "/api/v1/integrations",
        json={"kind": "pagerduty", "name": "cli-legacy", "service": "checkout", "legacy_key": old},
    ).json()
    assert "lega…" in run("integration", "list") and old not in run("integration", "list")
    assert "own key" in run("integration", "drop-legacy-key", str(created["id"]))
    shown = cli_env.viewer.get(f"/api/v1/integrations/{created['id']}").json()
    assert shown["legacy_key_set"] is False
