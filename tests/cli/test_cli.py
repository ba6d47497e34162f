"""The `tocsin` CLI talking to a running server."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.builders import person
from tests.conftest import Api, run_cli, use_cli
from tocsin.cli import app

runner = CliRunner()


@pytest.fixture
def cli_env(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    return use_cli(api, monkeypatch, "responder")


run = run_cli


def test_declare_ack_update_resolve(cli_env: Api) -> None:
    declared = json.loads(
        run("incident", "declare", "DB failover", "-s", "P1", "--service", "db", "--json")
    )
    iid = str(declared["id"])
    assert declared["severity"] == "SEV2"
    assert "acknowledged" in run("incident", "ack", iid)
    run(
        "incident",
        "update",
        iid,
        "--status",
        "failing over",
        "--impact",
        "writes fail",
        "--actions",
        "promote replica",
    )
    run("incident", "role", iid, "scribe", "erin")
    assert "resolved" in run("incident", "resolve", iid)
    timeline = run("incident", "timeline", iid)
    assert "Scribe: erin" in timeline
    assert "Status acknowledged → resolved" in timeline
    listed = run("incident", "list", "--service", "db")
    assert f"INC-{iid}" in listed


def test_a_role_names_a_directory_person(cli_env: Api) -> None:
    fay = person(cli_env, "Fay")
    iid = run("incident", "declare", "Queue slow", "-s", "SEV3", "-q").strip()
    shown = run("incident", "role", iid, "communications_lead", "--person", str(fay["id"]))
    assert f"communications lead: Fay (person {fay['id']})" in shown


def test_declare_quiet_prints_only_the_id(cli_env: Api) -> None:
    iid = run("incident", "declare", "Queue stuck", "-s", "SEV3", "-q").strip()
    assert iid.isdigit()
    assert json.loads(run("incident", "show", iid, "--json"))["title"] == "Queue stuck"


def test_refused_move_prints_the_allowed_moves(cli_env: Api) -> None:
    iid = str(json.loads(run("incident", "declare", "x", "-s", "SEV4", "--json"))["id"])
    result = runner.invoke(app, ["incident", "close", iid])
    assert result.exit_code == 1
    assert "409" in result.output
    assert "allowed: acknowledged" in result.output


def test_missing_token_is_a_clear_error(cli_env: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOCSIN_TOKEN")
    result = runner.invoke(app, ["incident", "list"])
    assert result.exit_code == 2
    assert "TOCSIN_TOKEN" in result.output


def test_token_commands_work_on_the_database(cli_env: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOCSIN_DATABASE_URL", cli_env.settings.database_url)
    output = run("token", "create", "--name", "ci-bot", "--role", "viewer")
    token = output.strip().splitlines()[-1]
    assert token.startswith("tcn_")
    assert "ci-bot" in run("token", "list")
