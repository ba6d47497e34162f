"""`tocsin apply`, `tocsin export` and `tocsin config ...` against a running server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.config_as_code.helpers import config, suffix
from tests.conftest import Api, run_cli, use_cli
from tocsin.cli import app


@pytest.fixture
def admin_cli(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    return use_cli(api, monkeypatch, "admin")


def test_dry_run_prints_the_plan_then_apply_then_nothing_to_change(
    admin_cli: Api, tmp_path: Path
) -> None:
    s = suffix()
    path = tmp_path / "tocsin.yaml"
    path.write_text(config(s))
    shown = run_cli("apply", str(path), "--dry-run")
    assert f"+ create people ana-{s}" in shown
    assert "Plan: 8 to create, 0 to change, 0 to delete." in shown
    assert "Plan: 8 to create" in run_cli("apply", str(path), "--dry-run")  # it changed nothing


def test_apply_export_apply_changes_nothing(admin_cli: Api, tmp_path: Path) -> None:
    s = suffix()
    path = tmp_path / "tocsin.yaml"
    path.write_text(config(s))
    applied = run_cli("apply", str(path))
    assert "Applied: 8 to create" in applied
    assert f"integrations.prom-{s}" in applied and "(shown once)" in applied
    changed = config(s).replace("name: Bob\n", "name: Robert\n")
    path.write_text(changed)
    shown = run_cli("apply", str(path), "--dry-run")
    assert f"~ change people bob-{s}" in shown
    assert 'name: "Bob" → "Robert"' in shown
    out = tmp_path / "export.yaml"
    run_cli("export", "--file", str(out))
    data = yaml.safe_load(out.read_text())
    assert f"ana-{s}" in {p["key"] for p in data["people"]}
    assert "Nothing to change" in run_cli("apply", str(out), "--dry-run")
    records = json.loads(run_cli("config", "applies", "--limit", "1", "--json"))
    assert records[0]["outcome"] == "applied"


def test_a_bad_file_is_one_line_per_problem_never_a_traceback(
    admin_cli: Api, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("people:\n  - key: Not A Key\n    name: x\n    handle: x\n")
    result = CliRunner().invoke(app, ["apply", str(path), "--dry-run"])
    assert result.exit_code == 1
    assert f"{path}:2:10: people.0.key:" in result.output
    assert "Traceback" not in result.output
    path.write_text("people: [\n")
    result = CliRunner().invoke(app, ["apply", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2:1:" in result.output


def test_schema_is_the_published_one() -> None:
    printed = json.loads(run_cli("config", "schema"))
    published = json.loads(Path("docs/config-as-code.schema.json").read_text())
    assert printed == published
    assert printed["title"] == "Tocsin configuration"
