"""Which database errors are an outage, and one log line when one starts and one when it ends."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from tocsin.db import Database
from tocsin.dbhealth import DISK_FULL, READ_ONLY, UNREACHABLE, Health, Outage, classify
from tocsin.schema import migrate


def sqlite_error(path: Path, statement: str, *, read_only: bool = False) -> sqlite3.Error:
    target = f"file:{path}?mode=ro" if read_only else str(path)
    try:
        with closing(sqlite3.connect(target, uri=read_only)) as connection:
            connection.execute(statement)
    except sqlite3.Error as error:
        return error
    raise AssertionError(f"{statement} did not fail")


def test_what_counts_as_an_outage(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    read_only = sqlite_error(path, "INSERT INTO t VALUES (1)", read_only=True)
    assert classify(read_only) == Outage(READ_ONLY, "attempt to write a readonly database")
    missing = sqlite_error(tmp_path / "no" / "such.db", "SELECT 1")
    assert classify(missing) == Outage(UNREACHABLE, "unable to open database file")
    wrapped = sa_exc.OperationalError("INSERT ...", {}, read_only)
    assert classify(wrapped) == Outage(READ_ONLY, "attempt to write a readonly database")
    # A bug is not an outage: it stays a 500.
    assert classify(sqlite_error(path, "SELECT nope FROM t")) is None
    assert classify(sqlite_error(path, "SELECT * FROM missing")) is None
    assert classify(ValueError("no")) is None
    assert classify(sa_exc.TimeoutError("QueuePool limit reached")) is not None


def test_the_driver_reason_keeps_no_address() -> None:
    import psycopg

    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:1/x", connect_timeout=5)
    except psycopg.OperationalError as error:
        refused = sa_exc.OperationalError("connect", {}, error)
    outage = classify(refused)
    assert outage is not None
    assert outage.kind == UNREACHABLE
    assert "127.0.0.1" not in str(outage)
    assert outage.message == "the database is unreachable; retry shortly"


def test_one_line_when_an_outage_starts_and_one_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="tocsin.db")
    health = Health()
    down = Outage(UNREACHABLE, "Connection refused")
    before = health.epoch  # a transaction under way when the server stopped
    health.failed(down, before)
    during = health.epoch
    for _ in range(5):
        health.failed(down, during)
    health.succeeded(before, wrote=True)  # began before the outage: proves nothing
    assert health.outage == down
    health.succeeded(during, wrote=False)
    assert health.outage is None
    health.failed(down, during)  # began before it was back: stale
    assert health.outage is None
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("database unavailable (unreachable: Connection refused)")
    assert messages[1].startswith("database available again after")


def test_a_read_only_or_full_database_is_back_when_writes_have_worked_a_while(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="tocsin.db")
    now = [100.0]
    health = Health(settle_seconds=10, clock=lambda: now[0])
    full = Outage(DISK_FULL, "database or disk is full")
    health.failed(full, health.epoch)
    health.succeeded(health.epoch, wrote=False)  # reads work on a full disk
    health.succeeded(health.epoch, wrote=True)  # a small write fits, a large one fails:
    now[0] += 5
    health.failed(full, health.epoch)
    now[0] += 9
    health.succeeded(health.epoch, wrote=True)  # still one outage
    assert health.outage == full
    now[0] += 1
    health.succeeded(health.epoch, wrote=True)  # ten seconds without a failed write
    assert health.outage is None
    assert [r.getMessage() for r in caplog.records] == [
        "database unavailable (disk full: database or disk is full): "
        "requests answer 503 until it is back",
        "database available again after 15.0 s",
    ]


def test_check_asks_the_database_now(tmp_path: Path) -> None:
    path = tmp_path / "tocsin.db"
    writable = Database(f"sqlite:///{path}")
    migrate(writable)
    assert writable.check() is None
    read_only = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    outage = read_only.check()
    assert outage is not None and outage.kind == READ_ONLY
    with read_only.reading() as session:  # reads work
        assert session.scalar(text("SELECT 1")) == 1
    with writable.transaction() as session:  # the check wrote nothing that stayed
        assert session.scalar(text("PRAGMA user_version")) == 0
    gone = Database("postgresql://postgres@127.0.0.1:1/none")
    outage = gone.check()
    assert outage is not None and outage.kind == UNREACHABLE
    for db in (writable, read_only, gone):
        db.dispose()
