"""How fast the status page answers, beside nginx serving the same bytes, and with the
database stopped.

Runs a real `tocsin serve` (one Uvicorn process, as `tocsin serve` starts it), puts a page on
it (3 groups of 4 components, 2 public incidents with 3 updates each), saves the rendered
page (`/status/`) and `summary.json` into a folder that nginx (Debian package `nginx`, one
worker process) serves, and drives both with wrk (Debian package `wrk`): req/s, p99 and the
ratio Tocsin / nginx, for full 200 answers and for 304s to a client that sends the ETag.

With `--backend postgresql` Tocsin reaches PostgreSQL through a TCP relay of the bench's own;
the last round cuts the relay (every connection dropped, new ones refused: to Tocsin the
database is down) and measures again. Prints the figures; asserts nothing.

    python bench/statuspage.py [--seconds 10] [--connections 64] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import free_port, fresh_database, serving

BASE = "/api/v1/statuspage"
PATHS = {"page": "/status/", "summary.json": "/api/v2/summary.json"}
NGINX_FILES = {"page": "index.html", "summary.json": "summary.json"}


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


@dataclass(frozen=True)
class Figure:
    rate: float
    p99_ms: float
    errors: int

    def __str__(self) -> str:
        errors = f", {self.errors} non-2xx/3xx" if self.errors else ""
        return f"{self.rate:>9,.0f} req/s  p99 {self.p99_ms:6.2f} ms{errors}"


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, seconds: int, connections: int, *headers: str) -> Figure:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Figure(
        rate=float(rate.group(1)) if rate else 0.0,
        p99_ms=_ms(p99.group(1)) if p99 else float("nan"),
        errors=int(errors.group(1)) if errors else 0,
    )


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log;
user root;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types {{ text/html html; application/json json; }}
  client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
  server {{
    listen 127.0.0.1:{port};
    root {root}/site;
    add_header Cache-Control "public, max-age=10";
  }}
}}
"""


@contextmanager
def nginx(site: dict[str, bytes]) -> Iterator[str]:
    """nginx serving ``site`` (file name → bytes) on a free port; its base URL."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    with tempfile.TemporaryDirectory(prefix="tocsin-nginx-") as folder:
        root = Path(folder)
        (root / "site").mkdir()
        (root / "tmp").mkdir()
        for name, body in site.items():
            (root / "site" / name).write_bytes(body)
        port = free_port()
        (root / "nginx.conf").write_text(NGINX_CONF.format(root=root, port=port))
        process = subprocess.Popen([binary, "-c", str(root / "nginx.conf"), "-p", str(root)])
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{url}/{next(iter(site))}", process)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not start ({url})")


class Relay:
    """A TCP relay to PostgreSQL that can be cut: the database's outage, as Tocsin sees it."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        started = threading.Event()
        threading.Thread(target=self._run, args=(started,), daemon=True).start()
        started.wait(10)

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", self.port)
        )
        started.set()
        self.loop.run_forever()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""

        async def close() -> None:
            assert self.server is not None
            self.server.close()
            for writer in list(self.writers):
                writer.transport.abort()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is missing: apt-get install -y {tool}")
    with tempfile.TemporaryDirectory() as folder, fresh_database(args.backend) as database:
        env = {"TOCSIN_STATUSPAGE_SNAPSHOT_FILE": str(Path(folder) / "snapshot.json")}
        relay = None
        if args.backend == "postgresql":
            relay = Relay(int(re.search(r":(\d+)/", database).group(1)))  # type: ignore[union-attr]
            database = re.sub(r":\d+/", f":{relay.port}/", database)
        with serving(database, env) as server:
            headers = {"Authorization": f"Bearer {server.token}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                fill(client)
                answers = {name: client.get(path) for name, path in PATHS.items()}
            served = {name: a for name, a in answers.items() if a.status_code == 200}
            for name in answers.keys() - served.keys():
                print(f"{PATHS[name]} answers {answers[name].status_code}: left out")
            site = {NGINX_FILES[name]: answer.content for name, answer in served.items()}
            sizes = ", ".join(f"{name} {len(a.content):,} bytes" for name, a in served.items())
            print(f"{args.backend}, {args.connections} connections, {args.seconds} s each: {sizes}")
            with nginx(site) as nginx_url:
                for name in served:
                    path = PATHS[name]
                    etag = served[name].headers["etag"]
                    theirs = f"{nginx_url}/{NGINX_FILES[name]}"
                    ours = f"{server.url}{path}"
                    _compare(name, "200", ours, theirs, args)
                    nginx_etag = httpx.get(theirs).headers["etag"]
                    _compare(name, "304", ours, theirs, args, etag, nginx_etag)
                if relay is not None:
                    relay.cut()
                    down = httpx.get(f"{server.url}/readyz", timeout=30).status_code
                    print(f"database cut (/readyz answers {down}):")
                    for name in served:
                        path = PATHS[name]
                        theirs = f"{nginx_url}/{NGINX_FILES[name]}"
                        _compare(name, "200", f"{server.url}{path}", theirs, args)


def _compare(
    name: str,
    kind: str,
    ours: str,
    theirs: str,
    args: argparse.Namespace,
    etag: str | None = None,
    nginx_etag: str | None = None,
) -> None:
    our_headers = [f"If-None-Match: {etag}"] if etag else []
    their_headers = [f"If-None-Match: {nginx_etag}"] if nginx_etag else []
    tocsin = wrk(ours, args.seconds, args.connections, *our_headers)
    reference = wrk(theirs, args.seconds, args.connections, *their_headers)
    ratio = tocsin.rate / reference.rate if reference.rate else float("nan")
    print(f"  {name:<13} {kind}  tocsin {tocsin}   nginx {reference}   ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
