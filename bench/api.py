"""How many incidents per second go through declare → update → resolve over the API.

Runs a real `tocsin serve` on SQLite and on PostgreSQL and drives it with concurrent
clients; each incident costs three write requests. Prints the figures; asserts nothing.

    python bench/api.py [--incidents 600] [--concurrency 16] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import running_tocsin

UPDATE = {"status": "Rolling back", "impact": "Some checkouts fail", "actions": "Rollback"}


async def one_incident(client: httpx.AsyncClient, n: int) -> float:
    started = time.perf_counter()
    declared = await client.post(
        "/api/v1/incidents", json={"title": f"bench {n}", "severity": "SEV3", "services": ["b"]}
    )
    iid = declared.raise_for_status().json()["id"]
    (await client.post(f"/api/v1/incidents/{iid}/updates", json=UPDATE)).raise_for_status()
    resolved = await client.post(f"/api/v1/incidents/{iid}/status", json={"status": "resolved"})
    resolved.raise_for_status()
    return time.perf_counter() - started


async def drive(
    url: str, token: str, incidents: int, concurrency: int
) -> tuple[float, list[float]]:
    limits = httpx.Limits(max_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=60
    ) as client:
        await one_incident(client, -1)  # warm up
        queue = iter(range(incidents))
        latencies: list[float] = []

        async def worker() -> None:
            for n in queue:
                latencies.append(await one_incident(client, n))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    for backend in args.backend or ["sqlite", "postgresql"]:
        with running_tocsin(backend) as server:
            elapsed, latencies = asyncio.run(
                drive(server.url, server.token, args.incidents, args.concurrency)
            )
        rate = args.incidents / elapsed
        p50 = statistics.median(latencies) * 1000
        p99 = statistics.quantiles(latencies, n=100)[98] * 1000
        print(
            f"{backend:<10} {rate:8.1f} incidents/s declared+updated+resolved "
            f"({3 * rate:7.1f} writes/s), per incident p50 {p50:.1f} ms p99 {p99:.1f} ms, "
            f"{args.incidents} incidents, {args.concurrency} clients"
        )


if __name__ == "__main__":
    main()
