"""Sign-in with OpenID Connect, against a real provider (npm's oidc-provider on node): a
verified address of an existing user signs in as a password does; an unverified address, an
unknown or disabled user, a forged state, a replayed code, another nonce, a sign-in left too
long and a provider that is down are the sign-in page naming why, with no session; the
client secret is never logged. (The provider gives the address at its userinfo endpoint,
not in the ID token: that path is the one taken here.)"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from tests.access.oidc_peer import running_provider, through_provider
from tests.conftest import Api, TestClock, serving, user_email
from tests.peers import free_port
from tocsin.access import accounts, oidc
from tocsin.access.schemas import UserPatch
from tocsin.core.roles import AccessRole
from tocsin.db import Database

SECRET = f"client-secret-{uuid.uuid4().hex}"
ACCOUNTS: dict[str, dict[str, object]] = {
    "viewer": {"email": "Viewer@Users.Tocsin.Test", "email_verified": True},  # mixed case
    "unverified": {"email": user_email("responder"), "email_verified": False},
    "stranger": {"email": "stranger@example.test", "email_verified": True},
    "newcomer": {"email": "newcomer@example.test", "email_verified": True},
    "disabled": {"email": "disabled-oidc@example.test", "email_verified": True},
}


@pytest.fixture(scope="module")
def oidc_api(api: Api) -> Iterator[Api]:
    """A Tocsin of its own on the shared database, signing in with the provider."""
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/login/oidc/callback"
    with running_provider(redirect_uri=redirect, client_secret=SECRET, accounts=ACCOUNTS) as idp:
        settings = api.settings.model_copy(
            update={
                "port": port,
                "oidc_issuer": idp.issuer,
                "oidc_client_id": idp.client_id,
                "oidc_client_secret": SecretStr(SECRET),
                "oidc_name": "Test ID",
            }
        )
        db = Database(settings.database_url)  # a Database object of its own: its own assembly
        try:
            with serving(settings, db) as running:
                yield running
        finally:
            db.dispose()


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def sign_in_with(oidc_api: Api, browser: httpx.Client, login: str) -> httpx.Response:
    """The whole flow as ``login`` at the provider; Tocsin's answer to the callback."""
    back = through_provider(browser, f"{oidc_api.url}/login/oidc?next=/account", login)
    return browser.get(back.headers["location"])


def test_the_login_page_offers_the_provider(oidc_api: Api, api: Api) -> None:
    with httpx.Client(timeout=30) as anonymous:
        assert "Sign in with Test ID" in anonymous.get(f"{oidc_api.url}/login").text
        assert "Sign in with" not in anonymous.get(f"{api.url}/login").text  # not configured
        assert anonymous.get(f"{api.url}/login/oidc").status_code == 404


def test_a_verified_address_of_a_user_signs_in(oidc_api: Api, browser: httpx.Client) -> None:
    answer = sign_in_with(oidc_api, browser, "viewer")
    assert answer.status_code == 303 and answer.headers["location"] == "/account"
    assert "tocsin_session" in browser.cookies
    account = browser.get(f"{oidc_api.url}/account")
    assert account.status_code == 200 and user_email("viewer") in account.text
    entries = oidc_api.admin.get("/api/v1/audit", params={"action": "sign_in"}).json()["items"]
    newest = entries[0]
    assert newest["actor"] == user_email("viewer") and newest["via"] == "web"
    assert newest["route"] == "GET /login/oidc/callback"


def refused(answer: httpx.Response, browser: httpx.Client, status: int, says: str) -> None:
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"].startswith("text/html")
    assert says in answer.text
    assert "tocsin_session" not in browser.cookies


def test_an_unverified_address_is_refused(oidc_api: Api, browser: httpx.Client) -> None:
    answer = sign_in_with(oidc_api, browser, "unverified")
    refused(answer, browser, 403, "Test ID has not verified your mail address")


def test_an_unknown_user_is_refused(oidc_api: Api, browser: httpx.Client) -> None:
    answer = sign_in_with(oidc_api, browser, "stranger")
    refused(answer, browser, 403, "nobody has the address stranger@example.test here")


def test_a_disabled_user_is_refused(oidc_api: Api, browser: httpx.Client) -> None:
    user = accounts.create_user(
        oidc_api.db, email="disabled-oidc@example.test", role=AccessRole.ADMIN, created_by="t"
    )
    accounts.edit_user(oidc_api.db, user_id=user.id, patch=UserPatch(disabled=True))
    answer = sign_in_with(oidc_api, browser, "disabled")
    refused(answer, browser, 403, "the user disabled-oidc@example.test is disabled")


def test_an_unknown_user_is_created_when_allowed(
    oidc_api: Api, browser: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oidc_api.settings, "oidc_create_users", "viewer")
    answer = sign_in_with(oidc_api, browser, "newcomer")
    assert answer.status_code == 303 and "tocsin_session" in browser.cookies
    users = oidc_api.admin.get("/api/v1/users").json()
    created = next(u for u in users if u["email"] == "newcomer@example.test")
    assert created["role"] == "viewer" and created["has_password"] is False
    assert created["created_by"].startswith("oidc:http://127.0.0.1:")


def test_a_forged_state_is_refused(oidc_api: Api, browser: httpx.Client) -> None:
    back = through_provider(browser, f"{oidc_api.url}/login/oidc", "viewer")
    url = urlsplit(back.headers["location"])
    query = dict(parse_qsl(url.query)) | {"state": "forged"}
    answer = browser.get(url._replace(query=urlencode(query)).geturl())
    refused(answer, browser, 400, "the answer of Test ID is not for this sign-in")


def test_a_callback_in_another_browser_is_refused(oidc_api: Api, browser: httpx.Client) -> None:
    back = through_provider(browser, f"{oidc_api.url}/login/oidc", "viewer")
    with httpx.Client(timeout=30) as other:
        answer = other.get(back.headers["location"])
        refused(answer, other, 400, "expired or began in another browser")


def test_a_replayed_code_is_refused(oidc_api: Api, browser: httpx.Client) -> None:
    back = through_provider(browser, f"{oidc_api.url}/login/oidc", "viewer")
    pending = browser.cookies["tocsin_oidc"]
    assert browser.get(back.headers["location"]).status_code == 303
    with httpx.Client(timeout=30) as thief:  # the same callback, cookie and all, again
        thief.cookies.set("tocsin_oidc", pending, path="/login/oidc")
        answer = thief.get(back.headers["location"])
        refused(answer, thief, 502, "Test ID refused the sign-in (invalid_grant)")


def test_an_id_token_for_another_nonce_is_refused(oidc_api: Api, browser: httpx.Client) -> None:
    """The browser's pending sign-in is re-sealed (with the server's key) with another nonce:
    the provider's real ID token then carries a nonce that is not this sign-in's."""
    back = through_provider(browser, f"{oidc_api.url}/login/oidc", "viewer")
    pending = oidc.unseal(oidc_api.settings, browser.cookies["tocsin_oidc"])
    other = oidc.seal(oidc_api.settings, replace(pending, nonce="another-nonce"))
    browser.cookies.set("tocsin_oidc", other, path="/login/oidc")
    answer = browser.get(back.headers["location"])
    refused(answer, browser, 502, "Test ID sent an answer that is not valid")


def test_a_sign_in_left_too_long_is_refused(
    oidc_api: Api, browser: httpx.Client, clock: TestClock
) -> None:
    back = through_provider(browser, f"{oidc_api.url}/login/oidc", "viewer")
    clock.advance(oidc.PENDING_FOR + timedelta(seconds=1))
    answer = browser.get(back.headers["location"])
    refused(answer, browser, 400, "the sign-in with Test ID expired")


def test_a_provider_that_is_down_is_a_clear_page(
    oidc_api: Api, browser: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setattr(oidc_api.settings, "oidc_issuer", nobody)
    answer = browser.get(f"{oidc_api.url}/login/oidc")
    refused(answer, browser, 502, f"Test ID ({nobody}) did not answer")


def test_the_client_secret_is_never_logged(
    oidc_api: Api, browser: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert sign_in_with(oidc_api, browser, "viewer").status_code == 303
        sign_in_with(oidc_api, browser, "stranger")
        back = through_provider(browser, f"{oidc_api.url}/login/oidc", "viewer")
        browser.get(back.headers["location"] + "&state=forged")
    assert caplog.records  # something was logged: the check below is not vacuous
    assert SECRET not in caplog.text
    assert SECRET not in repr(oidc_api.settings)
