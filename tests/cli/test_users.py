"""`tocsin user create`: the first admin, before anyone can sign in; and owned tokens."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from typer.testing import CliRunner

from tests.conftest import Api, csrf_of, run_cli
from tocsin.cli import app


@pytest.fixture
def on_database(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    monkeypatch.setenv("TOCSIN_DATABASE_URL", api.settings.database_url)
    monkeypatch.setenv("TOCSIN_PUBLIC_URL", api.url)
    return api


def test_an_admin_made_with_a_typed_password_signs_in(on_database: Api) -> None:
    email = f"first-{uuid.uuid4().hex[:8]}@example.test"
    typed = "the first admin password\nthe first admin password\n"
    result = CliRunner().invoke(
        app, ["user", "create", "--email", email, "--role", "admin"], input=typed
    )
    assert result.exit_code == 0, result.output
    assert f"{email} with role admin" in result.output
    assert "the first admin password" not in result.output.replace("Password", "")
    with httpx.Client(base_url=on_database.url, timeout=30) as client:
        token = csrf_of(client.get("/login").text)
        data = {"email": email, "password": "the first admin password", "csrf_token": token}
        assert client.post("/login", data=data).status_code == 303
        assert "Users" in client.get("/incidents").text  # an admin's header
    again = CliRunner().invoke(
        app, ["user", "create", "--email", email.upper(), "--role", "viewer"], input=typed
    )
    assert again.exit_code == 1 and "exists already" in again.output


def test_an_invited_user_gets_a_link_and_a_token_of_theirs_is_capped(on_database: Api) -> None:
    email = f"inv-{uuid.uuid4().hex[:8]}@example.test"
    output = run_cli("user", "create", "--email", email, "--role", "responder", "--invite")
    link = re.search(r"(/invite/[\w-]+)\s*$", output)
    assert link, output
    with httpx.Client(base_url=on_database.url, timeout=30) as client:
        assert email in client.get(link.group(1)).text
    too_much = run_cli(
        "token", "create", "--name", "x", "--role", "admin", "--user", email, exit_code=1
    )
    assert "at most its user's role (responder)" in too_much
    token = run_cli("token", "create", "--name", "y", "--role", "viewer", "--user", email)
    me = httpx.get(
        f"{on_database.url}/api/v1/users/me",
        headers={"Authorization": f"Bearer {token.strip().splitlines()[-1]}"},
    )
    assert me.json()["role"] == "viewer" and me.json()["name"] == "token:y"
