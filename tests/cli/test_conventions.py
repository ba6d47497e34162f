"""CLI conventions, against the real test server: incident references, --output, the server
and token from flags / environment / contexts, errors that name the URL, help examples."""

from __future__ import annotations

import http.server
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner, Result

from tests.builders import layer, level, person, policy, schedule, unique
from tests.conftest import Api, run_cli, use_cli
from tests.peers import free_port
from tocsin import __version__
from tocsin.cli import app
from tocsin.cli.main import hoist_global_flags

root = typer.main.get_command(app)

run = run_cli


@pytest.fixture
def cli_env(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    return use_cli(api, monkeypatch, "responder")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _declare(title: str = "Disk full") -> int:
    return int(run("incident", "declare", title, "-s", "SEV3", "-q").strip())


# ------------------------------------------------------------------ incident references


def test_an_incident_is_taken_as_a_number_or_a_reference(cli_env: Api) -> None:
    iid = _declare()
    for spelling in (str(iid), f"INC-{iid}", f"inc-{iid}"):
        assert json.loads(run("incident", "show", spelling, "-o", "json"))["id"] == iid
    assert "acknowledged" in run("incident", "ack", f"INC-{iid}")
    assert "Status triggered → acknowledged" in run("incident", "timeline", f"inc-{iid}")
    assert run("alert", "list", "--incident", f"INC-{iid}", "-o", "json")


@pytest.mark.parametrize("spelling", ["INC-x", "INC-", "4a", "INC-0", "#4"])
def test_a_wrong_incident_reference_is_a_usage_error_naming_it(cli_env: Api, spelling: str) -> None:
    result = invoke("incident", "show", spelling)
    assert result.exit_code == 2
    assert repr(spelling) in result.output
    assert "Traceback" not in result.output


def test_the_api_references_incidents_the_way_the_cli_reads_them(cli_env: Api) -> None:
    iid = _declare()
    reference = json.loads(run("incident", "show", str(iid), "-o", "json"))["reference"]
    assert reference == f"INC-{iid}"
    assert json.loads(run("incident", "show", reference, "-o", "json"))["id"] == iid


# ------------------------------------------------------------------ --output


def test_json_and_yaml_are_the_api_answer_field_for_field(cli_env: Api) -> None:
    iid = _declare("Output check")
    answer = cli_env.viewer.get(f"/api/v1/incidents/{iid}").json()
    assert json.loads(run("incident", "show", f"INC-{iid}", "-o", "json")) == answer
    assert json.loads(run("incident", "show", f"INC-{iid}", "--json")) == answer
    # Timestamps stay the API's strings (quoted, so YAML does not turn them into dates).
    assert yaml.safe_load(run("incident", "show", f"INC-{iid}", "--output", "yaml")) == answer
    people = cli_env.viewer.get("/api/v1/people").json()
    assert json.loads(run("person", "list", "-o", "json")) == people


def test_list_output_is_the_api_page(cli_env: Api) -> None:
    name = unique("svc")
    run("incident", "declare", "Paged output", "-s", "SEV4", "--service", name, "-q")
    page = cli_env.viewer.get("/api/v1/incidents", params={"service": name}).json()
    assert json.loads(run("incident", "list", "--service", name, "-o", "json")) == page
    assert "Paged output" in run("incident", "list", "--service", name)


def test_an_unknown_output_format_is_refused(cli_env: Api) -> None:
    result = invoke("incident", "list", "-o", "xml")
    assert result.exit_code == 2
    assert "xml" in result.output


# ------------------------------------------------------------------ nouns


def test_people_schedules_overrides_policies_services(
    cli_env: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = unique("ana")
    pid = run("person", "create", "Ana Lima", "--handle", handle, "--email", "a@x.test", "-q")
    pid = pid.strip()
    assert handle in run("person", "list")
    shown = json.loads(run("person", "show", pid, "-o", "json"))
    assert shown["handle"] == handle
    assert "contact methods" in run("person", "show", pid)

    bo = person(cli_env, "Bo")
    made = schedule(cli_env, [layer([bo["id"]])])
    sid = str(made["id"])
    assert made["name"] in run("schedule", "list")
    assert "on call now:" in run("schedule", "show", sid)

    override = json.loads(
        run(
            "override", "create", sid, "--person", pid,
            "--start", "2030-01-01T09:00:00Z", "--end", "2030-01-01T18:00:00Z", "-o", "json",
        )
    )  # fmt: skip
    assert override["person"]["id"] == int(pid)
    assert handle in run("override", "list", sid)
    run("override", "delete", sid, str(override["id"]))
    assert json.loads(run("override", "list", sid, "-o", "json")) == []

    made_policy = policy(cli_env, [level(people=[bo["id"]])])
    assert made_policy["name"] in run("policy", "list")
    assert f"person Bo ({bo['id']})" in run("policy", "show", str(made_policy["id"]))

    name = unique("svc")
    monkeypatch.setenv("TOCSIN_TOKEN", cli_env.tokens["admin"])  # a service of no team: admins'
    run("service", "create", name, "--policy", str(made_policy["id"]))
    assert name in run("service", "list")
    assert (
        json.loads(run("service", "show", name, "-o", "json"))["escalation_policy_id"]
        == (made_policy["id"])
    )


def test_silence_show(cli_env: Api) -> None:
    made = json.loads(
        run("silence", "create", f"alertname={unique('Disk')}", "--comment", "resize", "--json")
    )
    assert "comment: resize" in run("silence", "show", str(made["id"]))
    assert json.loads(run("silence", "show", str(made["id"]), "-o", "json"))["id"] == made["id"]


def test_a_missing_thing_is_the_servers_message_and_exit_1(cli_env: Api) -> None:
    result = invoke("person", "show", "999999")
    assert result.exit_code == 1
    assert "404" in result.output
    assert f"GET {cli_env.url}/api/v1/people/999999" in result.output


# ------------------------------------------------------------------ server, token, contexts


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "conf" / "tocsin" / "config.toml"
    monkeypatch.setenv("TOCSIN_CONFIG", str(path))
    return path


def test_a_context_holds_the_server_and_token(
    cli_env: Api, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = cli_env.tokens["viewer"]
    run("context", "add", "test", "--url", cli_env.url, "--token", token)
    monkeypatch.delenv("TOCSIN_URL")
    monkeypatch.delenv("TOCSIN_TOKEN")
    assert run("incident", "list", "-o", "json")
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_file.parent.stat().st_mode) == 0o700
    listed = run("context", "list")
    assert "test" in listed
    assert token not in listed
    assert token[:8] + "…" in listed
    assert token not in run("context", "list", "-o", "json")
    assert token not in run("context", "add", "other", "--url", "http://x.test", "--token", token)


def test_flag_over_environment_over_context(
    cli_env: Api, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    run("context", "add", "dead", "--url", dead, "--token", "tcn_wrong_token_of_the_ctx")
    # The environment (the real server and token, from use_cli) beats the context.
    assert run("incident", "list", "-o", "json")
    # A flag beats the environment, for the URL and for the token.
    result = invoke("--url", dead, "incident", "list")
    assert result.exit_code == 1
    assert f"could not reach {dead}: connection refused; check --url" in result.output
    monkeypatch.setenv("TOCSIN_TOKEN", "tcn_wrong_token_in_env")
    assert invoke("incident", "list").exit_code == 1
    assert run("--token", cli_env.tokens["viewer"], "incident", "list", "-o", "json")
    # Without the environment, the context decides, and the error says so.
    monkeypatch.delenv("TOCSIN_URL")
    result = invoke("incident", "list")
    assert f"could not reach {dead}: connection refused" in result.output
    assert "context 'dead'" in result.output
    # --context picks another context than the current one.
    run("context", "add", "live", "--url", cli_env.url, "--token", cli_env.tokens["viewer"])
    run("context", "use", "dead")
    monkeypatch.delenv("TOCSIN_TOKEN")
    assert run("--context", "live", "incident", "list", "-o", "json")
    result = invoke("--context", "nope", "incident", "list")
    assert result.exit_code == 2
    assert "no context 'nope'" in result.output


def test_context_use_list_remove(cli_env: Api, config_file: Path) -> None:
    run("context", "add", "a", "--url", "http://a.test", "--token", "tcn_aaaaaaaaaaaaaaaaaaaaaaaa")
    run("context", "add", "b", "--url", "http://b.test", "--token", "tcn_bbbbbbbbbbbbbbbbbbbbbbbb")
    assert run("context", "current").strip() == "b"
    run("context", "use", "a")
    rows = json.loads(run("context", "list", "-o", "json"))
    assert [(r["name"], r["current"]) for r in rows] == [("a", True), ("b", False)]
    run("context", "remove", "a")
    assert invoke("context", "current").exit_code == 1
    assert invoke("context", "use", "a").exit_code == 1
    assert invoke("context", "add", "bad name", "--url", "http://x.test").exit_code == 2
    assert run("context", "path").strip() == str(config_file)


def test_a_broken_config_file_is_a_message(cli_env: Api, config_file: Path) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_text("current = [unclosed\n")
    result = invoke("context", "list")
    assert result.exit_code == 1
    assert str(config_file) in result.output
    assert "Traceback" not in result.output


def test_unreachable_server_says_which_url(cli_env: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("TOCSIN_URL", dead)
    result = invoke("incident", "show", "INC-1")
    assert result.exit_code == 1
    assert f"could not reach {dead}: connection refused; set --url or TOCSIN_URL" in result.output
    result = invoke("--url", "127.0.0.1:8080", "incident", "list")
    assert result.exit_code == 1
    assert "needs http:// or https://" in result.output


def test_the_global_flags_work_after_the_command_too(
    cli_env: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    result = invoke("incident", "list", "--url", dead, "-o", "json")
    assert f"could not reach {dead}" in result.output
    result = invoke("incident", "show", "INC-1", f"--url={dead}")
    assert f"could not reach {dead}" in result.output
    monkeypatch.setenv("TOCSIN_TOKEN", "tcn_wrong_token_in_env")
    assert run("incident", "list", "--token", cli_env.tokens["viewer"], "-o", "json")
    # A command's own --url stays its own.
    assert hoist_global_flags(root, ["statuspage", "export", "d", "--url", "u"]) == [
        "statuspage", "export", "d", "--url", "u",
    ]  # fmt: skip
    assert hoist_global_flags(root, ["incident", "note", "4", "--", "--url", "u"]) == [
        "incident", "note", "4", "--", "--url", "u",
    ]  # fmt: skip


def test_a_wrong_token_is_401_and_a_hint(cli_env: Api) -> None:
    result = invoke("--token", "tcn_not_a_token", "incident", "list")
    assert result.exit_code == 1
    assert "401" in result.output
    assert "--token, TOCSIN_TOKEN or the context" in result.output


# ------------------------------------------------------------------ help and version


def _leaves(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if hasattr(command, "commands"):  # a group (Typer's click may not be the `click` package)
        return [
            leaf
            for name, sub in command.commands.items()
            if not sub.hidden
            for leaf in _leaves(sub, (*path, name))
        ]
    return [path]


def test_every_command_has_help_with_an_example() -> None:
    leaves = _leaves(typer.main.get_command(app))
    assert ("incident", "show") in leaves
    missing = []
    for path in leaves:
        if path in {("serve",)}:  # owned by the serve work; see its help
            continue
        result = CliRunner().invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        if "Examples:" not in result.output or "tocsin " not in result.output:
            missing.append(" ".join(path))
    assert missing == []


def test_version_flag() -> None:
    assert invoke("--version").output.strip() == __version__
    assert invoke("version").output.strip() == __version__


class _NotTocsin(http.server.BaseHTTPRequestHandler):
    """A server that answers 200 with `{}` on /api/v1/incidents/…, and HTML elsewhere."""

    def do_GET(self) -> None:
        is_json = "/incidents/" in self.path
        body = b"{}" if is_json else b"<html>a router's login page</html>"
        self.send_response(200)
        self.send_header("content-type", "application/json" if is_json else "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def not_tocsin() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotTocsin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_an_answer_that_is_not_json_names_the_url(
    cli_env: Api, not_tocsin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOCSIN_URL", not_tocsin)
    result = invoke("person", "list")
    assert result.exit_code == 1
    assert f"{not_tocsin}/api/v1/people answered text/html, not JSON" in result.output


def test_an_unexpected_failure_is_one_line_not_a_traceback(not_tocsin: str) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TOCSIN_URL": not_tocsin,
        "TOCSIN_TOKEN": "tcn_not_a_real_token",
        "TOCSIN_CONFIG": os.devnull,
    }
    done = subprocess.run(
        [sys.executable, "-m", "tocsin", "incident", "show", "INC-1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "error: KeyError" in done.stderr
    assert "TOCSIN_DEBUG=1" in done.stderr
