"""Kill -9 real worker processes while 1,000 escalations are pending: no page is lost.

Counted at a real SMTP server (aiosmtpd) by Message-ID, which the worker derives from the
page's idempotency key. A page may arrive twice only when a kill fell between its send and
its record; the workers here send one message at a time, so that is at most one per kill.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import Api
from tests.paging.test_paging import person, service_with_policy
from tests.peers import SmtpServer
from tocsin.core.severity import Severity
from tocsin.incidents import service as incidents_service
from tocsin.incidents.schemas import IncidentCreate

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


def pending_escalations(api: Api, recipient: str) -> None:
    someone = person(api, "crash", email=recipient)
    service = service_with_policy(api, [[someone["id"]]], timeout=60)
    policies = api.settings.policies
    for n in range(ESCALATIONS):
        incidents_service.declare(
            api.db,
            actor="test",
            incident=IncidentCreate(title=f"crash {n}", severity=Severity.SEV2, services=[service]),
            policies=policies,
        )


def message_ids(smtp: SmtpServer, recipient: str) -> list[str]:
    return [
        str(mail.message["Message-ID"])
        for mail in list(smtp.mailbox.received)
        if recipient in mail.rcpt_tos
    ]


def wait_for(smtp: SmtpServer, recipient: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(set(message_ids(smtp, recipient))) < ESCALATIONS:
        if time.monotonic() > deadline:
            got = len(set(message_ids(smtp, recipient)))
            pytest.fail(f"only {got} of {ESCALATIONS} pages arrived in {timeout} s")
        time.sleep(0.2)


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
    recipient = f"crash-{uuid.uuid4().hex[:6]}@example.test"
    pending_escalations(api, recipient)
    env = worker_env(api, smtp_server, concurrency=1)
    rng = random.Random(7)
    for _ in range(KILLS):
        processes.append(start_worker(env))
        time.sleep(rng.uniform(1.0, 2.5))
        processes[-1].send_signal(signal.SIGKILL)
        processes[-1].wait()
    processes.append(start_worker(env))
    wait_for(smtp_server, recipient, timeout=240)
    time.sleep(3)  # past the lease: a message still to be re-sent would arrive now
    ids = message_ids(smtp_server, recipient)
    repeats = collections.Counter(ids)
    assert len(repeats) == ESCALATIONS  # nothing lost
    assert len(ids) - ESCALATIONS <= KILLS  # a repeat only for a kill between send and record
    assert max(repeats.values()) <= 2


def test_two_workers_on_postgresql_never_send_twice(
    api: Api, smtp_server: SmtpServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    if api.backend != "postgresql":
        pytest.skip("several workers share the work through PostgreSQL row locks")
    recipient = f"pair-{uuid.uuid4().hex[:6]}@example.test"
    env = worker_env(api, smtp_server, concurrency=8)
    processes.extend([start_worker(env), start_worker(env)])
    pending_escalations(api, recipient)
    wait_for(smtp_server, recipient, timeout=240)
    time.sleep(3)
    ids = message_ids(smtp_server, recipient)
    assert len(ids) == len(set(ids)) == ESCALATIONS
