"""How fast full-text search answers across 100,000 postmortems.

A fresh database (SQLite or PostgreSQL, ``bench.harness.fresh_database``), migrated, gets
100,000 incidents and their postmortems in bulk, each indexed with realistic text (a
summary, a 5 Whys chain, contributing factors, lessons and action-item titles drawn from
an incident vocabulary of 30 services, 48 components and their failure modes, each about
one component and mentioning two more: about 150 words each), through the same
``write_in`` the write path uses. Then 20 searches run through
``tocsin.postmortems.search.search`` (the API's function: ranking, snippets and each hit's
incident, 20 hits), and the script prints each one's time, the p50 and the max; then two
broad queries (words every postmortem has: all 100,000 are ranked) on their own.
Target: < 200 ms on PostgreSQL.

    python bench/search.py [--postmortems 100000] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import fresh_database
from tocsin import clock
from tocsin.core.visibility import EVERYONE
from tocsin.db import Database
from tocsin.dbbulk import insert_rows
from tocsin.incidents.tables import Incident
from tocsin.postmortems import index
from tocsin.postmortems import search as postmortem_search
from tocsin.postmortems.tables import Postmortem
from tocsin.schema import migrate

SERVICES = [
    "checkout",
    "payments",
    "billing",
    "search",
    "login",
    "ledger",
    "inventory",
    "shipping",
    "api",
    "gateway",
    "notifications",
    "reporting",
    "catalog",
    "pricing",
    "recommendations",
    "accounts",
    "onboarding",
    "invoicing",
    "fraud",
    "identity",
    "media",
    "uploads",
    "exports",
    "webhooks",
    "scheduler",
    "analytics",
    "support",
    "mobile",
    "partner-api",
    "admin",
]
PARTS = [
    "database connection pool",
    "primary replica",
    "DNS resolver",
    "TLS certificate",
    "load balancer",
    "message queue",
    "cache cluster",
    "feature flag",
    "deploy pipeline",
    "config service",
    "disk volume",
    "rate limiter",
    "retry policy",
    "background job",
    "kubernetes node",
    "object storage",
    "service mesh",
    "ingress controller",
    "CDN edge",
    "search index",
    "session store",
    "secrets vault",
    "cron scheduler",
    "payment provider",
    "email relay",
    "SMS gateway",
    "schema migration",
    "read replica",
    "write-ahead log",
    "autoscaler",
    "container registry",
    "network ACL",
    "VPN tunnel",
    "NTP clock",
    "thread pool",
    "garbage collector",
    "JSON parser",
    "circuit breaker",
    "health check",
    "log shipper",
    "metrics pipeline",
    "Kafka consumer",
    "Redis sentinel",
    "Postgres vacuum",
    "S3 bucket policy",
    "OAuth token issuer",
    "webhook dispatcher",
    "image resizer",
]
FAILURES = [
    "was exhausted",
    "expired",
    "timed out",
    "ran out of memory",
    "lost quorum",
    "filled up",
    "returned errors",
    "was misconfigured",
    "fell behind",
    "crashed in a loop",
    "dropped connections",
    "deadlocked",
    "leaked file descriptors",
    "was throttled",
    "served stale data",
    "rejected requests",
]
SYMPTOMS = [
    "errors",
    "outage",
    "latency",
    "degraded",
    "timeouts",
    "slow pages",
    "failed logins",
    "duplicate charges",
    "missing emails",
    "stale results",
    "5xx spike",
    "queue backlog",
]
FILLER = (
    "the on-call engineer saw alerts and paged the team; customers reported problems while"
    " we rolled back the change and watched the dashboards recover; the status page was"
    " updated every thirty minutes and support answered tickets"
)
QUERIES = [
    "connection pool exhausted",
    "certificate expired",
    '"load balancer"',
    "dns -timeout",
    "payments or billing",
    "checkout latency",
    "kubernetes node crashed",
    "cache cluster quorum",
    "feature flag misconfigured",
    "disk volume filled",
    "duplicate charges",
    "retry policy backoff",
    "message queue fell behind",
    "ledger replica",
    "rate limiter dropped connections",
    "object storage errors",
    "deploy pipeline config",
    "tls",
    "inventory -shipping",
    "zebra",
]
BROAD = ["customers", "dashboards recover"]  # words of every postmortem: the worst case


def text_for(rng: random.Random, service: str) -> tuple[str, str]:
    """A postmortem about one component (and two others), like a real one."""
    part, other, third = rng.sample(PARTS, 3)
    failure = rng.choice(FAILURES)
    title = f"{service.title()} {rng.choice(SYMPTOMS)}"
    whys = (
        f"Why did {service} fail? Because the {part} {failure}."
        f" Why did the {part} fail? Because the {other} {rng.choice(FAILURES)}."
        f" Why was it not caught? Because the {part} had no alert on saturation."
    )
    body = "\n".join(
        [
            f"{service} had {rng.choice(SYMPTOMS)} for {rng.randint(5, 240)} minutes because"
            f" the {part} {failure}. {FILLER}.",
            whys,
            f"Contributing: the {third} {rng.choice(FAILURES)} during the incident.",
            f"Went well: paging reached the {service} team fast. Lessons: test the {part}"
            f" failover; {FILLER}.",
            f"Add alerting on the {part}",
            f"Document the {other} runbook",
        ]
    )
    return title, body


def load(db: Database, count: int, batch: int = 5_000) -> None:
    rng = random.Random(11)
    start = clock.now() - timedelta(days=3 * 365)
    for first in range(1, count + 1, batch):
        ids = range(first, min(first + batch, count + 1))
        incidents: list[dict[str, Any]] = []
        postmortems: list[dict[str, Any]] = []
        texts: list[tuple[int, str, str]] = []
        for i in ids:
            at = start + timedelta(minutes=15 * i)
            title, body = text_for(rng, rng.choice(SERVICES))
            incidents.append(_incident(i, title, at))
            postmortems.append(_postmortem(i, at))
            texts.append((i, title, body))
        with db.transaction() as session:
            insert_rows(session, Incident.__table__, incidents)  # type: ignore[arg-type]
            insert_rows(session, Postmortem.__table__, postmortems)  # type: ignore[arg-type]
            index.write_in(session, texts)


def _incident(i: int, title: str, at: Any) -> dict[str, Any]:
    return {
        "id": i,
        "title": title,
        "summary": "",
        "status": "closed",
        "severity": "SEV2",
        "detection_source": "person",
        "learning": "done",
        "created_by": "bench",
        "created_at": at,
        "updated_at": at,
        "impact_started_at": at,
        "detected_at": at,
        "resolved_at": at + timedelta(hours=1),
        "closed_at": at + timedelta(hours=2),
        "version": 1,
    }


def _postmortem(i: int, at: Any) -> dict[str, Any]:
    return {
        "id": i,
        "incident_id": i,
        "status": "published",
        "owner_name": "bench",
        "draft_due_at": at + timedelta(hours=49),
        "review_due_at": at + timedelta(days=7),
        "time_zone": "UTC",
        "opened_by": "bench",
        "created_at": at,
        "updated_at": at,
        "published_at": at + timedelta(days=3),
        "version": 1,
    }


def run(backend: str, count: int) -> float:
    with fresh_database(backend) as url:
        db = Database(url)
        migrate(db)
        started = time.perf_counter()
        load(db, count)
        if backend == "postgresql":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE postmortem_search")
        print(f"{backend}: {count:,} postmortems written in {time.perf_counter() - started:.1f} s")
        postmortem_search.search(db, q="warm up", limit=20, reader=EVERYONE)
        times = [_timed(db, q) for q in QUERIES]
        print("  broad queries (a word of every postmortem), not in the figures above:")
        broad = [_timed(db, q) for q in BROAD]
        db.dispose()
    p50, worst = statistics.median(times), max(times)
    print(f"{backend}: search p50 {p50:.1f} ms, max {worst:.1f} ms ({len(times)} queries);")
    print(f"{backend}: broad queries max {max(broad):.1f} ms")
    return worst


def _timed(db: Database, q: str) -> float:
    before = time.perf_counter()
    hits = postmortem_search.search(db, q=q, limit=20, reader=EVERYONE)
    took = (time.perf_counter() - before) * 1000
    print(f"  {q!r:38} {len(hits):3} hits  {took:7.1f} ms")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postmortems", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args.postmortems)


if __name__ == "__main__":
    main()
