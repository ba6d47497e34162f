"""Browsing the on-call console as a signed-in user (``tests.console.Browser``), reading
each form's answer (a 303 and its ``?error=``) rather than following it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import Api
from tests.console import Browser


def signed_in(api: Api, role: str = "viewer", *, email: str | None = None) -> Browser:
    """A browser signed in as the test user of ``role`` (or of ``email``) that does not
    follow redirects: a form's answer is its 303, read with :func:`redirected_to`."""
    return Browser(api, role, email=email, follow_redirects=False)


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
