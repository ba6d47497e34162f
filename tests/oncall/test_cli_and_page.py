"""`tocsin oncall ...` and the /oncall page, against the running server."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.builders import layer, level, person, policy, schedule, service
from tests.conftest import Api, run_cli, sign_in, use_cli
from tocsin.cli import app

runner = CliRunner()


@pytest.fixture
def cli_env(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    return use_cli(api, monkeypatch, "viewer")


run = run_cli


def test_now_shifts_and_preview(cli_env: Api) -> None:
    api = cli_env
    ana, ben = person(api, "Ana"), person(api, "Ben")
    sched = schedule(api, [layer([ana["id"], ben["id"]])])
    levels = [level(schedules=[sched["id"]], timeout=30)]
    svc = service(api, policy(api, levels)["id"])

    now = run("oncall", "now", "--at", "2026-03-08T12:00:00Z")
    line = next(line for line in now.splitlines() if sched["name"] in line)
    assert f"@{ben['handle']}" in line and "Sun 2026-03-08 09:00 EDT" in line

    shifts = run(
        "oncall",
        "shifts",
        str(sched["id"]),
        "--since",
        "2026-03-07T00:00:00Z",
        "--until",
        "2026-03-09T00:00:00Z",
    )
    assert "Sat 2026-03-07 09:00 EST" in shifts and "Sun 2026-03-08 09:00 EDT" in shifts
    as_json = json.loads(
        run(
            "oncall",
            "shifts",
            str(sched["id"]),
            "--since",
            "2026-03-07T00:00:00Z",
            "--until",
            "2026-03-09T00:00:00Z",
            "--json",
        )
    )
    assert [s["person"]["id"] for s in as_json["shifts"]] == [ana["id"], ben["id"], ana["id"]]

    preview = run("oncall", "preview", svc["name"], "--at", "2026-03-08T12:00:00Z")
    assert f"@{ben['handle']}" in preview and "no contact" in preview
    bare = service(api)
    assert "nobody would be paged" in run("oncall", "preview", bare["name"])


def test_cli_reports_bad_input(cli_env: Api) -> None:
    result = runner.invoke(app, ["oncall", "now", "--at", "yesterday"])
    assert result.exit_code == 1 and "422" in result.output


def test_oncall_page_shows_who_is_on_call_in_the_schedule_zone(api: Api) -> None:
    ana = person(api, "Ana")
    sched = schedule(api, [layer([ana["id"]])], time_zone="Asia/Kolkata")
    with api.anonymous() as browser:
        redirected = browser.get("/oncall")
        assert redirected.status_code == 303 and redirected.headers["location"].startswith("/login")
        sign_in(browser, api, "viewer")
        page = browser.get("/oncall")
    assert page.status_code == 200
    assert sched["name"] in page.text and "On call now: <strong>Ana</strong>" in page.text
    assert "IST" in page.text  # shifts are shown in the schedule's zone
    assert '<a href="/oncall">On call</a>' in page.text
