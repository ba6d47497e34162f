"""Alembic environment: migrations run on the connection Tocsin hands in (see tocsin.db)."""

from __future__ import annotations

from alembic import context

from tocsin.db import Base, Database
from tocsin.schema import include_name, load_all_tables

load_all_tables()

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///tocsin.db"
    database = Database(url)
    with database.engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()
