"""Start a real `tocsin serve` on a fresh database for a benchmark, and stop it after."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

POSTGRES_ADMIN = os.environ.get("TOCSIN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass
class Server:
    url: str
    token: str
    database_url: str
    pid: int


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on now (bench does not import the tests')."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def fresh_database(backend: str, *, keep: bool = False) -> Iterator[str]:
    """A new empty database; dropped afterwards unless ``keep``."""
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="tocsin-bench-")
        try:
            yield f"sqlite:///{folder}/tocsin.db"
        finally:
            if not keep:
                shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"tocsin_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        if not keep:
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_tocsin(backend: str, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    with fresh_database(backend) as database_url, serving(database_url, extra_env) as server:
        yield server


@contextmanager
def serving(
    database_url: str,
    extra_env: dict[str, str] | None = None,
    serve_args: list[str] | None = None,
) -> Iterator[Server]:
    """`tocsin serve [serve_args]` on ``database_url``, with an admin token."""
    env = {**os.environ, "TOCSIN_DATABASE_URL": database_url, **(extra_env or {})}
    tocsin = [sys.executable, "-m", "tocsin"]
    created = subprocess.run(
        [*tocsin, "token", "create", "--name", "bench", "--role", "admin"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    token = created.stdout.strip().splitlines()[-1]
    port = free_port()
    process = subprocess.Popen(
        [*tocsin, "serve", "--port", str(port), *(serve_args or [])],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("tocsin serve did not start")
            time.sleep(0.1)
        yield Server(url=url, token=token, database_url=database_url, pid=process.pid)
    finally:
        process.terminate()  # the writer commits what is queued first
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the processes of ``serve --workers``)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found.append(current)
        pending.extend(int(child) for child in children)
    return found


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants, in KiB."""
    total = 0
    for current in process_tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes ``pids`` used so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_backends(database_url: str) -> list[int]:
    """The server processes of PostgreSQL's connections to ``database_url``'s database."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))
        return [int(row[0]) for row in rows]
