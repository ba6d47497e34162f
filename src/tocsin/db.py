"""Storage: engines, transactions, the UTC datetime column type, and migrations.

SQLite is the embedded default (one file, WAL); PostgreSQL is the scale-out store. On SQLite
every write transaction starts with ``BEGIN IMMEDIATE`` so that concurrent writers queue on
the busy timeout instead of failing half-way through a read-then-write; reads use a second
engine with plain deferred transactions so they never wait for a writer. On PostgreSQL reads
may go to a replica (``TOCSIN_DATABASE_READ_URL``, later) and writes lock the rows they change.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import msgspec
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    MetaData,
    Table,
    create_engine,
    event,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from tocsin.dbhealth import BUSY, READ_ONLY, DatabaseUnavailable, Health, Outage, classify
from tocsin.hooks import Hooks
from tocsin.wakeup import WAKEUP_KEY, Wakeup

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; refuses naive ones; reads them back aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Tocsin stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def normalize_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _json_dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


# msgspec is several times faster than the json module on the JSON columns (traces, payloads).
JSON_CODEC: dict[str, Any] = {
    "json_serializer": _json_dumps,
    "json_deserializer": msgspec.json.decode,
}


BUSY_TIMEOUT_MS = 30_000
# How long to wait for a PostgreSQL connection unless the URL says (connect_timeout=...).
CONNECT_TIMEOUT_SECONDS = 5


def _sqlite_engine(url: str, *, begin: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        **JSON_CODEC,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged commit survives power loss
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def _postgres_engine(url: str) -> Engine:
    # pre-ping: a pooled connection that died with the server is replaced, not used, so
    # requests succeed again as soon as the server is back.
    given = "connect_timeout" in make_url(url).query
    connect_args = {} if given else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        connect_args=connect_args,
        **JSON_CODEC,
    )


_WROTE = "tocsin_wrote"


def _note_write(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


def _note_write_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


class Database:
    """Owns the engines; hands out sessions already inside a transaction.

    An error that means the database cannot work now (see :mod:`tocsin.dbhealth`) leaves
    :meth:`transaction` and :meth:`reading` as ``DatabaseUnavailable`` (503), and ``health``
    logs it once per outage.
    """

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = make_url(self.url).get_backend_name() == "sqlite"
        self.health = Health()
        if self.is_sqlite:
            self._ensure_sqlite_folder()
            self.engine = _sqlite_engine(self.url, begin="BEGIN IMMEDIATE")
            self.read_engine = _sqlite_engine(self.url, begin="BEGIN")
        else:
            self.engine = _postgres_engine(self.url)
            self.read_engine = self.engine
        # SQLite has one writer at a time anyway: queueing writers of this process on a lock
        # is fairer and faster than SQLite's sleeping busy handler. PostgreSQL locks rows.
        self._write_gate: AbstractContextManager[object] = (
            threading.Lock() if self.is_sqlite else nullcontext()
        )
        self.hooks = Hooks()  # listeners of this database's changes (tocsin.assembly)
        self.wakeup = Wakeup()  # set when work for the worker commits
        self._writer = sessionmaker(
            self.engine, expire_on_commit=False, info={WAKEUP_KEY: self.wakeup}
        )
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)
        self.hooks.serve(self._writer)
        event.listen(self._writer, "after_flush", _note_write)
        event.listen(self._writer, "do_orm_execute", _note_write_statement)
        self._unit: ContextVar[Connection | None] = ContextVar(f"tocsin-unit-{id(self)}")

    def listen(self, name: str, listener: Any) -> None:
        """Run ``listener`` on the session event ``name`` (``after_flush``, ``before_commit``…)
        of this database's write sessions; ``tocsin.assembly`` wires them (the audit log).
        Listening twice with the same listener is listening once."""
        if not event.contains(self._writer, name, listener):
            event.listen(self._writer, name, listener)

    def _ensure_sqlite_folder(self) -> None:
        url = make_url(self.url)
        database = url.database
        if url.query.get("uri") == "true" and database:  # sqlite:///file:path?mode=ro&uri=true
            if "mode=memory" in self.url:
                return
            database = database.removeprefix("file:")
        if database and database != ":memory:":
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """One transaction for all that this thread does through this database in the block.

        Each :meth:`transaction` and :meth:`reading` inside it gets a session of its own on
        the block's connection, in a savepoint (a use case that fails rolls back its own part
        and raises as usual); the whole commits when the block ends and rolls back, every
        part of it, if the block raises. After-commit work of the parts may run when a part
        ends, before the whole commits: a caller that keeps caches tells them again after.
        """
        if self._unit.get(None) is not None:
            raise RuntimeError("a unit of work is under way in this thread already")
        epoch = self.health.epoch
        try:
            with self._write_gate, self.engine.connect() as connection, connection.begin():
                token = self._unit.set(connection)
                try:
                    yield
                finally:
                    self._unit.reset(token)
        except Exception as error:
            if (unavailable := self._unavailable(error, epoch)) is None:
                raise
            raise unavailable from error
        self.health.succeeded(epoch, wrote=True)

    @contextmanager
    def _part_of(self, unit: Connection) -> Iterator[Session]:
        """A session in a savepoint of the unit of work on ``unit``."""
        with (
            self._writer(bind=unit, join_transaction_mode="create_savepoint") as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on error."""
        if (unit := self._unit.get(None)) is not None:
            with self._part_of(unit) as session:
                yield session
            return
        epoch = self.health.epoch
        try:
            with self._write_gate, self._writer() as session, session.begin():
                yield session
        except Exception as error:
            if (unavailable := self._unavailable(error, epoch)) is None:
                raise
            raise unavailable from error
        # Only a committed change shows that a read-only or full database takes writes again.
        self.health.succeeded(epoch, wrote=session.info.get(_WROTE, False))

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only snapshot (inside a unit of work: what the unit has written so far)."""
        if (unit := self._unit.get(None)) is not None:
            with self._part_of(unit) as session:
                yield session
            return
        epoch = self.health.epoch
        try:
            with self._reader() as session, session.begin():
                yield session
        except Exception as error:
            if (unavailable := self._unavailable(error, epoch)) is None:
                raise
            raise unavailable from error
        self.health.succeeded(epoch, wrote=False)

    def _unavailable(self, error: BaseException, epoch: int) -> DatabaseUnavailable | None:
        """``DatabaseUnavailable`` if ``error`` is an outage (noted in ``health``), else None."""
        outage = classify(error)
        if outage is None:
            return None
        self.health.failed(outage, epoch)
        return DatabaseUnavailable(outage)

    def check(self) -> Outage | None:
        """Ask the database now: None when it answers and takes writes, else what is wrong.

        Nothing is written: on SQLite a rolled-back write shows that the file takes writes;
        PostgreSQL says itself whether it is read-only (a standby, or set so).
        """
        try:
            with self.reading() as session:
                read_only = session.scalar(
                    text("SELECT 'off'" if self.is_sqlite else "SHOW transaction_read_only")
                )
            if read_only == "on":
                return Outage(READ_ONLY, "the server is read-only")
            if self.is_sqlite:
                self._check_sqlite_writable()
        except DatabaseUnavailable as unavailable:
            return unavailable.outage
        return None

    def _check_sqlite_writable(self) -> None:
        with self._write_gate:
            raw = self.engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute("PRAGMA busy_timeout=0")  # another process writing: answer now
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    version = int(cursor.execute("PRAGMA user_version").fetchone()[0])
                    cursor.execute(f"PRAGMA user_version={version}")  # the write, rolled back
                except sqlite3.Error as error:
                    outage = classify(error)
                    if outage is None:
                        raise
                    if outage.kind != BUSY:  # busy: someone else is writing, so it takes writes
                        raise DatabaseUnavailable(outage) from error
                finally:
                    with suppress(sqlite3.Error):
                        cursor.execute("ROLLBACK")
                    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            finally:
                raw.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def insert_once(session: Session, model: type[Base], values: dict[str, Any], key: str) -> bool:
    """Insert a row unless one with the same unique ``key`` column exists; True if inserted.

    The idempotent write behind timers and outbox messages, on both databases.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=[key])
    return bool(getattr(session.execute(statement), "rowcount", 0))


def insert_many_once(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], key: str
) -> None:
    """:func:`insert_once` for many rows (the same keys each) in one executemany."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = cast(Table, model.__table__)  # Core: the ORM's bulk path costs more than the rows
    session.execute(insert(table).on_conflict_do_nothing(index_elements=[key]), list(rows))


def renew_leases(
    session: Session,
    model: type[Base],
    *,
    ids: list[int],
    worker: str,
    status: str,
    now: datetime,
    until: datetime,
) -> int:
    """Extend to ``until`` the leases ``worker`` still holds on rows ``ids``; how many it did.

    ``model`` is a table whose rows workers claim with a lease (timers, outbox messages): it
    has ``id``, ``status``, ``claimed_by`` and ``claimed_until``.

    Only a live lease is renewed (one that has run out may belong to another worker by now).
    Rows another transaction has locked this instant (a claim, a cancel, a recorded attempt)
    are skipped rather than waited for, so a renewal never deadlocks with them; the next
    renewal catches up with whatever is still held.
    """
    row = model.__table__.c
    held = list(
        session.scalars(
            select(row.id)
            .where(
                row.id.in_(ids),
                row.claimed_by == worker,
                row.status == status,
                row.claimed_until > now,
            )
            .with_for_update(skip_locked=True)
        )
    )
    if held:
        session.execute(update(model).where(row.id.in_(held)).values(claimed_until=until))
    return len(held)
