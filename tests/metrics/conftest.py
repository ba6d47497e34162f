"""A worker driven by the test, delivering pages by mail to a real SMTP server."""

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
    running = Worker(replace(api.tocsin, settings=settings), name=unique("test"))
    yield running
    running.pool.shutdown(wait=True)
