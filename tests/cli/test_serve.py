"""`tocsin serve` warns at start about a database it cannot write."""

from __future__ import annotations

from pathlib import Path

from tocsin.cli.main import database_warning
from tocsin.db import Database, migrate


def test_serve_warns_when_the_database_is_read_only(tmp_path: Path) -> None:
    path = tmp_path / "tocsin.db"
    writable = Database(f"sqlite:///{path}")
    migrate(writable)
    read_only = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert database_warning(writable) is None
    warning = database_warning(read_only)
    assert warning is not None
    assert warning.startswith("The database is read-only: attempt to write a readonly database")
    assert "answers 503" in warning
    writable.dispose()
    read_only.dispose()
