"""The paging tests' worker (driven by the test) and frozen clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.alerts.helpers import moving_clock
from tests.conftest import Api
from tests.peers import SmtpServer
from tocsin.worker.loop import Worker


@pytest.fixture
def worker(api: Api, smtp_server: SmtpServer) -> Iterator[Worker]:
    settings = api.settings.model_copy(
        update={"smtp_host": smtp_server.host, "smtp_port": smtp_server.port}
    )
    running = Worker(replace(api.tocsin, settings=settings), name=f"test-{uuid.uuid4().hex[:6]}")
    yield running
    running.pool.shutdown(wait=True)


@pytest.fixture
def later() -> Iterator[Callable[[float], None]]:
    """Freeze the clock; ``later(minutes)`` moves it forward."""
    with moving_clock() as advance:
        yield lambda minutes: advance(timedelta(minutes=minutes))
