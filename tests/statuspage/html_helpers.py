"""Shared steps of the HTML page, feed and export tests: a page of one's own, its
incidents, and the links of a served document."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from tests.conftest import Api
from tests.statuspage.helpers import BASE, created, unique


def new_page(api: Api, **fields: Any) -> dict[str, Any]:
    """A page of the test's own (so other tests' components never show on it)."""
    fields.setdefault("slug", unique("page"))
    fields.setdefault("name", f"Page {fields['slug']}")
    return created(api.admin.post(f"{BASE}/pages", json=fields))


def publish(api: Api, page_id: int, name: str, body: str, **fields: Any) -> dict[str, Any]:
    payload = {"page_id": page_id, "name": name, "body": body, **fields}
    return created(api.responder.post(f"{BASE}/incidents", json=payload))


def post_update(api: Api, public_id: int, status: str, body: str) -> dict[str, Any]:
    payload = {"status": status, "body": body}
    return created(api.responder.post(f"{BASE}/incidents/{public_id}/updates", json=payload))


def get(url: str, **kwargs: Any) -> httpx.Response:
    response = httpx.get(url, timeout=30, **kwargs)
    assert response.status_code == 200, (url, response.status_code, response.text[:500])
    return response


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)


def parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser


def links(html: str) -> list[str]:
    """Every ``href`` and ``src`` of a document, in order."""
    return parse(html).links


def crawl(start: str, client: httpx.Client | None = None) -> dict[str, httpx.Response]:
    """Every document reachable from ``start`` by relative links (same origin, under the
    start's folder), each fetched once; fails on a relative link that does not answer 200."""
    client = client or httpx.Client(timeout=30)
    root = start.rsplit("/", 1)[0] + "/"
    seen: dict[str, httpx.Response] = {}
    queue = [start]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        seen[url] = response
        if response.headers["content-type"].startswith("text/html"):
            for link in links(response.text):
                if urlsplit(link).scheme or link.startswith(("/", "#")):
                    continue  # absolute: the page's own settings (logo, home, links)
                target = urljoin(url, link).split("#")[0]
                assert target.startswith(root), (url, link)
                queue.append(target)
    return seen
