"""The migrations build exactly the schema the tables declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import Api
from tocsin.db import Base, load_all_tables, migrate


def test_schema_matches_the_models(api: Api) -> None:
    load_all_tables()
    migrate(api.db)  # a second run is a no-op
    with api.db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []
