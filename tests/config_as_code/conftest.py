from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.config_as_code.helpers import fresh_server
from tests.conftest import Api


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """A Tocsin of its own on an empty database, on each backend."""
    with fresh_server(request.param, tmp_path) as api:
        yield api
