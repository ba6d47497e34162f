"""Real worker processes against a real SMTP server (aiosmtpd): no page is lost, none is
sent twice unless a worker died while sending it.

Pages are counted by Message-ID, which the worker derives from the page's idempotency key.
Kill -9 while 1,000 escalations are pending: a page may arrive twice only when a kill fell
between its send and its record, at most one per kill (one delivery thread). Two workers, and
a slow mail server with leases shorter than a send: every page exactly once. The tests wait
until every page is recorded delivered and the workers have exited, never for a time.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from tests.builders import paged_service, person, unique
from tests.conftest import Api
from tests.peers import SmtpServer
from tocsin.core.severity import Severity
from tocsin.incidents import service as incidents_service
from tocsin.incidents.schemas import IncidentCreate
from tocsin.notify.tables import OutboxMessage

ESCALATIONS = 1000
KILLS = 3


def worker_env(api: Api, smtp: SmtpServer, concurrency: int) -> dict[str, str]:
    return {
        **os.environ,
        "TOCSIN_DATABASE_URL": api.settings.database_url,
        "TOCSIN_SECRET_KEY_FILE": api.settings.secret_key_file,
        "TOCSIN_SMTP_HOST": smtp.host,
        "TOCSIN_SMTP_PORT": str(smtp.port),
        "TOCSIN_WORKER_LEASE_SECONDS": "2",
        "TOCSIN_WORKER_CONCURRENCY": str(concurrency),
        "TOCSIN_OUTBOUND_ALLOW": '["127.0.0.0/8"]',
    }


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(os.environ.get("TOCSIN_TEST_WORKER_LOG", os.devnull), "ab")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "tocsin", "worker"], env=env, stdout=log, stderr=log
    )


def pending_escalations(api: Api, recipient: str, count: int = ESCALATIONS) -> int:
    """Declare ``count`` incidents that page one person by mail; returns the person's id."""
    someone = person(api, "crash", contacts={"email": recipient})
    service = paged_service(api, [someone["id"]], timeout=60)
    policies = api.settings.policies
    for n in range(count):
        incidents_service.declare(
            api.db,
            actor="test",
            incident=IncidentCreate(title=f"crash {n}", severity=Severity.SEV2, services=[service]),
            policies=policies,
        )
    person_id: int = someone["id"]
    return person_id


def message_ids(smtp: SmtpServer, recipient: str) -> list[str]:
    return [
        str(mail.message["Message-ID"])
        for mail in list(smtp.mailbox.received)
        if recipient in mail.rcpt_tos
    ]


def wait_until_delivered(api: Api, person_id: int, count: int, timeout: float) -> None:
    """Wait until the outbox has ``count`` messages to the person, every one delivered."""
    query = select(OutboxMessage.status, func.count()).where(OutboxMessage.person_id == person_id)
    deadline = time.monotonic() + timeout
    while True:
        with api.db.reading() as session:
            statuses = dict(session.execute(query.group_by(OutboxMessage.status)).all())
        if statuses == {"delivered": count}:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"after {timeout} s the pages are {statuses}, not {count} delivered")
        time.sleep(0.2)


def stop_gracefully(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM: a worker stops claiming and finishes what it has in flight, then exits."""
    for process in processes:
        process.terminate()
    for process in processes:
        assert process.wait(timeout=120) == 0


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_kill_9_loses_no_page(
    api: Api, smtp_server: SmtpServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    recipient = f"{unique('crash')}@example.test"
    paged = pending_escalations(api, recipient)
    env = worker_env(api, smtp_server, concurrency=1)
    rng = random.Random(7)
    for _ in range(KILLS):
        processes.append(start_worker(env))
        time.sleep(rng.uniform(1.0, 2.5))
        processes[-1].send_signal(signal.SIGKILL)
        processes[-1].wait()
    processes.append(start_worker(env))
    wait_until_delivered(api, paged, ESCALATIONS, timeout=240)  # re-sends included
    stop_gracefully(processes[-1:])
    ids = message_ids(smtp_server, recipient)
    repeats = collections.Counter(ids)
    assert len(repeats) == ESCALATIONS  # nothing lost
    # A repeat only for a kill between send and record. The same page may be the one in
    # flight at two kills (its lease ran out, the next worker took it and was killed too),
    # so the bound is on all repeats together, not on one page's.
    assert len(ids) - ESCALATIONS <= KILLS


def test_two_workers_on_postgresql_never_send_twice(
    api: Api, smtp_server: SmtpServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    if api.backend != "postgresql":
        pytest.skip("several workers share the work through PostgreSQL row locks")
    recipient = f"{unique('pair')}@example.test"
    env = worker_env(api, smtp_server, concurrency=8)
    processes.extend([start_worker(env), start_worker(env)])
    paged = pending_escalations(api, recipient)
    wait_until_delivered(api, paged, ESCALATIONS, timeout=240)
    stop_gracefully(processes)
    ids = message_ids(smtp_server, recipient)
    assert len(ids) == len(set(ids)) == ESCALATIONS


SLOW_SMTP_SECONDS = 2.5  # longer than the lease: a message waiting behind another outlives it
SLOW_LEASE_SECONDS = "2"
SLOW_CONCURRENCY = 6
SLOW_PAGES_PER_WORKER = 36


def test_a_slow_mail_server_and_short_leases_send_each_page_once(
    api: Api, smtp_server: SmtpServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    """Every send takes longer than a lease. A worker that claimed ahead of its delivery
    threads, or did not renew its leases, would let a waiting message's lease run out and
    have it sent by the other worker (or by itself, claiming again) and then again by the
    first. A slower machine only makes that more likely; the count must still be exact."""
    workers = 2 if api.backend == "postgresql" else 1  # SQLite: one worker against itself
    pages = SLOW_PAGES_PER_WORKER * workers
    recipient = f"{unique('slow')}@example.test"
    smtp_server.mailbox.delay = SLOW_SMTP_SECONDS
    env = worker_env(api, smtp_server, concurrency=SLOW_CONCURRENCY)
    env["TOCSIN_WORKER_LEASE_SECONDS"] = SLOW_LEASE_SECONDS
    paged = pending_escalations(api, recipient, count=pages)
    processes.extend(start_worker(env) for _ in range(workers))
    wait_until_delivered(api, paged, pages, timeout=240)
    stop_gracefully(processes)  # in-flight sends finish: nothing more can arrive after this
    sent = collections.Counter(message_ids(smtp_server, recipient))
    assert len(sent) == pages
    twice = {key: times for key, times in sent.items() if times > 1}
    assert not twice, f"{sum(sent.values())} mails for {pages} pages; {len(twice)} sent again"
