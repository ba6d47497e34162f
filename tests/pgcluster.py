"""A throwaway PostgreSQL cluster that a test may stop and start: never the shared server.

``initdb`` into a temporary folder, served on a free loopback port by the Debian binaries
(/usr/lib/postgresql/<version>/bin). PostgreSQL refuses to run as root, so as root the
commands run as the ``postgres`` user. Missing binaries fail the test, as a missing shared
PostgreSQL does, unless TOCSIN_TEST_SKIP_POSTGRES=1.

    def test_outage(pg_cluster: PgCluster) -> None:
        url = pg_cluster.create_database("outage")
        ...
        pg_cluster.stop()    # immediate: backends die mid-transaction, as in a crash
        pg_cluster.start()
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.peers import free_port


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    message = "PostgreSQL server binaries (initdb, pg_ctl) are missing: apt-get install postgresql"
    if os.environ.get("TOCSIN_TEST_SKIP_POSTGRES") == "1":
        pytest.skip(message)
    pytest.fail(message)


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


@dataclass
class PgCluster:
    bin: Path
    root: Path  # data/, the socket and the log live here
    port: int
    as_user: list[str]  # the command prefix that runs as the cluster's owner

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = [*self.as_user, *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed: {result.stderr}\n{log[-2000:]}")

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args)

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        options = f"-k {self.root} -p {self.port} -c listen_addresses=127.0.0.1"
        self._pg_ctl("-l", str(self.log), "-o", options, "start")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server: ``immediate`` kills it mid-transaction, ``fast`` rolls back."""
        self._pg_ctl("-m", mode, "stop")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self, prefix: str) -> str:
        """A new empty database on the cluster; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A started cluster of its own, shared by the session; a test that stops it starts it
    again before it ends."""
    binaries = _binaries()
    # Not under pytest's temporary folder: that one is private to root, and the server runs
    # as postgres.
    root = Path(tempfile.mkdtemp(prefix="tocsin-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    cluster = PgCluster(bin=binaries, root=root, port=free_port(), as_user=as_user)
    try:
        cluster._run(
            str(binaries / "initdb"),
            "-D",
            str(cluster.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        cluster.start()
        yield cluster
    finally:
        if cluster.running:
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
