"""Users on the web pages: sign in and out, sessions, CSRF, cookie flags, password change,
tokens capped at their user's role, and timeline entries that name the person."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import pytest

from tests.builders import timeline
from tests.conftest import PASSWORD, Api, TestClock, csrf_of, sign_in, user_email
from tocsin.access import accounts
from tocsin.core.roles import AccessRole


def new_user(api: Api, role: AccessRole = AccessRole.RESPONDER, **more: int) -> str:
    email = f"u-{uuid.uuid4().hex[:10]}@example.test"
    accounts.create_user(
        api.db,
        email=email,
        role=role,
        password=PASSWORD,
        created_by="tests",
        person_name=api.tocsin.access.person_name,
        **more,
    )
    return email


def browser(api: Api) -> httpx.Client:
    return httpx.Client(base_url=api.url, timeout=30)


def log_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/login", data=data)


def test_sign_in_sets_a_session_cookie_that_only_the_server_reads(api: Api) -> None:
    with browser(api) as client:
        form = client.get("/login")
        pre = form.headers["set-cookie"]
        assert "tocsin_csrf=" in pre and "HttpOnly" in pre and "SameSite=lax" in pre
        answer = log_in(client, user_email("viewer"))
        assert answer.status_code == 303 and answer.headers["location"] == "/incidents"
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("tocsin_session=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain HTTP, cookie_secure unset
        raw = client.cookies["tocsin_session"]
        assert raw not in str(api.tokens.values())
        page = client.get("/incidents")
        assert page.status_code == 200 and user_email("viewer") in page.text


def test_the_cookies_are_secure_over_https(api: Api) -> None:
    """Behind a TLS proxy on this host (uvicorn trusts its X-Forwarded-Proto)."""
    https = {"X-Forwarded-Proto": "https"}
    with browser(api) as client:
        form = client.get("/login", headers=https)
        pre = form.headers["set-cookie"]
        assert "Secure" in pre
        seed = re.search(r"tocsin_csrf=([^;]+)", pre)
        assert seed
        data = {
            "email": user_email("viewer"),
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
        }
        cookie = {"cookie": f"tocsin_csrf={seed.group(1)}"}  # the jar keeps Secure ones for https
        answer = client.post("/login", data=data, headers={**https, **cookie})
        assert answer.status_code == 303
        assert "Secure" in answer.headers["set-cookie"]
        assert "HttpOnly" in answer.headers["set-cookie"]


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(api: Api) -> None:
    with browser(api) as client:
        wrong = log_in(client, user_email("viewer"), "not the password")
        unknown = log_in(client, "nobody@example.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    message = "the email address or the password is wrong"
    assert message in wrong.text and message in unknown.text
    assert "tocsin_session" not in wrong.headers.get("set-cookie", "")


def test_sign_out_ends_the_session_on_the_server(api: Api) -> None:
    with browser(api) as client:
        sign_in(client, api, "viewer")
        raw = client.cookies["tocsin_session"]
        out = client.post("/logout", data={"csrf_token": client.headers["X-CSRF-Token"]})
        assert out.status_code == 303 and out.headers["location"].startswith("/login")
    with browser(api) as replay:  # the old cookie, kept by someone, no longer works
        replay.cookies.set("tocsin_session", raw)
        assert replay.get("/incidents").status_code == 303


def test_a_form_post_without_or_with_a_wrong_csrf_token_is_refused(api: Api) -> None:
    with browser(api) as client:
        sign_in(client, api, "responder")
        token = client.headers.pop("X-CSRF-Token")
        data = {"title": "Forged", "severity": "SEV3"}
        missing = client.post("/incidents", data=data)
        assert missing.status_code == 403
        assert "CSRF check failed: the form carries no CSRF token" in missing.text
        forged = client.post("/incidents", data={**data, "csrf_token": "0" * 64})
        assert forged.status_code == 403
        assert "does not belong to this browser session" in forged.text
        logout = client.post("/logout")
        assert logout.status_code == 403
        # the token the page writes into its forms is the right one
        listing = client.get("/incidents")
        assert csrf_of(listing.text) == token
        assert listing.text.count('name="csrf_token"') >= 2  # declare form and sign out
        made = client.post("/incidents", data={**data, "csrf_token": token})
        assert made.status_code == 303


def test_the_sign_in_form_needs_its_csrf_token(api: Api) -> None:
    with browser(api) as client:
        data = {"email": user_email("viewer"), "password": PASSWORD}
        refused = client.post("/login", data=data)
        assert refused.status_code == 403 and "CSRF" in refused.text
        client.get("/login")  # a pre-session cookie, but not its token
        forged = client.post("/login", data={**data, "csrf_token": "f" * 64})
        assert forged.status_code == 403


def test_a_session_ends_after_its_idle_timeout_and_its_lifetime(api: Api, clock: TestClock) -> None:
    settings = api.tocsin.settings
    with browser(api) as client:
        sign_in(client, api, "viewer")
        clock.advance(timedelta(minutes=settings.session_idle_minutes - 5))
        assert client.get("/incidents").status_code == 200
        clock.advance(timedelta(minutes=settings.session_idle_minutes + 1))
        assert client.get("/incidents").status_code == 303
    with browser(api) as client:
        sign_in(client, api, "viewer")
        step = timedelta(minutes=settings.session_idle_minutes / 2)
        end = clock.now() + timedelta(hours=settings.session_lifetime_hours)
        while clock.now() + step < end:  # kept busy, it still ends at its lifetime
            clock.advance(step)
            assert client.get("/incidents").status_code == 200
        clock.advance(step)
        assert client.get("/incidents").status_code == 303


def test_changing_the_password_ends_the_other_sessions(api: Api) -> None:
    email = new_user(api)
    with browser(api) as here, browser(api) as elsewhere:
        for client in (here, elsewhere):
            assert log_in(client, email).status_code == 303
        token = csrf_of(here.get("/account").text)
        wrong = here.post(
            "/account/password",
            data={"current_password": "nope", "new_password": "x" * 12, "csrf_token": token},
        )
        assert wrong.status_code == 400 and "that is not your password" in wrong.text
        changed = here.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": "a new long one",
                "csrf_token": token,
            },
        )
        assert changed.status_code == 303
        assert "Your other sessions have ended" in here.get(changed.headers["location"]).text
        assert here.get("/incidents").status_code == 200
        assert elsewhere.get("/incidents").status_code == 303
    with browser(api) as client:
        assert log_in(client, email).status_code == 401
        assert log_in(client, email, "a new long one").status_code == 303


def test_a_token_carries_at_most_its_users_role(api: Api) -> None:
    from tocsin.access import service

    email = new_user(api, AccessRole.ADMIN)
    owner = accounts.user_id_by_email(api.db, email=email)
    admin_token = service.create_token(
        api.db, name="mine", role=AccessRole.ADMIN, created_by="tests", user_id=owner
    ).token
    client = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {admin_token}"})
    made = client.post("/api/v1/tokens", json={"name": "ci", "role": "responder"})
    assert made.status_code == 201, made.text
    assert made.json()["user_id"] == owner
    # the user is demoted: their tokens follow at once (on their next check)
    responder_email = new_user(api, AccessRole.RESPONDER)
    responder = accounts.user_id_by_email(api.db, email=responder_email)
    too_much = httpx.post(
        f"{api.url}/api/v1/tokens",
        json={"name": "x", "role": "admin"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert too_much.status_code == 201  # an admin's own token may be admin
    try:
        service.create_token(
            api.db, name="up", role=AccessRole.ADMIN, created_by="tests", user_id=responder
        )
    except Exception as exc:
        assert getattr(exc, "status", None) == 403
        assert "at most its user's role (responder)" in str(exc)
    else:
        raise AssertionError("a responder's token cannot be admin")
    capped = service.create_token(
        api.db, name="r", role=AccessRole.RESPONDER, created_by="tests", user_id=responder
    ).token
    me = httpx.get(f"{api.url}/api/v1/users/me", headers={"Authorization": f"Bearer {capped}"})
    assert me.json()["role"] == "responder" and me.json()["user_id"] == responder
    with api.db.transaction() as session:  # demoted to viewer
        from sqlalchemy import update

        from tocsin.access.tables import User

        session.execute(update(User).where(User.id == responder).values(role="viewer"))
    fresh = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {capped}"})
    api.tocsin.tokens.forget(me.json()["token_id"])
    refused = fresh.post("/api/v1/incidents", json={"title": "x", "severity": "SEV3"})
    assert refused.status_code == 403 and "has viewer" in refused.text


def test_actions_on_the_pages_name_the_users_person(api: Api) -> None:
    person = api.admin.post(
        "/api/v1/people", json={"name": "Ana Lima", "handle": f"ana-{uuid.uuid4().hex[:6]}"}
    )
    assert person.status_code == 201, person.text
    email = new_user(api, person_id=person.json()["id"])
    with httpx.Client(base_url=api.url, timeout=30, follow_redirects=True) as client:
        assert log_in(client, email).status_code == 200
        page = client.get("/incidents")
        assert "Ana Lima (responder)" in page.text
        token = csrf_of(page.text)
        made = client.post(
            "/incidents", data={"title": "Named", "severity": "SEV4", "csrf_token": token}
        )
        match = re.search(r"/incidents/(\d+)$", str(made.url))
        assert match, made.url
    events = timeline(api, int(match.group(1)))
    assert events and all(event["actor"] == "Ana Lima" for event in events)
    assert api.viewer.get(f"/api/v1/incidents/{match.group(1)}").json()["created_by"] == "Ana Lima"


def test_an_admin_demotes_and_disables_a_user(api: Api) -> None:
    from tocsin.access import service

    email = new_user(api, AccessRole.RESPONDER)
    user_id = accounts.user_id_by_email(api.db, email=email)
    token = service.create_token(
        api.db, name="own", role=AccessRole.RESPONDER, created_by="tests", user_id=user_id
    ).token
    bearer = {"Authorization": f"Bearer {token}"}
    incident = {"title": "x", "severity": "SEV4"}
    assert (
        httpx.post(f"{api.url}/api/v1/incidents", json=incident, headers=bearer).status_code == 201
    )
    demoted = api.admin.patch(f"/api/v1/users/{user_id}", json={"role": "viewer"})
    assert demoted.status_code == 200 and demoted.json()["role"] == "viewer"
    refused = httpx.post(f"{api.url}/api/v1/incidents", json=incident, headers=bearer)
    assert refused.status_code == 403 and "has viewer" in refused.text
    with browser(api) as client:
        assert log_in(client, email).status_code == 303
        assert api.admin.patch(f"/api/v1/users/{user_id}", json={"disabled": True}).is_success
        assert client.get("/incidents").status_code == 303  # the session ended
        assert log_in(client, email).status_code == 401
    gone = httpx.get(f"{api.url}/api/v1/users/me", headers=bearer)
    assert gone.status_code == 401
    bad = api.admin.patch(f"/api/v1/users/{user_id}", json={"person_id": 999_999})
    assert bad.status_code == 422 and "no person with id 999999" in bad.text
    assert (
        api.responder.patch(f"/api/v1/users/{user_id}", json={"disabled": False}).status_code == 403
    )


def test_guessing_a_password_is_rate_limited_per_address(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = new_user(api)
    monkeypatch.setattr(api.tocsin.settings, "signin_address_per_minute", 3)
    try:
        with browser(api) as client:
            answers = [log_in(client, email, f"guess {n}").status_code for n in range(3)]
            assert answers == [401, 401, 401]
            limited = log_in(client, email)  # even the right password, for now
            assert limited.status_code == 429
            assert f"too many sign-in attempts for {email}" in limited.text
            other = log_in(client, user_email("viewer"))  # other addresses are not held up
            assert other.status_code == 303
    finally:
        api.tocsin.client_limits.clear()
