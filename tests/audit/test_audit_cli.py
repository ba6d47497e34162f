"""`tocsin audit list|export` read the log the API answers; the database's own token commands
are in it as the command-line user."""

from __future__ import annotations

import csv
import getpass
import io
import json

import pytest

from tests.builders import ok, person
from tests.conftest import Api, run_cli, use_cli


@pytest.fixture
def admin_cli(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    return use_cli(api, monkeypatch, "admin")


def test_list_shows_the_change_and_json_is_the_apis_page(admin_cli: Api) -> None:
    ana = person(admin_cli, "Ana")
    ok(admin_cli.responder.patch(f"/api/v1/people/{ana['id']}", json={"name": "Ana Lima"}))
    mine = ("--kind", "person", "--object", ana["handle"], "--since", "1h")

    shown = run_cli("audit", "list", *mine)
    assert "token:test-responder" in shown
    assert 'name: "Ana" → "Ana Lima"' in shown
    page = json.loads(run_cli("audit", "list", *mine, "--action", "update", "-o", "json"))
    assert [e["after"] for e in page["items"]] == [{"name": "Ana Lima"}]
    assert page == ok(
        admin_cli.admin.get(
            "/api/v1/audit", params={"kind": "person", "object": ana["handle"], "action": "update"}
        )
    )

    exported = run_cli("audit", "export", "--kind", "person", "--object", ana["handle"])
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["action"] for row in rows] == ["update", "create"]


def test_a_bad_time_is_a_usage_error(admin_cli: Api) -> None:
    output = run_cli("audit", "list", "--since", "yesterday", exit_code=2)
    assert "24h" in output


def test_only_admins(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    use_cli(api, monkeypatch, "responder")
    assert "403" in run_cli("audit", "list", exit_code=1)


def test_token_commands_on_the_database_are_the_command_line_users(
    admin_cli: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOCSIN_DATABASE_URL", admin_cli.settings.database_url)
    monkeypatch.setenv("TOCSIN_SECRET_KEY_FILE", admin_cli.settings.secret_key_file)
    token = run_cli("token", "create", "--name", "audited-bot", "--role", "viewer").split()[-1]
    created = json.loads(
        run_cli("audit", "list", "--kind", "api_token", "--object", "audited-bot", "-o", "json")
    )
    (entry,) = created["items"]
    token_id = entry["object_id"]
    run_cli("token", "revoke", token_id)

    revoked, made = json.loads(
        run_cli("audit", "list", "--kind", "api_token", "--object", token_id, "-o", "json")
    )["items"]
    for found, command in ((made, "create"), (revoked, "revoke")):
        assert found["actor"] == f"cli:{getpass.getuser()}"
        assert found["via"] == "cli"
        assert found["route"] == f"tocsin token {command}"
    assert revoked["after"]["revoked_at"] is not None
    assert token not in json.dumps([made, revoked])
