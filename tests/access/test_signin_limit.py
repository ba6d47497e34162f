"""The sign-in form's per-client-address rate limit: the attempt after the last allowed one is
a 429 page with ``Retry-After``, whatever the password; another address is not held up; behind
a trusted proxy the client is the address it names."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import PASSWORD, Api, csrf_of, user_email

LIMIT = 3


@pytest.fixture
def limited(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setattr(api.settings, "signin_per_minute", LIMIT)  # the server's own settings
    api.tocsin.client_limits.clear()
    yield api
    api.tocsin.client_limits.clear()


def _from(api: Api, source: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=api.url, transport=transport, timeout=30)


def _try(
    browser: httpx.Client, password: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    token = csrf_of(browser.get("/login").text)
    data = {"email": user_email("viewer"), "password": password, "csrf_token": token}
    return browser.post("/login", data=data, headers=headers)


def test_the_attempt_after_the_limit_is_429_with_retry_after(limited: Api) -> None:
    with _from(limited, "127.0.0.1") as browser:
        tries = [_try(browser, f"wrong password {n}") for n in range(LIMIT)]
        assert [t.status_code for t in tries] == [401] * LIMIT
        over = _try(browser, "wrong password")
        assert over.status_code == 429
        assert 1 <= int(over.headers["Retry-After"]) <= 60
        assert over.headers["content-type"].startswith("text/html")
        assert "too many sign-in attempts from 127.0.0.1; try again in" in over.text
        # Every attempt counts, a right password too: the limit is no oracle for passwords.
        right = _try(browser, PASSWORD)
        assert right.status_code == 429 and "tocsin_session=" not in right.headers.get(
            "set-cookie", ""
        )


def test_another_address_is_not_limited(limited: Api) -> None:
    with _from(limited, "127.0.0.1") as first, _from(limited, "127.0.0.2") as second:
        for n in range(LIMIT + 1):
            _try(first, f"wrong password {n}")
        assert _try(first, "wrong password").status_code == 429
        signed_in = _try(second, PASSWORD)
        assert signed_in.status_code == 303
        assert "tocsin_session=" in signed_in.headers["set-cookie"]
        # A client behind a trusted proxy (loopback, by default) is its own address too.
        behind = {"X-Forwarded-For": "203.0.113.40"}
        assert _try(first, "wrong password", headers=behind).status_code == 401
