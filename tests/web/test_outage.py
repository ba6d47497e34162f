"""A database outage is a 503 with Retry-After on every route, logged once, and it heals.

PostgreSQL is a cluster of the test's own (tests/pgcluster.py), stopped while alerts stream
in; SQLite is opened read-only (``mode=ro``) or capped so that it is full
(``PRAGMA max_page_count``), as a full disk would.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from tests.alerts.helpers import am_alert, am_body
from tests.builders import integration
from tests.conftest import Api, serving, settings_for, sign_in, user_email
from tests.pgcluster import PgCluster
from tocsin.access import accounts as access_accounts
from tocsin.access import csrf as access_csrf
from tocsin.access import service as access_service
from tocsin.access import sessions as access_sessions
from tocsin.alerts import integrations
from tocsin.alerts.schemas import IntegrationCreate
from tocsin.alerts.state import IngestState
from tocsin.alerts.tables import Alert
from tocsin.core.roles import AccessRole
from tocsin.db import Database
from tocsin.schema import migrate
from tocsin.web.app import create_app
from tocsin.worker.loop import Worker

WAIT_SECONDS = 60.0  # a bound on waiting for a condition, never a timing assertion


def wait_for(condition: Callable[[], bool], what: str) -> float:
    """Poll ``condition`` until it holds; return how long that took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > WAIT_SECONDS:
            raise AssertionError(f"still waiting after {WAIT_SECONDS:g} s: {what}")
        time.sleep(0.02)
    return time.monotonic() - started


class Logged:
    """The log records of the running app, from every thread (uvicorn's own logger too)."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    def lines(self, logger: str, text: str) -> list[str]:
        return [
            r.getMessage()
            for r in self.caplog.records
            if r.name == logger and text in r.getMessage()
        ]

    def tracebacks(self) -> list[str]:
        return [
            f"{r.name}: {r.getMessage()}"
            for r in self.caplog.records
            if r.exc_info or r.levelno >= logging.ERROR
        ]


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[Logged]:
    caplog.set_level(logging.WARNING)
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addHandler(caplog.handler)
    try:
        yield Logged(caplog)
    finally:
        uvicorn_errors.removeHandler(caplog.handler)


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.request.url, response.text)
    assert response.headers["retry-after"] == "1"
    assert "connection" not in response.headers  # a 503 keeps the connection


def assert_json_unavailable(response: httpx.Response) -> dict[str, Any]:
    assert_unavailable(response)
    body: dict[str, Any] = response.json()
    assert body["error"] == "unavailable", body
    assert "database" in body["message"]
    return body


def signed_in(api: Api) -> httpx.Client:
    client = httpx.Client(base_url=api.url, timeout=30)
    sign_in(client, api, "responder", next="/")
    return client


def signed_in_on(db: Database, api: Api) -> httpx.Client:
    """A browser with a session made on ``db`` (a read-only server cannot start one)."""
    user_id = access_accounts.user_id_by_email(db, email=user_email("responder"))
    raw = access_sessions.start(db, user_id=user_id, lifetime=timedelta(hours=1))
    client = httpx.Client(base_url=api.url, timeout=30)
    client.cookies.set(access_sessions.COOKIE, raw)
    client.headers["X-CSRF-Token"] = access_csrf.token_for(raw)
    return client


def fresh_token(api: Api) -> httpx.Client:
    """A client whose token was never looked up: its first request reads the database."""
    token = access_service.create_token(
        api.db, name="fresh", role=AccessRole.VIEWER, created_by="tests"
    ).token
    return httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"})


def enqueue_body(key: str, dedup_key: str) -> dict[str, Any]:
    payload = {"summary": "Disk full on db1", "source": "db1", "severity": "error"}
    return {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": payload,
    }


class AlertStream:
    """A sender posting one new alert after another, recording every answer."""

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url, key
        self.answers: list[tuple[int, str | None]] = []  # status, Retry-After
        self.accepted: list[str] = []  # summaries of the alerts answered 200
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            n = 0
            while not self.stopping.is_set():
                n += 1
                alert = am_alert(f"stream-{n}", alertname="OutageStream")
                response = client.post(f"/hooks/{self.key}", json=am_body(alert))
                self.answers.append((response.status_code, response.headers.get("retry-after")))
                if response.status_code == 200:
                    self.accepted.append(alert["annotations"]["summary"])

    def count(self, status: int) -> int:
        return sum(1 for s, _ in self.answers if s == status)

    @contextmanager
    def running(self) -> Iterator[AlertStream]:
        self.thread.start()
        try:
            yield self
        finally:
            self.stopping.set()
            self.thread.join(timeout=60)


def test_postgres_outage_answers_503_everywhere_and_recovers(
    pg_cluster: PgCluster, tmp_path: Path, logged: Logged
) -> None:
    settings = settings_for(pg_cluster.create_database("tocsin_outage"), tmp_path)
    db = Database(settings.database_url)
    migrate(db)
    with serving(settings, db) as api:
        worker = Worker(api.tocsin)  # survives the outage, one line in the log
        worker_thread = threading.Thread(target=worker.run_forever, daemon=True)
        worker_thread.start()
        hooks = integration(api)
        unused_hooks = integration(api)  # never looked up before the outage: not cached
        pagerduty = integration(api, "pagerduty")
        unused_pagerduty = integration(api, "pagerduty")
        assert httpx.post(
            f"{api.url}/v2/enqueue", json=enqueue_body(pagerduty["key"], "before")
        ).is_success
        browser = signed_in(api)
        assert browser.get("/incidents").status_code == 200
        never_used = fresh_token(api)
        with AlertStream(api.url, hooks["key"]).running() as stream:
            wait_for(lambda: stream.count(200) >= 5, "alerts accepted before the outage")
            pg_cluster.stop("immediate")  # mid-ingest: the stream keeps sending
            sent_before_stop = len(stream.answers)
            wait_for(lambda: stream.count(503) >= 5, "alerts refused during the outage")

            # Every route that needs the database, each way it can reach it.
            assert_json_unavailable(api.viewer.get("/api/v1/incidents"))
            assert_json_unavailable(never_used.get("/api/v1/incidents"))  # token lookup
            declared = api.responder.post(
                "/api/v1/incidents", json={"title": "Checkout down", "severity": "SEV2"}
            )
            assert_json_unavailable(declared)
            page = browser.get("/incidents")
            assert_unavailable(page)
            assert page.headers["content-type"].startswith("text/html")
            assert "database is unreachable" in page.text
            assert_unavailable(browser.post("/incidents", data={"title": "x", "severity": "SEV3"}))
            for key in (hooks["key"], unused_hooks["key"]):  # writer path, lookup path
                response = httpx.post(f"{api.url}/hooks/{key}", json=am_body(am_alert("x")))
                assert_json_unavailable(response)
            for key in (pagerduty["key"], unused_pagerduty["key"]):
                response = httpx.post(f"{api.url}/v2/enqueue", json=enqueue_body(key, "during"))
                assert_unavailable(response)
                assert response.json()["status"] == "error"  # PagerDuty's shape
            ready = httpx.get(f"{api.url}/readyz")
            assert_unavailable(ready)
            assert ready.json()["status"] == "unavailable"
            assert ready.json()["checks"]["database"].startswith("unreachable: ")
            assert httpx.get(f"{api.url}/healthz").status_code == 200  # alive all along

            pg_cluster.start()
            recovered = wait_for(
                lambda: httpx.get(f"{api.url}/readyz").status_code == 200, "/readyz after restart"
            )
            refused_before_recovery = stream.count(503)
            wait_for(lambda: len(stream.accepted) > 5, "alerts accepted after the restart")

        # Back, and no burst of errors from connections that died with the server.
        after = [
            api.viewer.get("/api/v1/incidents"),
            never_used.get("/api/v1/incidents"),
            api.responder.post("/api/v1/incidents", json={"title": "Back", "severity": "SEV4"}),
            browser.get("/incidents"),
            httpx.post(f"{api.url}/hooks/{unused_hooks['key']}", json=am_body(am_alert("y"))),
            httpx.post(
                f"{api.url}/v2/enqueue", json=enqueue_body(unused_pagerduty["key"], "after")
            ),
        ]
        assert [r.status_code for r in after] == [200, 200, 201, 200, 200, 202]

        statuses = Counter(status for status, _ in stream.answers)
        print(
            f"\nPostgreSQL outage: stream answers {dict(statuses)} "
            f"({sent_before_stop} sent before the stop returned, "
            f"{refused_before_recovery} refused until /readyz was ok); "
            f"/readyz ok {recovered:.2f} s after pg_ctl start returned"
        )
        assert set(statuses) == {200, 503}, statuses
        assert all(retry == "1" for status, retry in stream.answers if status == 503)
        with db.reading() as session:  # every 200 is durable
            stored = set(session.scalars(select(Alert.summary).where(Alert.name == "OutageStream")))
        assert set(stream.accepted) <= stored

    assert worker_thread.is_alive()
    worker.stop()
    worker_thread.join(timeout=30)
    db.dispose()
    assert len(logged.lines("tocsin.db", "database unavailable (unreachable: ")) == 1
    assert len(logged.lines("tocsin.db", "database available again")) == 1
    assert len(logged.lines("tocsin.worker", "LISTEN connection lost")) <= 1
    assert logged.tracebacks() == []


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[tuple[Database, Path, str]]:
    """A migrated SQLite file with an integration; the (writable) database that made it,
    its path and the integration's key."""
    path = tmp_path / "tocsin.db"
    db = Database(f"sqlite:///{path}")
    migrate(db)
    created = integrations.create_integration(
        db,
        state=IngestState(),
        integration=IntegrationCreate(kind="alertmanager", name="ro", service="checkout"),
        created_by="tests",
        base_url="http://127.0.0.1",
    )
    yield db, path, created.key
    db.dispose()


def test_read_only_sqlite_reads_work_writes_answer_503(
    sqlite_file: tuple[Database, Path, str], tmp_path: Path, logged: Logged
) -> None:
    writable, path, key = sqlite_file
    settings = settings_for(f"sqlite:///file:{path}?mode=ro&uri=true", tmp_path)
    read_only = Database(settings.database_url)
    app = create_app(settings.model_copy(update={"run_worker": "yes"}), read_only)
    with serving(settings, writable, app) as api:  # tokens made on the writable one
        browser = signed_in_on(writable, api)
        assert api.viewer.get("/api/v1/incidents").status_code == 200
        assert browser.get("/incidents").status_code == 200
        for _ in range(3):
            body = assert_json_unavailable(
                api.responder.post("/api/v1/incidents", json={"title": "x", "severity": "SEV3"})
            )
            assert "read-only" in body["message"]
            assert_json_unavailable(
                httpx.post(f"{api.url}/hooks/{key}", json=am_body(am_alert("ro")))
            )
        page = browser.post("/incidents", data={"title": "x", "severity": "SEV3"})
        assert_unavailable(page)
        assert "read-only" in page.text
        ready = httpx.get(f"{api.url}/readyz")
        assert_unavailable(ready)
        assert ready.json()["checks"]["database"].startswith("read-only: ")
        assert fresh_token(api).get("/api/v1/incidents").status_code == 200  # reads still work
    read_only.dispose()
    lines = logged.lines("tocsin.db", "database")
    assert lines == [  # reads succeeding in between (the worker's too) do not end it
        "database unavailable (read-only: attempt to write a readonly database): "
        "requests answer 503 until it is back"
    ]
    assert logged.tracebacks() == []


def test_a_full_sqlite_disk_answers_503_and_logs_once(
    sqlite_file: tuple[Database, Path, str], tmp_path: Path, logged: Logged
) -> None:
    writable, path, key = sqlite_file
    settings = settings_for(f"sqlite:///{path}", tmp_path)
    full = Database(settings.database_url)
    disk = {"full": True}

    @event.listens_for(full.engine, "checkout")
    def no_room(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # While "full", the file may not grow by a single page: a full disk, to a write.
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        limit = pages if disk["full"] else 2**32 - 2
        dbapi_connection.execute(f"PRAGMA max_page_count={limit}")

    big = am_body(*(am_alert(f"full-{i}") for i in range(50)))
    for alert in big["alerts"]:
        alert["annotations"]["description"] = "x" * 5_000  # together they need new pages
    with serving(settings, writable, create_app(settings, full)) as api:
        for _ in range(3):
            body = assert_json_unavailable(httpx.post(f"{api.url}/hooks/{key}", json=big))
            assert "disk is full" in body["message"]
            assert api.viewer.get("/api/v1/incidents").status_code == 200  # reads work
        assert logged.lines("tocsin.db", "database") == [
            "database unavailable (disk full: database or disk is full): "
            "requests answer 503 until it is back"
        ]
        disk["full"] = False  # room again: the next write goes through
        full.health.settle_seconds = 0  # and ends the outage (test_dbhealth.py: settling)
        assert httpx.post(f"{api.url}/hooks/{key}", json=big).status_code == 200
    full.dispose()
    assert len(logged.lines("tocsin.db", "database available again")) == 1
    assert logged.tracebacks() == []


class Faulty(Database):
    """The real database, until ``fault`` is set: then every transaction raises it."""

    fault: Exception | None = None

    @contextmanager
    def reading(self) -> Iterator[Any]:
        if self.fault:
            raise self.fault
        with super().reading() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        if self.fault:
            raise self.fault
        with super().transaction() as session:
            yield session


def test_a_500_closes_the_connection_and_the_next_request_works(
    tmp_path: Path, logged: Logged
) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'tocsin.db'}", tmp_path)
    db = Faulty(settings.database_url)
    migrate(db)
    with serving(settings, db) as api, httpx.Client(base_url=api.url, timeout=30) as client:
        browser = signed_in(api)
        db.fault = RuntimeError("a bug")
        for round in range(20):  # the old answer broke the next request now and then
            answers = [
                api.viewer.get("/api/v1/incidents"),  # a FastAPI route
                client.post(f"/hooks/unknown-{round}", json={}),  # the bare ingest's lookup
                browser.get(f"/incidents/{round + 1}"),  # a page
            ]
            for response in answers:
                assert response.status_code == 500, response.text
                assert response.headers["connection"] == "close"
            assert answers[0].json()["error"] == "internal_error"
            assert answers[1].json()["error"] == "internal_error"
            assert answers[2].headers["content-type"].startswith("text/html")
            # The same clients go on, on new connections.
            assert api.viewer.get("/healthz").status_code == 200
            assert client.get("/healthz").status_code == 200
            assert browser.get("/healthz").status_code == 200
        db.fault = None
        assert api.viewer.get("/api/v1/incidents").status_code == 200
    db.dispose()
    assert len(logged.lines("tocsin.web", "unhandled error")) == 60  # one per 500
    assert logged.lines("uvicorn.error", "Exception in ASGI application") == []
