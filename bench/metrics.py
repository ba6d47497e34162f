"""How long each dashboard query takes over 1,000,000 incidents.

Loads, into a fresh database of each backend, 1,000,000 incidents spread over two years with
their timestamps (impact start, detection, acknowledgement, mitigation, resolution, public
acknowledgement deadline and first publication), one or two affected services each (20
services in 5 teams) and 300,000 internal updates — by COPY on PostgreSQL and by
executemany on SQLite — then times the metrics report the dashboard shows (``/metrics``)
for each grouping over the last 90 days (the dashboard's default) and over a whole year, and
each of the report's queries alone. Prints the figures; asserts nothing. Target: every
dashboard query under 1 s on PostgreSQL.

    python bench/metrics.py [--incidents 1000000] [--backend sqlite|postgresql|both] [--keep]
                            [--repeat 5] [--url URL]

Each figure is the median of ``--repeat`` runs (the machine may be shared). ``--keep`` keeps
the loaded database and prints its URL; ``--url URL`` times that database again without
loading (migrating it first: a database kept by an older bench gets the new migrations).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import fresh_database
from tocsin import clock
from tocsin.config import Settings
from tocsin.core.metrics import Measure
from tocsin.db import Database
from tocsin.metrics import facts, queries
from tocsin.metrics import service as metrics
from tocsin.oncall.escalation.tables import Service
from tocsin.oncall.teams.tables import Team
from tocsin.schema import migrate

NOW = datetime(2026, 12, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
SEVERITIES = (("SEV1", 0.03), ("SEV2", 0.12), ("SEV3", 0.35), ("SEV4", 0.5))
SERVICES = [f"service-{n:02d}" for n in range(20)]
INCIDENT_COLUMNS = (
    "id", "title", "summary", "status", "severity", "detection_source", "learning",
    "created_by", "created_at", "updated_at", "impact_started_at", "detected_at",
    "acknowledged_at", "mitigated_at", "resolved_at", "closed_at", "public_ack_due_at",
    "first_public_at", "version",
)  # fmt: skip
UPDATE_COLUMNS = (
    "incident_id", "posted_at", "author", "status", "impact", "actions", "next_update_due_at",
)  # fmt: skip


def _minutes(rng: random.Random, mean: float) -> timedelta:
    return timedelta(minutes=rng.expovariate(1 / mean))


def incident_rows(count: int, seed: int = 7) -> Iterator[tuple[tuple[Any, ...], list[str]]]:
    """Each incident's row and its services; about 2 % still open."""
    rng = random.Random(seed)
    names = [s for s, _ in SEVERITIES]
    weights = [w for _, w in SEVERITIES]
    start = NOW - SPAN
    for n in range(1, count + 1):
        detected = start + SPAN * (n / count) - timedelta(seconds=rng.random() * 60)
        impact = detected - _minutes(rng, 8) if rng.random() < 0.7 else detected
        severity = rng.choices(names, weights)[0]
        created = detected + timedelta(seconds=rng.random() * 30)
        still_open = rng.random() < 0.02
        acked = created + _minutes(rng, 4)
        mitigated = acked + _minutes(rng, 30)
        resolved = mitigated + _minutes(rng, 40)
        public = severity in ("SEV1", "SEV2")
        due = created + timedelta(minutes=15 if severity == "SEV1" else 30) if public else None
        first_public = created + _minutes(rng, 20) if public and rng.random() < 0.9 else None
        row = (
            n, f"Incident {n}", "", "investigating" if still_open else "resolved", severity,
            "alert", "not_required", "bench", created, resolved, impact, detected, acked,
            None if still_open else mitigated, None if still_open else resolved, None,
            due, first_public, 1,
        )  # fmt: skip
        services = [rng.choice(SERVICES)]
        if rng.random() < 0.1:
            services.append(rng.choice([s for s in SERVICES if s != services[0]]))
        yield row, services


def update_rows(count: int, every: int = 10, seed: int = 11) -> Iterator[tuple[Any, ...]]:
    """Three updates on every ``every``-th incident (300,000 for a million)."""
    rng = random.Random(seed)
    start = NOW - SPAN
    for n in range(every, count + 1, every):
        posted = start + SPAN * (n / count) + timedelta(minutes=5)
        for _ in range(3):
            due = posted + timedelta(minutes=30)
            yield (n, posted, "bench", "status", "impact", "actions", due)
            posted += timedelta(minutes=rng.choice((20, 25, 35)))


def _copy_text(rows: Iterator[tuple[Any, ...]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    for n, row in enumerate(rows):
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
        if n % 50_000 == 49_999:
            yield buffer.getvalue().encode()
            buffer = io.StringIO()
    yield buffer.getvalue().encode()


def _sqlite_time(value: Any) -> Any:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value


def bulk_insert(db: Database, table: str, columns: tuple[str, ...], rows: Any) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.is_sqlite:
            cursor.execute("BEGIN")  # one transaction, not one per row
            marks = ", ".join("?" for _ in columns)
            statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(tuple(_sqlite_time(v) for v in row))
                if len(batch) == 50_000:
                    cursor.executemany(statement, batch)
                    batch = []
            cursor.executemany(statement, batch)
        else:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for chunk in _copy_text(rows):
                    copy.write(chunk)
        raw.commit()
    finally:
        raw.close()


def load(db: Database, count: int) -> None:
    with db.transaction() as session:
        teams = [
            session.execute(
                insert(Team).values(name=f"team-{t}", description="", created_at=NOW)
            ).inserted_primary_key[0]
            for t in range(5)
        ]
        for n, name in enumerate(SERVICES):
            values = {"name": name, "description": "", "team_id": teams[n % 5]}
            session.execute(insert(Service).values(created_at=NOW, updated_at=NOW, **values))
    services: list[tuple[int, str]] = []

    def incidents() -> Iterator[tuple[Any, ...]]:
        for row, names in incident_rows(count):
            services.extend((row[0], s) for s in names)
            yield row

    bulk_insert(db, "incidents", INCIDENT_COLUMNS, incidents())
    bulk_insert(db, "incident_services", ("incident_id", "service"), iter(services))
    bulk_insert(db, "incident_updates", UPDATE_COLUMNS, update_rows(count))
    with db.transaction() as session:  # bulk rows bypass the write path that keeps the facts
        facts.refresh_all(session)
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def timed(what: Callable[[], Any], repeat: int = 1) -> float:
    """The median of ``repeat`` runs, in seconds."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        what()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def parts(db: Database, window: queries.Window, settings: Settings) -> dict[str, Callable[[], Any]]:
    """Each query of one report, alone."""
    sqlite = db.is_sqlite

    def run(step: Callable[[Any, Any], Any], updates: bool = True) -> Callable[[], Any]:
        def go() -> Any:
            with db.reading() as session:
                if not sqlite:  # as service.report does
                    session.execute(text("SET LOCAL work_mem = '128MB'"))
                    session.execute(text("SET LOCAL jit = off"))
                return step(session, queries.base(window, sqlite=sqlite, updates=updates))

        return go

    label = "one pass" if sqlite else "one pass (with p50/p90, total)"
    found: dict[str, Callable[[], Any]] = {
        label: run(
            lambda s, c: queries.durations(
                s,
                c,
                window,
                sqlite=sqlite,
                now=NOW,
                policies=settings.policies,
                with_total=not sqlite,
            )
        ),
    }
    if sqlite:
        found["percentiles (window functions)"] = run(
            lambda s, c: [queries.percentiles_by_rank(s, c, m) for m in Measure], updates=False
        )
    return found


def apart(db: Database, window: queries.Window, settings: Settings) -> dict[str, Callable[[], Any]]:
    """PostgreSQL by service or team: the groups' pass and the whole window's, which the
    report runs at the same time on two connections."""
    whole = queries.Window(window.since, window.until, "none", window.period)

    def run(which: queries.Window) -> Callable[[], Any]:
        def go() -> Any:
            with db.reading() as session:
                session.execute(text("SET LOCAL work_mem = '128MB'"))
                session.execute(text("SET LOCAL jit = off"))
                cte = queries.base(which, sqlite=False, firsts=False)
                return queries.durations(
                    session, cte, which, sqlite=False, now=NOW, policies=settings.policies
                )

        return go

    return {"groups' pass (no total)": run(window), "whole window (ungrouped)": run(whole)}


def bench(backend: str, count: int, *, keep: bool = False, repeat: int = 5) -> None:
    with fresh_database(backend, keep=keep) as url:
        db = Database(url)
        migrate(db)
        started = time.perf_counter()
        load(db, count)
        print(f"\n{backend}: loaded {count:,} incidents in {time.perf_counter() - started:.1f} s")
        if keep:
            print(f"  kept: {url}")
        db.dispose()
        measure(url, repeat=repeat)


def measure(url: str, *, repeat: int) -> None:
    """Time the dashboard's reports and the report's queries on a loaded database."""
    db = Database(url)
    migrate(db)
    backend = "sqlite" if db.is_sqlite else "postgresql"
    print(f"\n{backend}: median of {repeat} runs")
    settings = Settings(database_url=url)
    clock.set_clock(lambda: NOW)
    for label, days in (("last 90 days", 90), ("last 365 days", 365)):
        print(f"  dashboard report, {label}:")
        for group_by, period in (
            ("none", "month"), ("severity", "month"), ("service", "month"),
            ("team", "month"), ("period", "week"), ("period", "month"),
            ("period", "quarter"),
        ):  # fmt: skip
            window = metrics.window_of(NOW - timedelta(days=days), NOW, group_by, period)
            seconds = timed(
                lambda w=window: metrics.report(db, window=w, policies=settings.policies),
                repeat,
            )
            name = f"group_by={group_by}" + (f" period={period}" if group_by == "period" else "")
            print(f"    {name:<34} {seconds * 1000:8.0f} ms")
    window = metrics.window_of(NOW - timedelta(days=365), NOW, "severity", "month")
    print("  each query alone (365 days, by severity):")
    for name, step in parts(db, window, settings).items():
        print(f"    {name:<34} {timed(step, repeat) * 1000:8.0f} ms")
    if not db.is_sqlite:
        window = metrics.window_of(NOW - timedelta(days=365), NOW, "service", "month")
        print("  the two passes of a report by service (365 days), each alone:")
        for name, step in apart(db, window, settings).items():
            print(f"    {name:<34} {timed(step, repeat) * 1000:8.0f} ms")
    clock.set_clock(None)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database (for EXPLAIN); prints its URL"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (the median)")
    parser.add_argument("--url", help="a database loaded before (with --keep): time it only")
    args = parser.parse_args()
    if args.url:
        measure(args.url, repeat=args.repeat)
        return
    for backend in ("postgresql", "sqlite") if args.backend == "both" else (args.backend,):
        bench(backend, args.incidents, keep=args.keep, repeat=args.repeat)


if __name__ == "__main__":
    main()
