"""The server ``tocsin serve`` runs, over real sockets: HTTPS with its own certificate, and
``X-Forwarded-For``/``-Proto`` believed only from the trusted proxies.

The app is the real one, served by uvicorn with :func:`tocsin.web.server.uvicorn_options`
(what ``serve`` passes). An untrusted client is one connecting from 127.0.0.2: on Linux the
whole of 127.0.0.0/8 reaches a server listening on 127.0.0.1.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, csrf_of, settings_for
from tests.peers import certificate, uvicorn_thread
from tocsin.access import accounts
from tocsin.config import Settings
from tocsin.core.roles import AccessRole
from tocsin.db import Database
from tocsin.schema import migrate
from tocsin.web.app import create_app
from tocsin.web.server import uvicorn_options

UNTRUSTED = "127.0.0.2"


@contextmanager
def server(tmp_path: Path, **fields: Any) -> Iterator[tuple[str, str]]:
    """A Tocsin on SQLite served as ``serve`` serves it: (its URL, an admin's address, who
    signs in with :data:`tests.conftest.PASSWORD`)."""
    base = settings_for(f"sqlite:///{tmp_path / 'tocsin.db'}", tmp_path)
    settings = Settings(**{**base.model_dump(), "statuspage_subscribe_per_minute": 1, **fields})
    db = Database(settings.database_url)
    migrate(db)
    email = accounts.create_user(
        db, email="admin@server.test", role=AccessRole.ADMIN, password=PASSWORD, created_by="tests"
    ).email
    options = {**uvicorn_options(settings), "log_level": "warning"}
    del options["host"], options["port"]
    try:
        with uvicorn_thread(create_app(settings, db), settings.port, **options) as url:
            yield url, email
    finally:
        db.dispose()


def client(url: str, *, source: str = "127.0.0.1", ca: Path | None = None) -> httpx.Client:
    verify = ssl.create_default_context(cafile=ca) if ca else True
    transport = httpx.HTTPTransport(local_address=source, verify=verify)
    return httpx.Client(base_url=url, transport=transport, timeout=30)


def limited_address(http: httpx.Client, **headers: str) -> str:
    """The client address the subscribe rate limit (one a minute here) counts a request
    against, read from its 429 after two requests."""
    body = {"email": "someone@example.com"}
    for _ in range(2):
        answer = http.post("/api/v1/statuspage/pages/999999/subscribe", json=body, headers=headers)
    assert answer.status_code == 429, answer.text
    message: str = answer.json()["message"]
    return message.split(" from ", 1)[1].split(";", 1)[0]


def test_x_forwarded_for_is_believed_from_a_trusted_proxy_only(tmp_path: Path) -> None:
    with (
        server(tmp_path, trusted_proxies=["127.0.0.1"]) as (url, _),
        client(url) as proxy,
        client(url, source=UNTRUSTED) as stranger,
    ):
        assert limited_address(proxy, **{"X-Forwarded-For": "203.0.113.7"}) == "203.0.113.7"
        # The proxy appends the address it saw: the right-most untrusted one is the client
        # (what the client itself wrote to the left of it is not believed).
        chain = {"X-Forwarded-For": "198.51.100.1, 203.0.113.8"}
        assert limited_address(proxy, **chain) == "203.0.113.8"
        forged = {"X-Forwarded-For": "203.0.113.9"}
        assert limited_address(stranger, **forged) == UNTRUSTED


def test_no_trusted_proxies_believes_nobody(tmp_path: Path) -> None:
    with server(tmp_path, trusted_proxies=[]) as (url, _), client(url) as local:
        assert limited_address(local, **{"X-Forwarded-For": "203.0.113.7"}) == "127.0.0.1"


def _session_cookie(http: httpx.Client, email: str, **headers: str) -> str:
    # The form's pre-session cookie from a plain page (a Secure one would not come back).
    http.cookies.clear()
    token = csrf_of(http.get("/login").text)
    data = {"email": email, "password": PASSWORD, "csrf_token": token}
    answer = http.post("/login", data=data, headers=headers)
    assert answer.status_code == 303, answer.text
    return answer.headers["set-cookie"].lower()


def test_x_forwarded_proto_https_from_a_trusted_proxy_makes_the_session_cookie_secure(
    tmp_path: Path,
) -> None:
    https = {"X-Forwarded-Proto": "https"}
    with (
        server(tmp_path, trusted_proxies=["127.0.0.1"]) as (url, email),
        client(url) as proxy,
        client(url, source=UNTRUSTED) as stranger,
    ):
        assert "; secure" in _session_cookie(proxy, email, **https)
        assert "; secure" not in _session_cookie(proxy, email)
        assert "; secure" not in _session_cookie(stranger, email, **https)


def test_tls_answers_with_the_certificate_on_every_path(tmp_path: Path) -> None:
    ca, leaf, key = certificate("127.0.0.1", tmp_path)
    with server(tmp_path, tls_certfile=str(leaf), tls_keyfile=str(key)) as (url, email):
        assert url.startswith("https://")
        with client(url, ca=ca) as http:
            assert http.get("/healthz").status_code == 200
            status = http.get("/api/v2/status.json")  # the fast path, in the protocol
            assert status.status_code == 200 and "indicator" in status.json()["status"]
            assert http.post("/api/v1/statuspage/pages/1/subscribe", json={}).status_code == 422
            assert "; secure" in _session_cookie(http, email)  # the request's scheme is https
        with client(url) as http, pytest.raises(httpx.ConnectError):
            http.get("/healthz")  # a certificate nobody vouches for
        plain = url.replace("https://", "http://")
        with client(plain) as http, pytest.raises(httpx.TransportError):
            http.get("/healthz")  # no plain HTTP on that port


def test_links_are_https_with_a_certificate_and_proxies_must_be_addresses() -> None:
    assert Settings(port=8443, tls_certfile="cert.pem").base_url == "https://127.0.0.1:8443"
    assert Settings(port=8080).base_url == "http://127.0.0.1:8080"
    assert Settings(trusted_proxies=["10.0.4.7", "fd00::/8"]).trusted_proxies == [
        "10.0.4.7/32",
        "fd00::/8",
    ]
    with pytest.raises(ValueError, match="'nginx' is not an IP address or network"):
        Settings(trusted_proxies=["nginx"])
