"""Multi-row inserts and updates, and ids reserved before the insert, on both databases."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, event, func, select

from tests.conftest import Api
from tocsin import dbbulk
from tocsin.db import UTCDateTime

_tables = itertools.count(1)


@pytest.fixture
def probe(api: Api) -> Iterator[Table]:
    """A table of its own for each test, dropped afterwards."""
    metadata = MetaData()
    table = Table(
        f"bulk_probe_{next(_tables)}",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(50), nullable=False),
        Column("seen_at", UTCDateTime, nullable=True),
        Column("data", JSON, nullable=False),
    )
    metadata.create_all(api.db.engine)
    try:
        yield table
    finally:
        metadata.drop_all(api.db.engine)


def rows(api: Api, table: Table) -> list[tuple[object, ...]]:
    with api.db.reading() as session:
        return [tuple(row) for row in session.execute(select(table).order_by(table.c.id))]


def test_reserved_ids_follow_each_other_and_rows_keep_their_types(api: Api, probe: Table) -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with api.db.transaction() as session:
        ids = dbbulk.next_ids(session, probe, 3)
        assert len(set(ids)) == 3
        new = [
            {"id": i, "name": f"n{i}", "seen_at": at if i != ids[1] else None, "data": {"i": [i]}}
            for i in ids
        ]
        dbbulk.insert_rows(session, probe, new)
    with api.db.transaction() as session:
        more = dbbulk.next_ids(session, probe, 2)
    assert min(more) > max(ids)
    assert rows(api, probe) == [
        (ids[0], f"n{ids[0]}", at, {"i": [ids[0]]}),
        (ids[1], f"n{ids[1]}", None, {"i": [ids[1]]}),
        (ids[2], f"n{ids[2]}", at, {"i": [ids[2]]}),
    ]


def test_update_rows_sets_only_the_named_columns(api: Api, probe: Table) -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with api.db.transaction() as session:
        ids = dbbulk.next_ids(session, probe, 2)
        dbbulk.insert_rows(
            session, probe, [{"id": i, "name": "old", "seen_at": at, "data": {}} for i in ids]
        )
    later = at + timedelta(hours=1)
    with api.db.transaction() as session:
        dbbulk.update_rows(
            session, probe, ("seen_at", "data"), [{"id": ids[0], "seen_at": later, "data": [1]}]
        )
    assert rows(api, probe) == [(ids[0], "old", later, [1]), (ids[1], "old", at, {})]


def test_more_rows_than_one_statement_holds(api: Api, probe: Table) -> None:
    """On SQLite the rows are cut into statements of at most MAX_VARIABLES values: three
    inserts of four columns and two updates of two (id, name) for this many rows."""
    count = dbbulk.MAX_VARIABLES // 2 + 1
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement.split(" ", 1)[0])

    with api.db.transaction() as session:
        connection = session.connection()  # this transaction's own: no one else's statements
        event.listen(connection, "before_cursor_execute", note)
        ids = dbbulk.next_ids(session, probe, count)
        new = [{"id": i, "name": str(i), "seen_at": None, "data": {}} for i in ids]
        dbbulk.insert_rows(session, probe, new)
        dbbulk.update_rows(session, probe, ("name",), [{"id": i, "name": "x"} for i in ids])
        event.remove(connection, "before_cursor_execute", note)
    if api.backend == "sqlite":
        assert statements.count("INSERT") == 3 and statements.count("UPDATE") == 2
    with api.db.reading() as session:
        names = session.execute(select(probe.c.name, func.count()).group_by(probe.c.name)).all()
    assert names == [("x", count)]
