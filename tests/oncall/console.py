"""Browsing the on-call console as a signed-in user: a client with the session cookie, and
form posts that carry the page's CSRF token the way the forms do."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import PASSWORD, Api, csrf_of, session_cookie


class Browser:
    """Signed in as the test user of ``role``, or as the user of ``email`` (its password
    :data:`PASSWORD`)."""

    def __init__(self, api: Api, role: str = "viewer", *, email: str | None = None) -> None:
        self.client = httpx.Client(base_url=api.url, timeout=30)
        if email is None:
            self.client.cookies.set("tocsin_session", session_cookie(api, role))
        else:
            form = {
                "email": email,
                "password": PASSWORD,
                "csrf_token": csrf_of(self.page("/login")),
            }
            assert self.client.post("/login", data=form).status_code == 303
        self.token = csrf_of(self.page("/account"))

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def page(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, response.text[:1000]
        return response.text

    def submit(self, path: str, data: Any = None, *, csrf: bool = True) -> httpx.Response:
        """Post a form (``data``: a dict, or a list of pairs for repeated fields)."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            pairs.append(("csrf_token", self.token))
        fields: dict[str, list[str]] = {}
        for name, value in pairs:
            fields.setdefault(name, []).append(value)
        return self.client.post(path, data=fields, follow_redirects=False)

    def close(self) -> None:
        self.client.close()


def redirected_to(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text[:1000]
    return response.headers["location"]


def refusal_of(response: httpx.Response) -> str:
    """The ``?error=`` a refused form action comes back with."""
    query = parse_qs(urlsplit(redirected_to(response)).query)
    assert "error" in query, f"no refusal: {response.headers['location']}"
    return query["error"][0]


def main_of(page: str) -> str:
    """The page's <main> and after (its header, with the sign-out form, left out)."""
    return page.split("<main", 1)[1]


def forms_posting_to(page: str, path: str) -> list[str]:
    return re.findall(rf'<form[^>]*action="{re.escape(path)}"[^>]*>', page)
