"""How fast the public status JSON answers: wrk against /api/v2/summary.json.

Runs a real `tocsin serve` (one Uvicorn process, as `tocsin serve` starts it), puts a page on
it (3 groups of 4 components, 2 public incidents with 3 updates each), then drives it with
wrk (Debian package `wrk`): full 200 answers, and 304s for a client that sends the ETag.
Prints the figures; asserts nothing.

    python bench/statuspage.py [--seconds 10] [--connections 64] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import running_tocsin

BASE = "/api/v1/statuspage"


def fill(client: httpx.Client) -> None:
    for g in range(3):
        group = client.post(f"{BASE}/groups", json={"name": f"Group {g}"}).raise_for_status()
        for c in range(4):
            body = {
                "name": f"Component {g}.{c}",
                "group_id": group.json()["id"],
                "services": [f"svc-{g}-{c}"],
                "description": "Something users know.",
            }
            client.post(f"{BASE}/components", json=body).raise_for_status()
    for n in range(2):
        body = {"name": f"Incident {n}", "impact": "minor", "body": "We are looking into it."}
        shown = client.post(f"{BASE}/incidents", json=body).raise_for_status().json()
        for status in ("identified", "monitoring"):
            update = {"status": status, "body": f"Now {status}; next update in 30 minutes."}
            client.post(f"{BASE}/incidents/{shown['id']}/updates", json=update).raise_for_status()


def wrk(url: str, seconds: int, connections: int, *headers: str) -> str:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    return done.stdout


def figures(output: str) -> str:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return (
        f"{float(rate.group(1)) if rate else 0:,.0f} req/s, p99 {p99.group(1) if p99 else '?'}"
        f"{f', {errors.group(1)} non-2xx/3xx' if errors else ''}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as folder:
        env = {"TOCSIN_STATUSPAGE_SNAPSHOT_FILE": str(Path(folder) / "snapshot.json")}
        with running_tocsin(args.backend, env) as server:
            headers = {"Authorization": f"Bearer {server.token}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                fill(client)
                first = client.get("/api/v2/summary.json").raise_for_status()
            url = f"{server.url}/api/v2/summary.json"
            print(f"summary.json: {len(first.content):,} bytes, {args.backend}")
            full = wrk(url, args.seconds, args.connections)
            print(f"200s: {figures(full)}")
            etag = f"If-None-Match: {first.headers['etag']}"
            cached = wrk(url, args.seconds, args.connections, etag)
            print(f"304s: {figures(cached)}")


if __name__ == "__main__":
    main()
