"""Paging tests use the same real peers as the channel tests."""

from tests.notify.conftest import receiver, smtp_server  # noqa: F401
