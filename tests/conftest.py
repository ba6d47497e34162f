"""One running Tocsin per database, shared by the whole session, and the one test clock.

Every integration test takes the ``api`` fixture and so runs twice: on SQLite and on
PostgreSQL (127.0.0.1:5432 here). PostgreSQL missing is a failure, not a skip, unless
TOCSIN_TEST_SKIP_POSTGRES=1 is set explicitly. A test that needs a server of its own (to
inject a fault through its wiring, say) builds one with ``settings_for`` and ``serving``.
Test data comes from ``tests/builders.py``; a test that moves time takes ``clock``.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from tests.peers import (  # noqa: F401 (fixtures)
    free_port,
    receiver,
    smtp_server,
    tls_receiver,
    uvicorn_thread,
)
from tests.pgcluster import pg_cluster  # noqa: F401  (a PostgreSQL a test may stop)
from tocsin import clock as tocsin_clock
from tocsin.access import accounts as access_accounts
from tocsin.access import service as access_service
from tocsin.assembly import Tocsin
from tocsin.config import Settings
from tocsin.core.roles import AccessRole
from tocsin.db import Database
from tocsin.errors import Conflict
from tocsin.schema import migrate
from tocsin.web.app import create_app

os.environ["COLUMNS"] = "250"
"""Wide CLI tables in every test: a Rich console reads COLUMNS when it is made, which is when
its CLI module is first imported, in whichever test (and test process) that happens."""
PASSWORD = "correct horse battery staple"
"""The password of every test user (``user_email(role)``)."""
POSTGRES_ADMIN = os.environ.get("TOCSIN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


@dataclass
class Api:
    """A running Tocsin and one client per access role."""

    backend: str
    url: str
    db: Database
    settings: Settings
    admin: httpx.Client
    responder: httpx.Client
    viewer: httpx.Client
    tokens: dict[str, str]
    tocsin: Tocsin
    """The server's assembly: a test's worker runs on it, as ``serve``'s in-process one does."""
    app: FastAPI | None = None
    """The app served (its routes: tests/incidents/test_private.py walks them all)."""

    def anonymous(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


class TestClock:
    """The one test clock: Tocsin's clock (``tocsin.clock``), frozen and moved by the test.

    The servers run in the test's process, so they read this clock too.
    """

    __test__ = False  # not a test class

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        """Jump to ``at`` (aware), forwards or back."""
        assert at.tzinfo is not None, "a test clock is set to an aware time"
        self._now = at

    def advance(self, by: timedelta) -> None:
        self._now += by


@pytest.fixture
def clock() -> Iterator[TestClock]:
    """Freeze Tocsin's clock at the real time now; the real clock is back after the test."""
    frozen = TestClock(datetime.now(UTC))
    tocsin_clock.set_clock(frozen.now)
    try:
        yield frozen
    finally:
        tocsin_clock.set_clock(None)


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A new PostgreSQL database for as long as the block runs."""
    name = f"tocsin_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("TOCSIN_TEST_SKIP_POSTGRES") == "1":
            pytest.skip(f"PostgreSQL unavailable and TOCSIN_TEST_SKIP_POSTGRES=1: {exc}")
        pytest.fail(f"PostgreSQL is required for the test suite ({POSTGRES_ADMIN}): {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with throwaway_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    backend: str = request.param
    if backend == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{Path(tmp_path_factory.mktemp('sqlite')) / 'tocsin.db'}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test taking a database runs on each of ``BACKENDS``, or on those its
    ``@pytest.mark.backends(...)`` names (a browser test of how pages look, say)."""
    if "database_url" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        backends = list(marker.args) if marker else BACKENDS
        metafunc.parametrize("database_url", backends, indirect=True, scope="session")


def settings_for(database_url: str, keys: Path) -> Settings:
    """Settings for a Tocsin under test on a free port (the worker is driven by the tests)."""
    return Settings(
        database_url=database_url,
        host="127.0.0.1",
        port=free_port(),
        run_worker="no",  # tests drive the worker themselves
        secret_key_file=str(keys / "tocsin.key"),
        outbound_allow=["127.0.0.0/8"],
        signin_per_minute=10_000,  # every test signs in from 127.0.0.1 (tests/access lowers it)
        signin_address_per_minute=10_000,  # and as the same few users
    )


@contextmanager
def serving(settings: Settings, db: Database, app: FastAPI | None = None) -> Iterator[Api]:
    """Serve ``app`` (by default the real app on ``db``) with uvicorn in a thread, with a
    token and a client per access role; ``db`` must be migrated."""
    backend = "sqlite" if db.is_sqlite else "postgresql"
    app = app or create_app(settings, db)
    with uvicorn_thread(app, settings.port, lifespan="on") as url:
        yield _with_tokens(backend, url, db, settings, app)


def user_email(role: str) -> str:
    """The address of the test user with ``role``, who signs in with :data:`PASSWORD`."""
    return f"{role}@users.tocsin.test"


def _with_users(db: Database) -> None:
    for role in AccessRole:
        with contextlib.suppress(Conflict):  # served again on the same database
            access_accounts.create_user(
                db, email=user_email(role.value), role=role, password=PASSWORD, created_by="tests"
            )


_CSRF = re.compile(r'name="csrf(?:-token|_token)" (?:content|value)="([0-9a-f]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token a page writes into its forms (or its meta tag)."""
    found = _CSRF.search(page)
    assert found, f"no CSRF token on the page: {page[:300]}"
    return found.group(1)


def sign_in(
    client: httpx.Client, api: Api, role: str = "responder", next: str = "/incidents"
) -> httpx.Response:
    """Sign ``client`` in on the web pages as the test user of ``role``, as a browser does
    (the sign-in form and its CSRF token); its later form posts carry the session's CSRF
    token in the ``X-CSRF-Token`` header. The answer to the sign-in (a 303)."""
    form = client.get(f"{api.url}/login")
    data = {"email": user_email(role), "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    response = client.post(f"{api.url}/login", data={**data, "next": next}, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    client.headers["X-CSRF-Token"] = csrf_of(client.get(f"{api.url}/account").text)
    return response


def session_cookie(api: Api, role: str = "viewer") -> str:
    """A signed-in session's cookie value (``tocsin_session``) for the test user of ``role``."""
    with httpx.Client(timeout=30) as client:
        sign_in(client, api, role)
        return str(client.cookies["tocsin_session"])


def _with_tokens(backend: str, url: str, db: Database, settings: Settings, app: FastAPI) -> Api:
    _with_users(db)
    tokens = {
        role.value: access_service.create_token(
            db, name=f"test-{role.value}", role=role, created_by="tests"
        ).token
        for role in AccessRole
    }

    def client(role: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        return httpx.Client(base_url=url, headers=headers, timeout=30)

    return Api(
        backend=backend,
        url=url,
        db=db,
        settings=settings,
        admin=client("admin"),
        responder=client("responder"),
        viewer=client("viewer"),
        tokens=tokens,
        tocsin=app.state.tocsin,
        app=app,
    )


@pytest.fixture(scope="session")
def api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    settings = settings_for(database_url, tmp_path_factory.mktemp("keys"))
    db = Database(settings.database_url)
    migrate(db)
    with serving(settings, db) as running:
        yield running
    db.dispose()


def use_cli(api: Api, monkeypatch: pytest.MonkeyPatch, role: str) -> Api:
    """Point the `tocsin` CLI at the test server with a token of ``role``."""
    monkeypatch.setenv("TOCSIN_URL", api.url)
    monkeypatch.setenv("TOCSIN_TOKEN", api.tokens[role])
    monkeypatch.setenv("TOCSIN_CONFIG", os.devnull)  # never the developer's own contexts
    monkeypatch.delenv("TOCSIN_CONTEXT", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    return api


def run_cli(*args: str, exit_code: int = 0) -> str:
    """Run `tocsin ARGS...` in-process; fail the test on an unexpected exit code."""
    from typer.testing import CliRunner

    from tocsin.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == exit_code, result.output
    return result.output
