"""The subscriber tests' worker, driven by the test, and a fresh rate limit per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.builders import unique
from tests.conftest import Api
from tests.peers import SmtpServer
from tocsin.worker.loop import Worker


@pytest.fixture
def worker(api: Api, smtp_server: SmtpServer) -> Iterator[Worker]:
    settings = api.settings.model_copy(
        update={"smtp_host": smtp_server.host, "smtp_port": smtp_server.port}
    )
    running = Worker(replace(api.tocsin, settings=settings), name=unique("subs"))
    yield running
    running.pool.shutdown(wait=True)


@pytest.fixture(autouse=True)
def no_rate_limit_carried_over(api: Api) -> None:
    """The server (and its per-address limit) outlives a test: each starts with a full bucket."""
    api.tocsin.client_limits["subscribe"].clear()
