"""Alert ingest: Tocsin (accepted and committed) against Debian's Prometheus Alertmanager.

Starts Alertmanager (in memory, routing to a receiver that sends nothing) and `tocsin serve`
on loopback, then sends both the same alert streams from several client processes over
keep-alive connections: distinct alerts and repeats of 200 alerts, 1 and 100 alerts per
request. Alertmanager gets its own API (POST /api/v2/alerts), Tocsin the webhook Alertmanager
would send it (POST /hooks/{key}). Tocsin answers each request only after the commit that holds
its alerts; at the end the bench checks that every event is in the database. Prints alerts/s
for each and the ratio; asserts nothing.

    python bench/ingest.py [--backend sqlite|postgresql] [--processes 3] [--connections 32]
                           [--single 20000] [--batched 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import httpx
import msgspec
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import free_port, running_tocsin
from tocsin.alerts.tables import Alert
from tocsin.db import Database

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
BLACKHOLE = "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n"
REPEATED_KEYS = 200
STARTED = "2026-01-01T00:00:00Z"


@dataclass(frozen=True)
class Scenario:
    name: str
    distinct: bool
    per_request: int
    total: int


@dataclass(frozen=True)
class Target:
    kind: str  # "alertmanager" or "tocsin"
    port: int
    path: str


def labels(scenario: str, n: int) -> dict[str, str]:
    return {"alertname": f"Bench{scenario}", "instance": f"host-{n}", "severity": "warning"}


def am_alert(scenario: str, n: int) -> dict[str, object]:
    return {"labels": labels(scenario, n), "annotations": {"summary": f"load on host-{n}"}}


def hook_alert(scenario: str, n: int) -> dict[str, object]:
    return {
        "status": "firing",
        "labels": labels(scenario, n),
        "annotations": {"summary": f"load on host-{n}"},
        "startsAt": STARTED,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "",
        "fingerprint": hashlib.blake2b(f"{scenario}:{n}".encode(), digest_size=8).hexdigest(),
    }


def request_bytes(target: Target, scenario: Scenario, tag: str, first: int) -> bytes:
    numbers = [first + i for i in range(scenario.per_request)]
    if not scenario.distinct:
        numbers = [n % REPEATED_KEYS for n in numbers]
    if target.kind == "alertmanager":
        body = msgspec.json.encode([am_alert(tag, n) for n in numbers])
    else:
        alerts = [hook_alert(tag, n) for n in numbers]
        body = msgspec.json.encode({"receiver": "tocsin", "status": "firing", "alerts": alerts,
                                    "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                                    "externalURL": "", "version": "4", "groupKey": "{}:{}",
                                    "truncatedAlerts": 0})  # fmt: skip
    head = (
        f"POST {target.path} HTTP/1.1\r\nHost: 127.0.0.1:{target.port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _connection(port: int, requests: list[bytes]) -> tuple[int, int]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    ok = failed = 0
    for request in requests:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await reader.readexactly(length)
        if 200 <= status < 300:
            ok += 1
        else:
            failed += 1
    writer.close()
    return ok, failed


def _client(
    target: Target,
    scenario: Scenario,
    tag: str,
    firsts: list[int],
    connections: int,
    barrier: Barrier,
    results: Queue[tuple[int, int, float]],
) -> None:
    """One client process: build its requests, wait for the others, send, report."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    requests = [request_bytes(target, scenario, tag, first) for first in firsts]
    lanes = [requests[i::connections] for i in range(connections)]

    async def run() -> list[tuple[int, int]]:
        return await asyncio.gather(*(_connection(target.port, lane) for lane in lanes if lane))

    barrier.wait()
    done = asyncio.run(run())
    results.put((sum(r[0] for r in done), sum(r[1] for r in done), time.perf_counter()))


def drive(target: Target, scenario: Scenario, tag: str, processes: int, connections: int) -> float:
    """Send the scenario; return accepted alerts per second."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes + 1)
    results: Queue[tuple[int, int, float]] = context.Queue()
    firsts = list(range(0, scenario.total, scenario.per_request))
    workers = [
        context.Process(
            target=_client,
            args=(target, scenario, tag, firsts[i::processes], connections, barrier, results),
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    reports = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    ok = sum(r[0] for r in reports)
    failed = sum(r[1] for r in reports)
    elapsed = max(r[2] for r in reports) - started
    if failed:
        print(f"    {target.kind}: {failed} requests failed", file=sys.stderr)
    return ok * scenario.per_request / elapsed


@contextmanager
def running_alertmanager() -> Iterator[int]:
    folder = Path(tempfile.mkdtemp(prefix="am-bench-"))
    (folder / "am.yml").write_text(BLACKHOLE)
    port = free_port()
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={folder / 'am.yml'}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=error",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/-/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("alertmanager did not start")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


SCENARIOS = {
    "distinct": lambda n: Scenario("distinct alerts, 1/request", True, 1, n),
    "repeats": lambda n: Scenario("repeats of 200 alerts, 1/request", False, 1, n),
    "distinct100": lambda n: Scenario("distinct alerts, 100/request", True, 100, n),
    "repeats100": lambda n: Scenario("repeats of 200 alerts, 100/request", False, 100, n),
}


def stored_events(database_url: str, name_prefix: str) -> int:
    db = Database(database_url)
    try:
        with db.reading() as session:
            query = select(func.coalesce(func.sum(Alert.count), 0)).where(
                Alert.name.like(f"Bench{name_prefix}%")
            )
            return int(session.scalar(query) or 0)
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32, help="per process")
    parser.add_argument("--single", type=int, default=20_000, help="alerts, 1 per request")
    parser.add_argument("--batched", type=int, default=200_000, help="alerts, 100 per request")
    args = parser.parse_args()
    if not os.path.exists(ALERTMANAGER):
        sys.exit(f"{ALERTMANAGER} is missing: apt-get install prometheus-alertmanager")
    scenarios = [
        SCENARIOS["distinct"](args.single),
        SCENARIOS["repeats"](args.single),
        SCENARIOS["distinct100"](args.batched),
        SCENARIOS["repeats100"](args.batched),
    ]
    shape = (args.processes, args.connections)
    print(
        f"{args.processes} client processes × {args.connections} connections, {os.cpu_count()} CPUs"
    )
    with running_alertmanager() as port:
        target = Target("alertmanager", port, "/api/v2/alerts")
        reference = {s.name: drive(target, s, f"A{i}", *shape) for i, s in enumerate(scenarios)}
    for backend in args.backend or ["sqlite", "postgresql"]:
        with running_tocsin(backend) as server:
            created = httpx.post(
                f"{server.url}/api/v1/integrations",
                headers={"Authorization": f"Bearer {server.token}"},
                json={"kind": "alertmanager", "name": "bench", "service": "bench",
                      "group_by": ["alertname"], "rate_limit_per_minute": 10_000_000},
            ).raise_for_status().json()  # fmt: skip
            port = int(server.url.rsplit(":", 1)[1])
            target = Target("tocsin", port, f"/hooks/{created['key']}")
            print(f"\n{backend}")
            print(f"  {'stream':<36} {'alertmanager':>14} {'tocsin':>14} {'ratio':>7}")
            for i, scenario in enumerate(scenarios):
                rate = drive(target, scenario, f"T{i}", *shape)
                theirs = reference[scenario.name]
                print(
                    f"  {scenario.name:<36} {theirs:>12,.0f}/s {rate:>12,.0f}/s "
                    f"{rate / theirs:>7.2f}"
                )
            sent = sum(s.total for s in scenarios)
            stored = stored_events(server.database_url, "T")
            print(f"  durable: {stored:,} of {sent:,} events are in the database")


if __name__ == "__main__":
    main()
