"""The recurrence tests drive the same worker as the paging tests (the suite's clock)."""

from __future__ import annotations

from tests.paging.conftest import worker  # noqa: F401 (fixture)
