"""A signed-in browser for the console's page tests: a session cookie
(``tests.conftest.session_cookie``) and the session's CSRF token, which form posts carry in
their ``csrf_token`` field as a browser's forms do."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from tests.conftest import PASSWORD, Api, csrf_of, session_cookie
from tocsin.access.sessions import COOKIE


class Browser:
    """The test user of ``role`` signed in, or the user of ``email`` (password
    ``PASSWORD``); redirects are followed, as a browser does."""

    def __init__(self, api: Api, role: str = "viewer", *, email: str | None = None) -> None:
        self.client = httpx.Client(base_url=api.url, timeout=30, follow_redirects=True)
        if email is None:
            self.client.cookies.set(COOKIE, session_cookie(api, role))
        else:
            form = {"email": email, "password": PASSWORD}
            form["csrf_token"] = csrf_of(self.client.get("/login").text)
            assert "/login" not in str(self.client.post("/login", data=form).url)
        self.csrf = csrf_of(self.client.get("/account").text)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_: object) -> None:
        self.client.close()

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params or None)  # {} would drop the path's query

    def submit(self, action: str, **fields: str) -> httpx.Response:
        """Post a form the way the page's own form does (with its CSRF token)."""
        return self.client.post(action, data={"csrf_token": self.csrf, **fields})

    def forge(self, action: str, **fields: str) -> httpx.Response:
        """Post the form without the CSRF token, as another site would."""
        return self.client.post(action, data=fields)


def shown_error(page: httpx.Response) -> str:
    """The refusal a page shows (its ``role="alert"`` paragraph), unescaped; "" if none."""
    found = re.search(r'role="alert">(.*?)</', page.text, re.S)
    return html.unescape(found.group(1)) if found else ""


def text_of(page: httpx.Response, element_id: str) -> str:
    """The unescaped text inside the element with ``id`` (no nested tags)."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page.text, re.S)
    assert found, f"no #{element_id} on the page"
    return html.unescape(found.group(1))


def choices(page: str, select_id: str) -> list[str]:
    """The option values of the <select> with ``id`` on the page."""
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no select #{select_id} on the page"
    return re.findall(r'<option value="([^"]*)"', found.group(1))
