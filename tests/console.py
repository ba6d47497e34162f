"""A signed-in browser for the console's page tests: a session cookie
(``tests.conftest.session_cookie``) and the session's CSRF token, which form posts carry in
their ``csrf_token`` field as a browser's forms do."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from tests.conftest import PASSWORD, Api, csrf_of, session_cookie
from tocsin.access.sessions import COOKIE


class Browser:
    """The test user of ``role`` signed in, or the user of ``email`` (password
    ``PASSWORD``). Redirects are followed, as a browser does, unless ``follow_redirects``
    is False (then a form's answer is its 303: ``tests.oncall.console.redirected_to``)."""

    def __init__(
        self,
        api: Api,
        role: str = "viewer",
        *,
        email: str | None = None,
        follow_redirects: bool = True,
    ) -> None:
        self.client = httpx.Client(base_url=api.url, timeout=30, follow_redirects=follow_redirects)
        if email is None:
            self.client.cookies.set(COOKIE, session_cookie(api, role))
        else:
            form = {"email": email, "password": PASSWORD}
            form["csrf_token"] = csrf_of(self.client.get("/login").text)
            signed = self.client.post("/login", data=form, follow_redirects=False)
            assert signed.status_code == 303, signed.text[:500]
            assert not signed.headers["location"].startswith("/login"), signed.headers
        self.csrf = csrf_of(self.client.get("/account").text)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params or None)  # {} would drop the path's query

    def page(self, path: str) -> str:
        """The page's HTML; it must answer 200."""
        response = self.client.get(path)
        assert response.status_code == 200, response.text[:1000]
        return response.text

    def submit(self, action: str, data: Fields = None, /, **fields: str) -> httpx.Response:
        """Post a form the way the page's own form does (with its CSRF token): ``data`` (a
        dict, or a list of pairs for repeated fields) and ``fields``."""
        return self.client.post(action, data=_fields([*_pairs(data), *fields.items()], self.csrf))

    def forge(self, action: str, data: Fields = None, /, **fields: str) -> httpx.Response:
        """Post the form without the CSRF token, as another site would."""
        posted = _fields([*_pairs(data), *fields.items()], self.csrf)
        del posted["csrf_token"]
        return self.client.post(action, data=posted)


Fields = Mapping[str, str] | Iterable[tuple[str, str]] | None


def _pairs(data: Fields) -> list[tuple[str, str]]:
    if data is None:
        return []
    return list(data.items()) if isinstance(data, Mapping) else list(data)


def _fields(pairs: list[tuple[str, str]], csrf: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {"csrf_token": [csrf]}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return fields


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
