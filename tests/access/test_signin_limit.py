"""The sign-in form's per-address rate limit: the attempt after the last allowed one is a
429 page with ``Retry-After``, whatever the token; another address is not held up."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Api

LIMIT = 3


@pytest.fixture
def limited(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setattr(api.settings, "signin_per_minute", LIMIT)  # the server's own settings
    api.tocsin.client_limits["sign-in"].clear()
    yield api
    api.tocsin.client_limits["sign-in"].clear()


def _from(api: Api, source: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=api.url, transport=transport, timeout=30)


def test_the_attempt_after_the_limit_is_429_with_retry_after(limited: Api) -> None:
    with _from(limited, "127.0.0.1") as browser:
        tries = [browser.post("/login", data={"token": f"tcn_wrong{n}"}) for n in range(LIMIT)]
        assert [t.status_code for t in tries] == [401] * LIMIT
        over = browser.post("/login", data={"token": "tcn_wrong"})
        assert over.status_code == 429
        assert 1 <= int(over.headers["Retry-After"]) <= 60
        assert over.headers["content-type"].startswith("text/html")
        assert "too many sign-in attempts from 127.0.0.1; try again in" in over.text
        # Every attempt counts, a right token too: the limit is not an oracle for tokens.
        right = browser.post("/login", data={"token": limited.tokens["viewer"]})
        assert right.status_code == 429 and "set-cookie" not in right.headers


def test_another_address_is_not_limited(limited: Api) -> None:
    with _from(limited, "127.0.0.1") as first, _from(limited, "127.0.0.2") as second:
        for n in range(LIMIT + 1):
            first.post("/login", data={"token": f"tcn_wrong{n}"})
        assert first.post("/login", data={"token": "tcn_wrong"}).status_code == 429
        signed_in = second.post("/login", data={"token": limited.tokens["viewer"]})
        assert signed_in.status_code == 303 and "tocsin_token=" in signed_in.headers["set-cookie"]
        # A client behind a trusted proxy (loopback, by default) is its own address too.
        behind = {"X-Forwarded-For": "203.0.113.40"}
        assert first.post("/login", data={"token": "tcn_x"}, headers=behind).status_code == 401
