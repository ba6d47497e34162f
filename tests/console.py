"""A signed-in browser for the console's page tests: a session cookie
(``tests.conftest.session_cookie``) and the session's CSRF token, which form posts carry in
their ``csrf_token`` field as a browser's forms do."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from tests.conftest import Api, csrf_of, session_cookie
from tocsin.access.sessions import COOKIE


class Browser:
    """One signed-in user of ``role``; redirects are followed, as a browser does."""

    def __init__(self, api: Api, role: str) -> None:
        self.client = httpx.Client(base_url=api.url, timeout=30, follow_redirects=True)
        self.client.cookies.set(COOKIE, session_cookie(api, role))
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
