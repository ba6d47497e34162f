"""The public report form: no JavaScript, no token; errors named on the form, a honeypot,
and a rate limit per client address (each test's server has its own limit)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.builders import declare, ok, unique
from tests.conftest import Api
from tests.reports.conftest import form_server
from tests.reports.helpers import email, token
from tests.statuspage.helpers import component

EVIL = "<script>alert(1)</script>"


def post(api: Api, fields: dict[str, str], slug: str = "status") -> httpx.Response:
    with api.anonymous() as client:
        return client.post(f"/report/{slug}", data=fields)


def reports_named(api: Api, name: str) -> list[dict[str, Any]]:
    items = ok(api.viewer.get("/api/v1/reports", params={"limit": 200}))["items"]
    return [r for r in items if r["name"] == name]


def test_the_form_is_a_plain_html_form(form_api: Api) -> None:
    part = component(form_api, name=f"Checkout {EVIL}")
    with form_api.anonymous() as client:
        page = client.get("/report/status")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<form method="post" action="/report/status">' in html
    for name in ("name", "contact", "text", "started_at", "component_id", "website"):
        assert f'name="{name}"' in html
    assert "<script" not in html  # no JavaScript, and names are escaped
    assert f'<option value="{part["id"]}">Checkout &lt;script&gt;' in html
    with form_api.anonymous() as client:  # the status page links to it
        status_page = client.get("/status/")
    base = form_api.settings.base_url.rstrip("/")
    assert f'<a href="{base}/report/status">report it</a>' in status_page.text


def test_a_report_from_the_form_is_thanked_and_matched(form_api: Api) -> None:
    service = unique("svc")
    part = component(form_api, services=[service])
    iid = declare(form_api, title=f"Outage {token()}", services=[service])["id"]
    name = f"Form user {token()}"
    response = post(
        form_api,
        {"name": name, "contact": email(), "text": "It is broken", "component_id": str(part["id"])},
    )
    assert response.status_code == 200, response.text
    assert "Thank you" in response.text
    [stored] = reports_named(form_api, name)
    assert (stored["source"], stored["state"], stored["incident_id"]) == ("form", "attached", iid)


def test_bad_input_shows_the_form_again_with_the_problems_named(form_api: Api) -> None:
    name = f"{EVIL} {token()}"
    response = post(
        form_api, {"name": name, "contact": "nobody", "text": "", "started_at": "yesterday"}
    )
    assert response.status_code == 422
    html = response.text
    assert "E-mail address:" in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # the value kept, escaped
    assert 'name="name"' in html
    assert reports_named(form_api, name) == []

    response = post(
        form_api, {"name": "Ana", "contact": email(), "text": "x", "started_at": "soon"}
    )
    assert response.status_code == 422 and "Since when:" in response.text
    response = post(
        form_api, {"name": "Ana", "contact": email(), "text": "x", "component_id": "2000000000"}
    )
    assert response.status_code == 422 and "Part:" in response.text


def test_the_honeypot_is_thanked_and_dropped(form_api: Api) -> None:
    name = f"Bot {token()}"
    fields = {"name": name, "contact": email(), "text": "buy now", "website": "http://spam.test"}
    response = post(form_api, fields)
    assert response.status_code == 200 and "Thank you" in response.text
    assert reports_named(form_api, name) == []


def test_no_form_for_an_unknown_or_internal_page(form_api: Api) -> None:
    with form_api.anonymous() as client:
        missing = client.get(f"/report/{unique('nopage')}")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        slug = unique("internal")
        body = {"slug": slug, "name": "Staff", "visibility": "internal"}
        assert form_api.admin.post("/api/v1/statuspage/pages", json=body).status_code == 201
        assert client.get(f"/report/{slug}").status_code == 404


def test_posts_over_the_limit_are_refused_with_retry_after(api: Api, tmp_path: Path) -> None:
    with form_server(api, tmp_path, per_minute=2) as limited:
        fields = {"name": f"Ana {token()}", "contact": email(), "text": "broken"}
        assert post(limited, fields).status_code == 200
        assert post(limited, fields).status_code == 200
        refused = post(limited, fields)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "Too many reports" in refused.text
        assert len(reports_named(limited, fields["name"])) == 2
