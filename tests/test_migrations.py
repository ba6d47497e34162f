"""The migrations build exactly the schema the tables declare, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from tests.conftest import Api
from tocsin.db import Base, Database
from tocsin.schema import alembic_config, include_name, load_all_tables, migrate


def test_schema_matches_the_models(api: Api) -> None:
    load_all_tables()
    migrate(api.db)  # a second run is a no-op
    with api.db.engine.connect() as connection:
        # the full-text index is no model (tocsin.schema.UNMAPPED_TABLES): include_name skips it
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        assert compare_metadata(context, Base.metadata) == []


def test_table_rebuilds_keep_the_rows_that_reference_them(tmp_path: Path) -> None:
    """On SQLite, 0004 rebuilds ``statuspage_incidents`` and 0005 ``checks``; the rows that
    reference them (public updates, check results: deleted in cascade if the rebuild's drop
    ran with foreign keys enforced) survive, and a component gets its first history row."""
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()

    def upgrade(target: str) -> None:
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, target)

    upgrade("0003_checks")
    upgrade("0003_statuspage")
    then = "2026-01-01 00:00:00"
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO integrations (id, kind, name, service, key_digest, key_prefix,"
                " settings, created_at, created_by) VALUES (1, 'generic', 'i', 's', 'd', 'p',"
                " '{}', :t, 'me')"
            ),
            {"t": then},
        )
        connection.execute(
            text(
                "INSERT INTO checks (id, name, kind, integration_id, url, interval_seconds,"
                " timeout_seconds, failures_before_alert, enabled, next_run_at,"
                " consecutive_failures, alerting, created_at, created_by, updated_at)"
                " VALUES (1, 'c', 'http', 1, 'http://127.0.0.1/', 60, 5, 2, 1, :t, 0, 0, :t,"
                " 'me', :t)"
            ),
            {"t": then},
        )
        connection.execute(
            text("INSERT INTO check_results (check_id, at, ok) VALUES (1, :t, 1), (1, :t, 0)"),
            {"t": then},
        )
        connection.execute(
            text(
                "INSERT INTO statuspage_components (id, is_group, name, position, services,"
                " computed_status, override_status, created_at, updated_at) VALUES"
                " (1, 0, 'a', 0, '[]', 'partial_outage', NULL, :t, :t),"
                " (2, 1, 'g', 1, '[]', 'operational', NULL, :t, :t),"
                " (3, 0, 'b', 2, '[]', 'operational', 'under_maintenance', :t, :t)"
            ),
            {"t": then},
        )
        connection.execute(
            text(
                "INSERT INTO statuspage_incidents (id, name, status, impact, component_ids,"
                " created_at, updated_at, started_at, created_by) VALUES"
                " (1, 'Slow', 'investigating', 'minor', '[1]', :t, :t, :t, 'me')"
            ),
            {"t": then},
        )
        connection.execute(
            text(
                "INSERT INTO statuspage_updates (public_incident_id, status, body, created_at,"
                " author) VALUES (1, 'investigating', 'We know.', :t, 'me')"
            ),
            {"t": then},
        )
    migrate(db)
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM check_results")) == 2
        assert connection.scalar(text("SELECT count(*) FROM statuspage_updates")) == 1
        assert connection.scalar(text("SELECT page_id FROM statuspage_components LIMIT 1")) == 1
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1  # enforced again
        assert connection.scalar(text("SELECT component_id FROM checks")) is None
        history = connection.execute(
            text("SELECT component_id, status FROM statuspage_status_history ORDER BY id")
        ).all()
        assert [tuple(row) for row in history] == [(1, "partial_outage"), (3, "under_maintenance")]
    db.dispose()
