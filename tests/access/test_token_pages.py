"""The API tokens page: make a token (shown once), use it, revoke it; admins only, as the
token API."""

from __future__ import annotations

import httpx
import pytest

from tests.builders import ok, unique
from tests.conftest import Api
from tests.console import Browser, shown_error, text_of


def _token(api: Api, name: str) -> dict[str, object]:
    """The first token of that name (other tests may make more of the fixture's names)."""
    named = [t for t in ok(api.admin.get("/api/v1/tokens")) if t["name"] == name]
    return min(named, key=lambda t: int(t["id"]))


def test_a_token_is_shown_once_works_and_is_revoked(api: Api) -> None:
    name = unique("ci-bot")
    with Browser(api, "admin") as browser:
        page = browser.submit("/tokens", name=name, role="responder")
        assert not shown_error(page)
        secret = text_of(page, "token-value")
        assert 'class="secret" id="token-value"' in page.text
        assert 'data-copy="#token-value"' in page.text
        assert page.headers["cache-control"] == "no-store"
        made = _token(api, name)
        assert made["role"] == "responder" and secret.startswith(str(made["prefix"]))
        headers = {"Authorization": f"Bearer {secret}"}
        used = httpx.get(f"{api.url}/api/v1/incidents", headers=headers)
        assert used.status_code == 200
        later = browser.get("/tokens")
        assert name in later.text and secret not in later.text
        assert f'action="/tokens/{made["id"]}/revoke" data-confirm=' in later.text
        page = browser.submit(f"/tokens/{made['id']}/revoke")
        assert f"Token {made['id']} revoked." in page.text
    assert _token(api, name)["revoked_at"] is not None
    assert httpx.get(f"{api.url}/api/v1/incidents", headers=headers).status_code == 401


def test_a_bad_field_is_shown_naming_it(api: Api) -> None:
    with Browser(api, "admin") as browser:
        page = browser.submit("/tokens", name=unique("x"), role="superuser")
        assert page.status_code == 200 and shown_error(page).startswith("role:")
        page = browser.submit("/tokens", name="", role="viewer")
        assert shown_error(page).startswith("name:")
        assert "999999" in shown_error(browser.submit("/tokens/999999/revoke"))


def test_the_forms_need_the_csrf_token(api: Api) -> None:
    name = unique("forged")
    with Browser(api, "admin") as browser:
        refused = browser.forge("/tokens", name=name, role="admin")
    assert refused.status_code == 403
    assert name not in [t["name"] for t in ok(api.admin.get("/api/v1/tokens"))]


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_only_admins_see_and_change_tokens_as_in_the_api(api: Api, role: str) -> None:
    name = unique("nope")
    with Browser(api, role) as browser:
        page = browser.get("/tokens")
        assert page.status_code == 403 and "needs the admin role" in page.text
        assert 'href="/tokens"' not in page.text and 'href="/audit"' not in page.text
        refused = browser.submit("/tokens", name=name, role="viewer")
        assert refused.status_code == 403 and "token-value" not in refused.text
        target = _token(api, "test-viewer")
        browser.submit(f"/tokens/{target['id']}/revoke")
    assert name not in [t["name"] for t in ok(api.admin.get("/api/v1/tokens"))]
    assert _token(api, "test-viewer")["revoked_at"] is None


def test_admins_see_the_nav_links(api: Api) -> None:
    with Browser(api, "admin") as browser:
        page = browser.get("/services")
    for link in ("/services", "/alerts", "/silences", "/tokens", "/audit"):
        assert f'<a href="{link}">' in page.text
