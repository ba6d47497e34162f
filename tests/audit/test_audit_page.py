"""The audit log page: entries filtered and paged as the API does, and its CSV; admins only."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime

import pytest

from tests.builders import ok, unique
from tests.conftest import Api
from tests.console import Browser, shown_error


def _rows(page: str) -> str:
    return html.unescape(page.split('id="audit"', 1)[1].split("</table>", 1)[0])


def test_the_page_shows_who_what_before_after_when_and_from_where(api: Api) -> None:
    name = unique("svc")
    ok(api.admin.post("/api/v1/services", json={"name": name, "description": "old"}), 201)
    ok(api.admin.patch(f"/api/v1/services/{name}", json={"description": "new"}))
    with Browser(api, "admin") as browser:
        page = browser.get("/audit", kind="service", object=name)
    rows = _rows(page.text)
    assert rows.count("<tr>") == 3  # the header, the update, the create
    update = rows.split("<tr>")[2]
    assert "token:test-admin" in update and "(api)" in update
    assert '<span class="badge">update</span> service ' + name in update
    assert '<code>description</code>: <code>"old"</code> → <code>"new"</code>' in update
    assert "127.0.0.1" in update and f"PATCH /api/v1/services/{name}" in update


def test_the_filters_and_the_cursor_are_the_apis(api: Api) -> None:
    since = datetime.now(UTC).isoformat()  # after every earlier test's entries
    prefix = unique("page")
    for n in range(53):
        ok(api.admin.post("/api/v1/services", json={"name": f"{prefix}-{n}"}), 201)
    with Browser(api, "admin") as browser:
        first = browser.get("/audit", kind="service", action="create", since=since)
        assert _rows(first.text).count("<tr>") == 51
        link = re.search(r'<a href="(/audit\?[^"]+)">Older entries', first.text)
        assert link
        second = browser.get(html.unescape(link.group(1)))
        rows = _rows(second.text)
        assert rows.count("<tr>") == 4 and f"{prefix}-0" in rows
        assert f"{prefix}-52" not in rows
        download = re.search(r'<a href="(/audit\.csv[^"]*)" id="download-csv"', first.text)
        assert download
        exported = browser.get(html.unescape(download.group(1)))
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(lines) == 53 and {line["action"] for line in lines} == {"create"}
    api_csv = api.admin.get(
        "/api/v1/audit.csv", params={"kind": "service", "action": "create", "since": since}
    )
    assert exported.text == api_csv.text


def test_bad_filters_are_shown_naming_the_field_never_a_500(api: Api) -> None:
    with Browser(api, "admin") as browser:
        cases = {
            "action": {"action": "explode"},
            "since": {"since": "yesterday"},
            "until": {"since": "2026-01-02T00:00", "until": "2026-01-01T00:00"},
            "cursor": {"cursor": "abc"},
        }
        for field, params in cases.items():
            page = browser.get("/audit", **params)
            assert page.status_code == 200
            assert shown_error(page).startswith(f"{field}:"), (field, shown_error(page))
        refused = browser.get("/audit.csv", action="explode")
        assert refused.status_code == 422 and "action:" in refused.text


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_only_admins_read_the_log_as_in_the_api(api: Api, role: str) -> None:
    with Browser(api, role) as browser:
        page = browser.get("/audit")
        assert page.status_code == 403 and "needs the admin role" in page.text
        assert browser.get("/audit.csv").status_code == 403
    with api.anonymous() as client:
        response = client.get("/audit")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/audit"
