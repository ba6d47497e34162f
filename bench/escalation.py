"""Paging benchmarks; prints figures, asserts nothing.

1. Timer lateness: 100,000 pending timers spread over the next day plus a stream of timers
   due in the next seconds; how late the worker fires the due ones (p50/p99).
2. Deliveries per second to a local SMTP sink and a local webhook sink, through a real
   `tocsin serve` (worker in-process) paging a person for each declared incident.
3. Latency from an alert received (PagerDuty Events v2 at /v2/enqueue) to its first page
   delivered, per channel, with the worker inside `tocsin serve`.

    python bench/escalation.py [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import free_port, fresh_database, running_tocsin
from bench.sinks import Arrivals, smtp_sink, webhook_sink
from tocsin import clock
from tocsin.assembly import assemble
from tocsin.config import Settings
from tocsin.db import Database
from tocsin.schema import migrate
from tocsin.timers import service as timers_service
from tocsin.timers.service import DueTimer
from tocsin.timers.tables import Timer
from tocsin.worker import loop

BACKLOG = 100_000
STREAM = 2_000
STREAM_SECONDS = 10.0


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def _finish(db: Database, timer: DueTimer) -> None:
    with db.transaction() as session:
        timers_service.finish_in(session, timer_id=timer.id, fired_at=clock.now())


def timer_lateness(backend: str) -> None:
    with fresh_database(backend) as url:
        db = Database(url)
        migrate(db)
        later = clock.now() + timedelta(hours=1)
        backlog = [
            _timer_row(f"backlog-{n}", later + timedelta(seconds=n * 0.86)) for n in range(BACKLOG)
        ]
        _insert(db, backlog)
        tocsin = assemble(Settings(database_url=url), db)
        handlers = {**tocsin.timer_handlers, "bench": partial(_finish, db)}
        worker = loop.Worker(replace(tocsin, timer_handlers=handlers), channels={})
        thread = threading.Thread(target=worker.run_forever, daemon=True)
        thread.start()
        start = clock.now() + timedelta(seconds=2)  # after the backlog is in and the worker up
        step = STREAM_SECONDS / STREAM
        _insert(
            db, [_timer_row(f"due-{n}", start + timedelta(seconds=n * step)) for n in range(STREAM)]
        )
        time.sleep(2 + STREAM_SECONDS + 3)
        worker.stop()
        thread.join(timeout=10)
        with db.reading() as session:
            fired = session.execute(
                select(Timer.due_at, Timer.fired_at).where(Timer.key.startswith("due-"))
            ).all()
        late = [(f - d).total_seconds() * 1000 for d, f in fired if f is not None]
        print(
            f"{backend:<10} timers: {BACKLOG:,} pending + {STREAM:,} due over"
            f" {STREAM_SECONDS:.0f} s;"
            f" fired {len(late):,}; lateness p50 {percentile(late, 50):.1f} ms"
            f" p99 {percentile(late, 99):.1f} ms max {max(late):.1f} ms"
        )
        db.dispose()


def _insert(db: Database, rows: list[dict[str, Any]]) -> None:
    with db.transaction() as session:
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(Timer), rows[chunk : chunk + 5000])


def _timer_row(key: str, due: Any) -> dict[str, Any]:
    return {
        "key": key,
        "kind": "bench",
        "due_at": due,
        "fence": 0,
        "payload": {},
        "status": "pending",
        "group": "bench",
        "attempts": 0,
        "created_at": clock.now(),
    }


def setup_pager(client: httpx.Client, contacts: dict[str, str]) -> str:
    person = client.post("/api/v1/people", json={"name": "Bench", "handle": f"b{time.time_ns()}"})
    pid = person.raise_for_status().json()["id"]
    for kind, address in contacts.items():
        body = {"kind": kind, "address": address}
        client.post(f"/api/v1/people/{pid}/contact-methods", json=body).raise_for_status()
    level = {"timeout_minutes": 60, "targets": [{"type": "person", "id": pid}]}
    policy = client.post("/api/v1/escalation-policies", json={"name": f"p{pid}", "levels": [level]})
    name = f"bench-{pid}"
    body = {"name": name, "escalation_policy_id": policy.raise_for_status().json()["id"]}
    client.post("/api/v1/services", json=body).raise_for_status()
    return name


def open_incident(client: httpx.Client, service: str, n: int) -> None:
    body = {"title": f"bench {n}", "severity": "SEV2", "services": [service]}
    client.post("/api/v1/incidents", json=body).raise_for_status()


def wait_count(arrivals: Arrivals, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while arrivals.count < count and time.monotonic() < deadline:
        time.sleep(0.01)


def _env(smtp_port: int, run_worker: str) -> dict[str, str]:
    return {
        "TOCSIN_RUN_WORKER": run_worker,
        "TOCSIN_SMTP_PORT": str(smtp_port),
        "TOCSIN_OUTBOUND_ALLOW": '["127.0.0.0/8"]',
    }


def delivery_rate(backend: str, incidents: int) -> None:
    """Queue pages with no worker running, then time one `tocsin worker` draining them."""
    smtp_port = free_port()
    env = _env(smtp_port, "no")
    with (
        smtp_sink(smtp_port) as mails,
        webhook_sink() as (hook_url, hooks),
        running_tocsin(backend, extra_env=env) as server,
    ):
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            service = setup_pager(client, {"email": "bench@example.test", "webhook": hook_url})
            for n in range(incidents):
                open_incident(client, service, n)
        worker_env = {**os.environ, **env, "TOCSIN_DATABASE_URL": server.database_url}
        started = time.perf_counter()
        worker = subprocess.Popen(
            [sys.executable, "-m", "tocsin", "worker"],
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_count(mails, incidents)
            wait_count(hooks, incidents)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
        elapsed = time.perf_counter() - started
        rate = (mails.count + hooks.count) / elapsed
        print(
            f"{backend:<10} deliveries: {mails.count} mails + {hooks.count} webhooks queued by"
            f" {incidents} escalations, drained by one worker in {elapsed:.1f} s"
            f" = {rate:.0f} deliveries/s (incl. worker start-up)"
        )


def first_page_latency(backend: str, samples: int) -> None:
    """Alert received (PagerDuty Events v2) → first page delivered, worker inside `serve`."""
    smtp_port = free_port()
    with (
        smtp_sink(smtp_port) as mails,
        webhook_sink() as (hook_url, hooks),
        running_tocsin(backend, extra_env=_env(smtp_port, "yes")) as server,
    ):
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            for kind, address, arrivals in (
                ("webhook", hook_url, hooks),
                ("email", "lat@example.test", mails),
            ):
                service = setup_pager(client, {kind: address})
                body = {"kind": "pagerduty", "name": f"pd-{service}", "service": service}
                created = client.post("/api/v1/integrations", json=body).raise_for_status()
                routing_key = created.json()["key"]
                latencies = []
                for n in range(samples):
                    before = arrivals.count
                    event = {
                        "routing_key": routing_key,
                        "event_action": "trigger",
                        "dedup_key": f"{service}-{n}",
                        "payload": {
                            "summary": f"{service} is down ({n})",
                            "source": "bench",
                            "severity": "critical",
                        },
                    }
                    sent = time.perf_counter()
                    client.post("/v2/enqueue", json=event).raise_for_status()
                    wait_count(arrivals, before + 1, timeout=10)
                    latencies.append((time.perf_counter() - sent) * 1000)
                print(
                    f"{backend:<10} alert received (/v2/enqueue) → first {kind} delivered: "
                    f"p50 {percentile(latencies, 50):.1f} ms p99 {percentile(latencies, 99):.1f} ms"
                    f" ({samples} samples)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    for backend in args.backend or ["sqlite", "postgresql"]:
        timer_lateness(backend)
        delivery_rate(backend, args.incidents)
        first_page_latency(backend, args.samples)


if __name__ == "__main__":
    main()
