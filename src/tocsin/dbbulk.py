"""Many rows in one statement: bulk inserts and updates for hot write paths (alert ingest).

On SQLite an executemany runs one ``sqlite3_step`` per row, and the sqlite3 module gives up
the GIL around each; the writer thread then waits for the event loop's thread to hand it back,
row after row. One multi-row statement is one step. The values go through each column type's
bind processor, as SQLAlchemy itself would do. PostgreSQL (psycopg pipelines executemany)
keeps SQLAlchemy's executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import msgspec
from sqlalchemy import JSON, Table, bindparam, func, select, text, update
from sqlalchemy.orm import Session

MAX_VARIABLES = 30_000  # SQLite allows 32,766 since 3.32
_encode = msgspec.json.encode


def _chunks(rows: Sequence[dict[str, Any]], width: int) -> Iterator[Sequence[dict[str, Any]]]:
    size = max(1, MAX_VARIABLES // width)
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _json_text(value: Any) -> str:
    return _encode(value).decode()


def _processor(session: Session, table: Table, name: str) -> Callable[[Any], Any] | None:
    kind = table.c[name].type
    if isinstance(kind, JSON):
        return _json_text  # what SQLAlchemy's JSON type stores, encoded faster
    return kind.bind_processor(session.get_bind().dialect)


def _flat(
    session: Session, table: Table, names: Sequence[str], rows: Sequence[dict[str, Any]]
) -> tuple[Any, ...]:
    processors = [_processor(session, table, name) for name in names]
    values: list[Any] = []
    for row in rows:
        for name, process in zip(names, processors, strict=True):
            value = row[name]
            values.append(process(value) if process is not None and value is not None else value)
    return tuple(values)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys)."""
    if not rows:
        return
    if not _is_sqlite(session):
        session.execute(table.insert(), list(rows))
        return
    names = list(rows[0])
    quote = session.get_bind().dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) VALUES "
    one = "(" + ", ".join("?" * len(names)) + ")"
    for chunk in _chunks(rows, len(names)):
        sql = head + ", ".join([one] * len(chunk))
        session.connection().exec_driver_sql(sql, _flat(session, table, names, chunk))


def update_rows(
    session: Session,
    table: Table,
    names: Sequence[str],
    rows: Sequence[dict[str, Any]],
    *,
    added: Sequence[str] = (),
) -> None:
    """Set columns ``names`` of the rows whose ``id`` each dict gives; the columns of
    ``added`` (a subset of ``names``) are incremented by the value instead of set to it, so
    writers in several processes add up instead of overwriting one another."""
    if not rows:
        return
    if not _is_sqlite(session):
        values = {
            n: (table.c[n] + bindparam(f"b_{n}", type_=table.c[n].type))
            if n in added
            else bindparam(f"b_{n}", type_=table.c[n].type)
            for n in names
        }
        statement = update(table).where(table.c.id == bindparam("b_id")).values(values)
        session.execute(statement, [{f"b_{k}": v for k, v in row.items()} for row in rows])
        return
    quote = session.get_bind().dialect.identifier_preparer.quote
    target = quote(table.name)
    columns = ["id", *names]

    def assign(i: int, n: str) -> str:
        # VALUES columns are called column1, column2... (the same on PostgreSQL).
        value = f"v.column{i + 2}"
        return (
            f"{quote(n)} = {target}.{quote(n)} + {value}" if n in added else f"{quote(n)} = {value}"
        )

    sets = ", ".join(assign(i, n) for i, n in enumerate(names))
    one = "(" + ", ".join("?" * len(columns)) + ")"
    for chunk in _chunks(rows, len(columns)):
        sql = (
            f"UPDATE {target} SET {sets} FROM (VALUES {', '.join([one] * len(chunk))}) AS v "
            f"WHERE {target}.id = v.column1"
        )
        session.connection().exec_driver_sql(sql, _flat(session, table, columns, chunk))


def next_ids(session: Session, table: Table, count: int) -> list[int]:
    """Reserve ``count`` ids of ``table`` (an integer ``id`` key) for rows about to be inserted.

    Choosing ids first spares a RETURNING on the multi-row insert. On SQLite the caller must
    hold the database's write lock (``BEGIN IMMEDIATE``, as ``Database.transaction`` does), so
    the ids after the current maximum are its own; PostgreSQL hands them out from the table's
    sequence.
    """
    if _is_sqlite(session):
        first = (session.scalar(select(func.max(table.c.id))) or 0) + 1
        return list(range(first, first + count))
    query = text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)")
    return [int(i) for i in session.scalars(query, {"t": table.name, "n": count})]
