"""Customer report tests: a worker that mails through the test's SMTP server, and servers of
their own for the public form (its rate limit is per application)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from tests.builders import unique
from tests.conftest import Api, serving
from tests.peers import SmtpServer, free_port
from tocsin.db import Database
from tocsin.worker.loop import Worker


@pytest.fixture
def worker(api: Api, smtp_server: SmtpServer) -> Iterator[Worker]:
    settings = api.settings.model_copy(
        update={"smtp_host": smtp_server.host, "smtp_port": smtp_server.port}
    )
    running = Worker(replace(api.tocsin, settings=settings), name=unique("test"))
    yield running
    running.pool.shutdown(wait=True)


@contextmanager
def form_server(api: Api, folder: Path, per_minute: int) -> Iterator[Api]:
    """Another Tocsin on the suite's database, with its own form limit."""
    settings = api.settings.model_copy(
        update={
            "port": free_port(),
            "reports_form_per_minute": per_minute,
            "statuspage_snapshot_file": str(folder / "snapshot.json"),
        }
    )
    db = Database(settings.database_url)
    try:
        with serving(settings, db) as running:
            yield running
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def form_api(api: Api, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with form_server(api, tmp_path_factory.mktemp("form"), per_minute=10_000) as running:
        yield running
