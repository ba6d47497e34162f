"""The schema: every model loaded, and the migrations that bring a database to it."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import text

from tocsin.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def load_all_tables() -> None:
    """Import every ``tables`` module so the metadata knows every model.

    A feature's (``incidents/tables.py``) and a sub-feature's (``oncall/people/tables.py``).
    """
    package = Path(__file__).parent
    for found in sorted(package.rglob("tables.py")):
        parts = found.relative_to(package).with_suffix("").parts
        importlib.import_module(".".join(("tocsin", *parts)))


UNMAPPED_TABLES = frozenset(
    {"postmortem_search"}
    | {f"postmortem_search_{shadow}" for shadow in ("data", "idx", "content", "docsize", "config")}
)
"""Tables the migrations create that no model declares: the postmortems' full-text index
(an SQLite FTS5 virtual table and its shadow tables, or a PostgreSQL table with generated
``tsvector`` columns — see ``tocsin.postmortems.index``). Comparing the models with the
schema, and autogenerate, skip them through :func:`include_name`."""


def include_name(name: str | None, type_: str, _parents: Any = None) -> bool:
    """Alembic's ``include_name`` hook: leave :data:`UNMAPPED_TABLES` out of comparisons."""
    return not (type_ == "table" and name in UNMAPPED_TABLES)


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(database: Database) -> None:
    """Bring the schema to the newest migrations; safe to run from several replicas at once.

    Each feature adds its tables on its own migration branch, so every head is applied.
    """
    config = alembic_config()
    if database.is_sqlite:
        _migrate_sqlite(database, config)
        return
    with database.engine.begin() as connection:
        lock_id = int.from_bytes(hashlib.sha256(b"tocsin-migrate").digest()[:4], "big")
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def _migrate_sqlite(database: Database, config: AlembicConfig) -> None:
    """Migrate with foreign keys unenforced, then check them all before the commit.

    SQLite alters a table by rebuilding it (Alembic's batch mode): copy, drop the old one,
    rename. With foreign keys enforced, that drop deletes in cascade every row of every table
    that references it (an alert's results, a public incident's updates). SQLite's own
    procedure for schema changes turns enforcement off, which only works outside a
    transaction, so it is done on the raw connection before the migration's one begins.
    """
    with database.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
