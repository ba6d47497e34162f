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
        process.terminate()
        process.wait(timeout=10)


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants (``serve --workers`` forks), in KiB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        pending.extend(int(child) for child in children)
    return total
