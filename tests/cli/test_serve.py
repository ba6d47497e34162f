"""`tocsin serve`: its warning about a database it cannot write, HTTPS, and ``--workers``."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import run_cli, throwaway_postgres
from tests.peers import certificate, free_port
from tocsin.access import service as access_service
from tocsin.alerts.tables import Alert
from tocsin.cli.main import database_warning
from tocsin.core.roles import AccessRole
from tocsin.db import Database
from tocsin.schema import migrate


def test_serve_warns_when_the_database_is_read_only(tmp_path: Path) -> None:
    path = tmp_path / "tocsin.db"
    writable = Database(f"sqlite:///{path}")
    migrate(writable)
    read_only = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert database_warning(writable) is None
    warning = database_warning(read_only)
    assert warning is not None
    assert warning.startswith("The database is read-only: attempt to write a readonly database")
    assert "answers 503" in warning
    writable.dispose()
    read_only.dispose()


def test_serve_refuses_several_workers_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOCSIN_DATABASE_URL", f"sqlite:///{tmp_path / 'tocsin.db'}")
    output = run_cli("serve", "--workers", "2", exit_code=2)
    assert "--workers needs PostgreSQL" in output
    assert not (tmp_path / "tocsin.db").exists()  # refused before anything was done


def test_serve_refuses_a_key_that_is_not_the_certificates(tmp_path: Path) -> None:
    _, leaf, _ = certificate("127.0.0.1", tmp_path)
    (tmp_path / "other").mkdir()
    _, _, other_key = certificate("127.0.0.1", tmp_path / "other")
    output = run_cli("serve", "--certfile", str(leaf), "--keyfile", str(other_key), exit_code=2)
    assert "Cannot serve HTTPS" in output
    assert "the private key is not the certificate's" in output
    output = run_cli("serve", "--certfile", str(tmp_path / "missing.pem"), exit_code=2)
    assert "missing.pem: no such file" in output


def test_serve_answers_https_with_its_certificate(tmp_path: Path) -> None:
    ca, leaf, key = certificate("127.0.0.1", tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "TOCSIN_DATABASE_URL": f"sqlite:///{tmp_path / 'tocsin.db'}",
        "TOCSIN_SECRET_KEY_FILE": str(tmp_path / "tocsin.key"),
    }
    tls = ["--certfile", str(leaf), "--keyfile", str(key)]
    command = [sys.executable, "-m", "tocsin", "serve", "--port", str(port), *tls]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"https://127.0.0.1:{port}"
    verify = ssl.create_default_context(cafile=ca)
    try:
        _wait_for(lambda: _healthy(url, verify), process)
        status = httpx.get(f"{url}/api/v2/status.json", verify=verify, timeout=30)
        assert status.status_code == 200, status.text
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert f"Tocsin on https://127.0.0.1:{port}" in output


def _serving_processes(pid: int) -> int:
    """How many processes ``pid`` spawned to serve (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sum(b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes() for child in children)


def test_two_worker_processes_on_postgresql_open_one_incident_per_key(tmp_path: Path) -> None:
    with throwaway_postgres() as url:
        db = Database(url)
        migrate(db)
        token = access_service.create_token(
            db, name="serve-test", role=AccessRole.ADMIN, created_by="tests"
        ).token
        port = free_port()
        env = {
            **os.environ,
            "TOCSIN_DATABASE_URL": url,
            "TOCSIN_SECRET_KEY_FILE": str(tmp_path / "tocsin.key"),
        }
        # Over HTTPS: each process answers TLS with the parent's options.
        ca, leaf, key = certificate("127.0.0.1", tmp_path)
        tls = ["--certfile", str(leaf), "--keyfile", str(key)]
        command = [sys.executable, "-m", "tocsin", "serve", "--port", str(port), "--workers", "2"]
        process = subprocess.Popen(
            [*command, *tls], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url_of = f"https://127.0.0.1:{port}"
        verify = ssl.create_default_context(cafile=ca)
        try:
            _wait_for(
                lambda: _healthy(url_of, verify) and _serving_processes(process.pid) == 2, process
            )
            headers = {"Authorization": f"Bearer {token}"}
            created = httpx.post(
                f"{url_of}/api/v1/integrations",
                headers=headers,
                json={"kind": "pagerduty", "name": "pd", "service": "checkout"},
                timeout=30,
                verify=verify,
            )
            assert created.status_code == 201, created.text
            routing_key = created.json()["key"]
            keys = [f"disk-{n}" for n in range(20)]
            repeats = 5

            def trigger(dedup_key: str) -> None:
                body = {
                    "routing_key": routing_key,
                    "event_action": "trigger",
                    "dedup_key": dedup_key,
                    "payload": {"summary": dedup_key, "source": "db", "severity": "error"},
                }
                while True:  # a new connection each time, so both processes take some
                    answer = httpx.post(
                        f"{url_of}/v2/enqueue", json=body, timeout=30, verify=verify
                    )
                    if answer.status_code != 503:  # two processes raced to open the key
                        break
                assert answer.status_code == 202, answer.text

            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(trigger, [k for k in keys for _ in range(repeats)]))
            with db.reading() as session:
                rows = session.execute(
                    select(Alert.dedup_key, Alert.count, Alert.incident_id, Alert.open)
                ).all()
            assert sorted(row.dedup_key for row in rows) == sorted(keys)  # one alert per key
            assert all(row.open for row in rows)
            # Not asserted: ``count``. Each process writes the count it knows, so repeats
            # counted by the other process at the same moment can be missed (docs/operations.md).
            incidents = {row.incident_id for row in rows}
            assert None not in incidents
            assert len(incidents) == len(keys)  # and one incident each
        finally:
            process.terminate()
            process.wait(timeout=30)
            db.dispose()


def _healthy(url: str, verify: ssl.SSLContext) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=5, verify=verify).status_code == 200
    except httpx.TransportError:
        return False


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180  # a loaded machine starts Python slowly
    while not condition():
        assert process.poll() is None, "tocsin serve --workers 2 exited"
        assert time.monotonic() < deadline, "tocsin serve --workers 2 did not come up"
        time.sleep(0.1)
