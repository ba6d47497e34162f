"""The CLI loads the web app, the worker, SQLAlchemy, Uvicorn and Apprise only when a command
needs them, so `tocsin --help` and the HTTP commands start fast (bench/cli_startup.py has the
figures). Checked through sys.modules in a fresh interpreter, not by timing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.peers import free_port

HEAVY = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "apprise", "psycopg")
PROBE = f"""
import json, sys
from tocsin.cli import app
code = None
try:
    app(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
heavy += sorted(m for m in sys.modules if m.startswith(("tocsin.web", "tocsin.worker")))
print(json.dumps({{"code": code, "heavy": heavy}}))
"""


def _loaded_by(*argv: str) -> tuple[int, list[str]]:
    env = {
        "TOCSIN_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens: refused at once
        "TOCSIN_TOKEN": "tcn_not_a_real_token",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], result["heavy"]


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--help"], 0),
        (["version"], 0),
        (["incident", "--help"], 0),
        (["incident", "list"], 1),  # connection refused: a clear message, exit 1
        (["oncall", "now"], 1),
        (["alert", "list"], 1),
        (["token", "--help"], 0),
    ],
)
def test_http_commands_and_help_load_no_server_code(argv: list[str], code: int) -> None:
    assert _loaded_by(*argv) == (code, [])


def test_version_prints_the_package_version() -> None:
    from tocsin import __version__

    done = subprocess.run(
        [sys.executable, "-m", "tocsin", "version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == __version__
