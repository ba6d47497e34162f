"""A form posted from another site is refused (403 naming why), public forms included."""

from __future__ import annotations

import httpx

from tests.conftest import PASSWORD, Api, csrf_of, user_email


def test_a_form_from_another_site_is_refused(api: Api) -> None:
    with httpx.Client(base_url=api.url, timeout=30) as client:
        data = {"email": user_email("viewer"), "password": PASSWORD}
        data["csrf_token"] = csrf_of(client.get("/login").text)
        forged = client.post("/login", data=data, headers={"Origin": "https://evil.example"})
        assert forged.status_code == 403
        assert "posted from another site (https://evil.example)" in forged.text
        marked = client.post("/login", data=data, headers={"Sec-Fetch-Site": "cross-site"})
        assert marked.status_code == 403 and "from another site" in marked.text
        public = client.post(
            "/report/any-page", data={"text": "x"}, headers={"Origin": "https://evil.example"}
        )
        assert public.status_code == 403
        own = client.post("/login", data=data, headers={"Origin": api.url})
        assert own.status_code == 303


def test_the_api_is_not_a_form(api: Api) -> None:
    answer = api.responder.post(
        "/api/v1/incidents",
        json={"title": "From a script", "severity": "SEV4"},
        headers={"Origin": "https://dashboard.example"},
    )
    assert answer.status_code == 201, answer.text
