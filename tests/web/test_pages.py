"""The first web pages over HTTP: sign in, list, declare, work an incident."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape

import httpx

from tests.conftest import Api, csrf_of, sign_in, user_email


@contextmanager
def signed_in(api: Api, role: str = "responder") -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=30, follow_redirects=True) as client:
        sign_in(client, api, role)
        yield client


def test_pages_need_sign_in(api: Api) -> None:
    with api.anonymous() as client:
        response = client.get("/incidents/1")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/incidents/1"
        form = client.get("/login")
        wrong = {
            "email": user_email("viewer"),
            "password": "wrong",
            "csrf_token": csrf_of(form.text),
        }
        bad = client.post("/login", data=wrong)
        assert bad.status_code == 401
        assert "the email address or the password is wrong" in bad.text


def test_login_never_redirects_off_site(api: Api) -> None:
    with api.anonymous() as client:
        response = sign_in(client, api, "viewer", next="//evil")
        assert response.headers["location"] == "/incidents"


def test_the_declare_form_says_what_each_severity_means(api: Api) -> None:
    with signed_in(api) as client:
        page = client.get("/incidents")
    assert page.status_code == 200
    options = re.findall(r'<option value="(SEV\d)">([^<]*)</option>', page.text)
    assert options == [
        (s.value, escape(f"{s.value} ({p.alias}) — {p.name}: {p.definition}"))
        for s, p in api.settings.policies.items()
    ]


def test_declare_and_work_an_incident_from_the_page(api: Api) -> None:
    with signed_in(api) as client:
        page = client.post(
            "/incidents",
            data={"title": "Search is slow", "severity": "SEV3", "services": "search, api"},
        )
        assert page.status_code == 200
        match = re.search(r"/incidents/(\d+)$", str(page.url))
        assert match, page.url
        iid = match.group(1)
        assert "Search is slow" in page.text
        assert "api, search" in page.text
        page = client.post(f"/incidents/{iid}/status", data={"status": "acknowledged"})
        assert 'id="status">acknowledged' in page.text
        page = client.post(f"/incidents/{iid}/notes", data={"body": "p99 at 4s"})
        assert "Note: p99 at 4s" in page.text
        page = client.post(
            f"/incidents/{iid}/updates",
            data={"status": "Scaling up", "impact": "slow search", "actions": "adding nodes"},
        )
        assert "Update — status: Scaling up" in page.text
        page = client.post(f"/incidents/{iid}/status", data={"status": "closed"})
        assert "cannot move from acknowledged to closed" in page.text
        listing = client.get("/incidents", params={"service": "search"})
        assert f"INC-{iid}" in listing.text


def test_bad_form_input_is_shown_not_a_500(api: Api) -> None:
    with signed_in(api) as client:
        page = client.post("/incidents", data={"title": "", "severity": "SEV3"})
        assert page.status_code == 200
        assert "title" in page.text and 'role="alert"' in page.text
        page = client.post("/incidents", data={"title": "x", "severity": "SEV8"})
        assert "unknown severity" in page.text


def test_viewer_sees_no_forms_and_cannot_post(api: Api) -> None:
    with signed_in(api, "viewer") as client:
        listing = client.get("/incidents")
        assert "Declare an incident" not in listing.text
        refused = client.post("/incidents", data={"title": "x", "severity": "SEV3"})
        assert "viewers cannot change incidents" in refused.text


def test_missing_incident_page_is_404(api: Api) -> None:
    with signed_in(api) as client:
        assert client.get("/incidents/999999").status_code == 404


def test_api_docs_are_served_without_a_cdn(api: Api) -> None:
    with api.anonymous() as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "/static/swagger/swagger-ui-bundle.js" in page.text
        assert "cdn" not in page.text.lower()
        assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
        assert client.get("/openapi.json").json()["info"]["title"] == "Tocsin"
