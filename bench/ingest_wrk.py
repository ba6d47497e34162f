"""Alert ingest under `wrk`: Tocsin against Debian's Prometheus Alertmanager, same streams.

`wrk` (Debian package, C with LuaJIT) is the load: it costs little CPU, which matters on two
cores. `bench/ingest.lua` makes every request, with keys from the wrk thread's number and a
counter (distinct) or from a fixed set of 200 (repeats). For each stream, at each connection
count, Alertmanager (in memory, its v2 API POST /api/v2/alerts) runs first, then Tocsin on the
same stream, each for ``--seconds``:

- PagerDuty Events v2 triggers with distinct ``dedup_key``s, one alert each (an incident each);
  Alertmanager gets the same alerts one per request;
- Alertmanager webhooks (POST /hooks/{key}) of 1 alert, distinct and repeats of 200;
- webhooks of 100 alerts, distinct (grouped by alertname) and repeats of 200.

Prints requests/s, alerts/s, p50/p99 latency, the ratio to Alertmanager, and Tocsin's and
Alertmanager's RSS at the end; checks that every accepted event is in the database (and for
PagerDuty that every accepted key opened its own incident). Asserts nothing.

    python bench/ingest_wrk.py [--backend sqlite|postgresql] [--seconds 10]
                               [--connections 16,96] [--workers 1] [--threads 2]
                               [--streams pd,hook1,repeat1,hook100,repeat100]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import distinct, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import (
    Server,
    cpu_seconds,
    fresh_database,
    postgres_backends,
    process_tree,
    rss_kib,
    serving,
)
from bench.ingest import ALERTMANAGER, running_alertmanager
from tocsin.alerts.tables import Alert
from tocsin.db import Database

WRK = "/usr/bin/wrk"
SCRIPT = Path(__file__).resolve().parent / "ingest.lua"


@dataclass(frozen=True)
class Stream:
    name: str
    key: str
    tocsin_format: str  # "pd" or "hook"
    per_request: int
    distinct: bool


STREAMS = {
    s.key: s
    for s in (
        Stream("PagerDuty, distinct keys (incident each)", "pd", "pd", 1, True),
        Stream("webhook, 1 distinct alert", "hook1", "hook", 1, True),
        Stream("webhook, 1 alert, repeats of 200", "repeat1", "hook", 1, False),
        Stream("webhook, 100 distinct alerts, grouped", "hook100", "hook", 100, True),
        Stream("webhook, 100 alerts, repeats of 200", "repeat100", "hook", 100, False),
    )
}


@dataclass(frozen=True)
class Result:
    ok_requests: int
    failed: int
    seconds: float
    p50_ms: float
    p99_ms: float
    per_request: int

    @property
    def requests_per_second(self) -> float:
        return self.ok_requests / self.seconds

    @property
    def alerts_per_second(self) -> float:
        return self.requests_per_second * self.per_request


def run_wrk(
    url: str, fmt: str, stream: Stream, tag: str, connections: int, args: argparse.Namespace,
    routing_key: str = "",
) -> Result:  # fmt: skip
    command = [
        WRK, f"-t{min(args.threads, connections)}", f"-c{connections}", f"-d{args.seconds}s",
        "--timeout", "10s", "-s", str(SCRIPT), url, "--",
        fmt, str(stream.per_request), "1" if stream.distinct else "0", tag, routing_key,
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    data = json.loads(line[4:])
    socket_errors = sum(data[k] for k in ("connect", "read", "write", "timeout"))
    failed = data["status_errors"] + socket_errors
    return Result(
        ok_requests=data["requests"] - data["status_errors"],
        failed=failed,
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        per_request=stream.per_request,
    )


def integration(server: Server, kind: str, name: str) -> tuple[int, str]:
    """A new integration; Alertmanager's group by alertname, PagerDuty's do not group."""
    body: dict[str, object] = {"kind": kind, "name": name, "service": "bench",
                               "rate_limit_per_minute": 10_000_000}  # fmt: skip
    if kind == "alertmanager":
        body["group_by"] = ["alertname"]
    created = (
        httpx.post(
            f"{server.url}/api/v1/integrations",
            headers={"Authorization": f"Bearer {server.token}"},
            json=body,
            timeout=30,
        )
        .raise_for_status()
        .json()
    )
    return int(created["id"]), str(created["key"])


def stored(database_url: str, integration_id: int) -> tuple[int, int, int]:
    """(events, alerts, distinct incidents) of one integration."""
    db = Database(database_url)
    try:
        with db.reading() as session:
            row = session.execute(
                select(
                    func.coalesce(func.sum(Alert.count), 0),
                    func.count(),
                    func.count(distinct(Alert.incident_id)),
                ).where(Alert.integration_id == integration_id)
            ).one()
            return int(row[0]), int(row[1]), int(row[2])
    finally:
        db.dispose()


def drain(server: Server, key: str, workers: int) -> float:
    """Wait until the requests still in flight when wrk stopped are answered (the writer is
    first in, first out: a probe answered after them); return how long that took.

    Their commits would otherwise slow the next stream, and the check of what is stored
    needs them. With several processes, probes on new connections reach most of them."""
    started = time.perf_counter()
    body = {"receiver": "tocsin", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "BenchProbe"}, "annotations": {},
         "startsAt": "2026-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
         "fingerprint": "probe"}]}  # fmt: skip

    def probe(_: int) -> None:
        while True:  # 503: two processes raced to open the probe's key; the retry dedups
            answer = httpx.post(f"{server.url}/hooks/{key}", json=body, timeout=600)
            if answer.status_code != 503:
                answer.raise_for_status()
                return

    with ThreadPoolExecutor(max_workers=4 * workers) as pool:
        list(pool.map(probe, range(4 * workers)))
    return time.perf_counter() - started


def alertmanager_pid(port: int) -> int | None:
    """The Alertmanager listening on ``port`` (its RSS is printed beside Tocsin's)."""
    found = subprocess.run(
        ["pgrep", "-f", f"web.listen-address=127.0.0.1:{port}"], capture_output=True, text=True
    ).stdout.split()
    return int(found[0]) if found else None


def ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def measure(
    server: Server,
    database_url: str,
    backend: str,
    am_port: int,
    levels: list[int],
    streams: list[Stream],
    args: argparse.Namespace,
) -> None:
    am_url = f"http://127.0.0.1:{am_port}/api/v2/alerts"
    print(f"\n{backend}")
    print(
        f"  {'stream':<42} {'conn':>4} {'am alerts/s':>12} {'tocsin req/s':>13} "
        f"{'alerts/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'am p99':>7} {'ratio':>6}"
    )
    _, probe = integration(server, "alertmanager", "probe")
    for connections in levels:
        for stream in streams:
            tag = f"{stream.key}{connections}{backend[0]}"
            kind = "pagerduty" if stream.tocsin_format == "pd" else "alertmanager"
            integration_id, key = integration(server, kind, tag)
            theirs = run_wrk(am_url, "am", stream, "A" + tag, connections, args)
            url = (
                f"{server.url}/v2/enqueue"
                if stream.tocsin_format == "pd"
                else f"{server.url}/hooks/{key}"
            )
            tocsin_pids = process_tree(server.pid)
            pg_pids = postgres_backends(database_url) if backend == "postgresql" else []
            cpu_before = cpu_seconds(tocsin_pids), cpu_seconds(pg_pids)
            ours = run_wrk(url, stream.tocsin_format, stream, tag, connections, args, key)
            if backend == "postgresql":  # backends opened meanwhile count from 0
                pg_pids = sorted({*pg_pids, *postgres_backends(database_url)})
            drained = drain(server, probe, args.workers)
            tocsin_cpu = cpu_seconds(tocsin_pids) - cpu_before[0]
            pg_cpu = cpu_seconds(pg_pids) - cpu_before[1]
            ratio = ours.alerts_per_second / theirs.alerts_per_second
            print(
                f"  {stream.name:<42} {connections:>4} "
                f"{theirs.alerts_per_second:>12,.0f} "
                f"{ours.requests_per_second:>13,.0f} {ours.alerts_per_second:>10,.0f} "
                f"{ms(ours.p50_ms):>7} {ms(ours.p99_ms):>7} {ms(theirs.p99_ms):>7} "
                f"{ratio:>6.2f}"
            )
            accepted = ours.ok_requests * stream.per_request
            events, alerts, incidents = stored(database_url, integration_id)
            notes = []
            if ours.ok_requests == 0:
                notes.append("no request answered within the run")
            if drained > 1:
                notes.append(f"the requests in flight took {drained:.0f} s more to answer")
            if ours.failed:
                notes.append(f"{ours.failed} requests failed or timed out")
            if events < accepted and args.workers > 1 and not stream.distinct:
                # Not lost: each process writes the repeat count it knows (docs/operations.md).
                notes.append(f"repeat counts sum to {events:,} of {accepted:,} accepted")
            elif events < accepted:
                notes.append(f"LOST: {events:,} stored of {accepted:,} accepted")
            if stream.tocsin_format == "pd" and incidents < alerts:
                notes.append(f"{alerts:,} keys opened only {incidents:,} incidents")
            notes.append(f"{alerts:,} alerts, {incidents:,} incidents")
            cpu = f"CPU: tocsin {tocsin_cpu:.1f} s"
            if pg_pids:
                cpu += f", PostgreSQL {pg_cpu:.1f} s"
            per_cpu = events / max(tocsin_cpu + pg_cpu, 0.01)  # in flight included
            notes.append(f"{cpu} ({per_cpu:,.0f} alerts per CPU-second)")
            print(f"    {'; '.join(notes)}")
    print(f"  RSS at the end: tocsin {rss_kib(server.pid) / 1024:,.0f} MiB", end="")
    am_pid = alertmanager_pid(am_port)
    if am_pid:
        print(f", alertmanager {rss_kib(am_pid) / 1024:,.0f} MiB", end="")
    print()


def restart(database_url: str, serve_args: list[str]) -> None:
    """Start Tocsin again on the database the streams filled, and time its first request."""
    db = Database(database_url)
    with db.reading() as session:
        open_alerts = session.scalar(select(func.count()).where(Alert.open.is_(True)))
    db.dispose()
    started = time.perf_counter()
    with serving(database_url, serve_args=serve_args) as server:
        ready = time.perf_counter() - started
        _, key = integration(server, "alertmanager", "restart")
        body = {"receiver": "tocsin", "status": "firing", "alerts": [
            {"status": "firing", "labels": {"alertname": "BenchRestart"}, "annotations": {},
             "startsAt": "2026-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
             "fingerprint": "restart-1"}]}  # fmt: skip
        sent = time.perf_counter()
        httpx.post(f"{server.url}/hooks/{key}", json=body, timeout=60).raise_for_status()
        first = time.perf_counter() - sent
    print(
        f"  restart with {open_alerts:,} open alerts: answering after {ready:.1f} s "
        f"(a new Python process, the caches read), first alert {first * 1000:,.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--seconds", type=int, default=10, help="each run")
    parser.add_argument("--connections", default="16,96")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="tocsin serve --workers")
    parser.add_argument("--streams", default=",".join(STREAMS))
    args = parser.parse_args()
    for tool, package in ((WRK, "wrk"), (ALERTMANAGER, "prometheus-alertmanager")):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install {package}")
    levels = [int(c) for c in args.connections.split(",")]
    streams = [STREAMS[k] for k in args.streams.split(",")]
    print(f"wrk -t{args.threads}, {args.seconds} s a run, {os.cpu_count()} CPUs; ", end="")
    print(f"load {os.getloadavg()[0]:.2f}; tocsin serve --workers {args.workers}")
    serve_args = ["--workers", str(args.workers)] if args.workers > 1 else []
    with running_alertmanager() as am_port:
        for backend in args.backend or ["sqlite", "postgresql"]:
            with fresh_database(backend) as database_url:
                with serving(database_url, serve_args=serve_args) as server:
                    measure(server, database_url, backend, am_port, levels, streams, args)
                restart(database_url, serve_args)


if __name__ == "__main__":
    main()
