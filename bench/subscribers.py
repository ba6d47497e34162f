"""How fast one public update reaches 10,000 mail subscribers.

A fresh database (SQLite or PostgreSQL), 10,000 confirmed mail subscribers to the default
page (written directly, in bulk), an SMTP server (aiosmtpd, in its own process, on
loopback) and a real worker (``tocsin.worker.loop.Worker``, its delivery threads sending
over SMTP). One public incident is published; the script prints how long the enqueue took
inside the update's transaction, the time from the update's commit to the last mail
received, and mails per second. Asserts only that every subscriber got exactly one mail.

    python bench/subscribers.py [--subscribers 10000] [--backend sqlite|postgresql]
                                [--concurrency 16]
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import free_port, fresh_database
from tocsin import clock
from tocsin.assembly import assemble
from tocsin.config import Settings
from tocsin.db import Database
from tocsin.dbbulk import insert_rows
from tocsin.schema import migrate
from tocsin.statuspage import publishing
from tocsin.statuspage.schemas import PublicIncidentCreate
from tocsin.statuspage.subscribers.tables import Subscriber
from tocsin.worker.loop import Worker


def smtp_server(port: int, count: Any, last: Any, ready: Any) -> None:
    """Counts the mails it accepts, and when the last one came (``time.time()``)."""
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            with count.get_lock():
                count.value += len(envelope.rcpt_tos)
                last.value = time.time()
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


def add_subscribers(db: Database, count: int) -> None:
    now = clock.now()
    rows = []
    for i in range(count):
        address = f"reader{i}@example.com"
        rows.append(
            {
                "page_id": 1,
                "kind": "email",
                "address": address,
                "address_hash": hashlib.sha256(f"email:{address}".encode()).hexdigest(),
                "label": address,
                "whole_page": True,
                "secret_sealed": None,
                "nonce": secrets.token_hex(16),
                "status": "active",
                "confirmed_at": now,
                "failures": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
    with db.transaction() as session:
        insert_rows(session, Subscriber.__table__, rows)  # type: ignore[arg-type]


def run(backend: str, subscribers: int, concurrency: int) -> None:
    port = free_port()
    count, last = multiprocessing.Value("i", 0), multiprocessing.Value("d", 0.0)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(
        target=smtp_server, args=(port, count, last, ready), daemon=True
    )
    server.start()
    ready.wait(10)
    with fresh_database(backend) as url, tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=url,
            secret_key_file=str(Path(folder) / "tocsin.key"),
            statuspage_snapshot_file=str(Path(folder) / "snapshot.json"),
            smtp_host="127.0.0.1",
            smtp_port=port,
            worker_concurrency=concurrency,
        )
        db = Database(url)
        migrate(db)
        tocsin = assemble(settings, db)
        started = time.perf_counter()
        add_subscribers(db, subscribers)
        wrote = time.perf_counter() - started
        print(f"{backend}: {subscribers:,} subscribers written in {wrote:.1f} s")
        worker = Worker(tocsin, name="bench")
        thread = threading.Thread(target=worker.run_forever, daemon=True)
        thread.start()
        body = PublicIncidentCreate(name="Checkout errors", body="We are looking into it.")
        before = time.perf_counter()
        publishing.publish(db, tocsin.statuspage, body=body, actor="bench")
        committed, committed_wall = time.perf_counter(), time.time()
        print(f"publish, with the enqueue in its transaction: {committed - before:.2f} s")
        deadline = time.monotonic() + 600
        while count.value < subscribers and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.stop()
        thread.join(timeout=30)
        db.dispose()
    server.terminate()
    took = last.value - committed_wall
    print(
        f"{count.value:,} mails received; commit → last mail {took:.1f} s, "
        f"{count.value / took:,.0f} mails/s (worker concurrency {concurrency})"
    )
    if count.value != subscribers:
        sys.exit(f"expected {subscribers} mails, got {count.value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    run(args.backend, args.subscribers, args.concurrency)


if __name__ == "__main__":
    main()
