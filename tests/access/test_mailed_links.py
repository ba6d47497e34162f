"""Password reset and invitation, end to end: the link arrives by mail (a real SMTP server,
aiosmtpd), works once, before it expires, and sets the password."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import (
    BACKENDS,
    PASSWORD,
    Api,
    TestClock,
    csrf_of,
    serving,
    settings_for,
    sign_in,
    throwaway_postgres,
)
from tests.peers import Mailbox, SmtpServer, free_port
from tocsin.access import accounts
from tocsin.core.roles import AccessRole
from tocsin.db import Database
from tocsin.schema import migrate


@pytest.fixture(scope="module")
def mailbox() -> Iterator[SmtpServer]:
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, box)
    finally:
        controller.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def mailing(
    request: pytest.FixtureRequest, mailbox: SmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """A Tocsin of its own whose mail goes to ``mailbox``."""
    folder = Path(tmp_path_factory.mktemp("mailing"))
    with throwaway_postgres() if request.param == "postgresql" else _Sqlite(folder) as url:
        settings = settings_for(url, folder).model_copy(
            update={"smtp_host": mailbox.host, "smtp_port": mailbox.port}
        )
        db = Database(url)
        migrate(db)
        with serving(settings, db) as running:
            yield running
        db.dispose()


class _Sqlite:
    def __init__(self, folder: Path) -> None:
        self.url = f"sqlite:///{folder / 'tocsin.db'}"

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *_: object) -> None:
        return None


def link_in_mail(box: Mailbox, to: str, path: str) -> str:
    """The link to ``path`` in the newest mail to ``to``, once it has arrived."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for mail in reversed(box.received):
            if to in mail.rcpt_tos:
                body = mail.message.get_body(("plain",))
                assert body is not None
                found = re.search(rf"http://\S+({path}/[\w-]+)", body.get_content())
                assert found, body.get_content()
                return found.group(1)
        time.sleep(0.05)  # waits for a condition (the mail), not for a time
    raise AssertionError(f"no mail to {to}")


def set_password(client: httpx.Client, link: str, password: str) -> httpx.Response:
    form = client.get(link)
    assert form.status_code == 200, form.text[:300]
    return client.post(link, data={"password": password, "csrf_token": csrf_of(form.text)})


def request_reset(client: httpx.Client, email: str) -> httpx.Response:
    form = client.get("/reset")
    return client.post("/reset", data={"email": email, "csrf_token": csrf_of(form.text)})


def test_reset_by_mail_end_to_end(mailing: Api, mailbox: SmtpServer, clock: TestClock) -> None:
    email = f"r-{uuid.uuid4().hex[:8]}@example.test"
    accounts.create_user(
        mailing.db, email=email, role=AccessRole.VIEWER, password=PASSWORD, created_by="tests"
    )
    with (
        httpx.Client(base_url=mailing.url, timeout=30) as old,
        httpx.Client(base_url=mailing.url, timeout=30) as client,
    ):
        token = csrf_of(old.get("/login").text)
        old.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert old.get("/incidents").status_code == 200
        asked = request_reset(client, email)
        unknown = request_reset(client, "nobody-" + email)
        assert asked.status_code == unknown.status_code == 200
        assert asked.text == unknown.text  # no telling which addresses have accounts
        link = link_in_mail(mailbox.mailbox, email, "/reset")
        digest_only = link.rsplit("/", 1)[1]
        with mailing.db.reading() as session:
            from sqlalchemy import text

            stored = session.execute(text("SELECT digest FROM account_links")).scalars().all()
        assert digest_only not in stored  # only its SHA-256 digest is kept
        too_short = set_password(client, link, "short")
        assert too_short.status_code == 422 and "at least 10 characters" in too_short.text
        done = set_password(client, link, "a brand new password")
        assert done.status_code == 303 and done.headers["location"] == "/incidents"
        assert client.get("/incidents").status_code == 200  # signed in by the reset
        assert old.get("/incidents").status_code == 303  # the reset ended the old session
        again = client.get(link)
        assert again.status_code == 404 and "used already or expired" in again.text
    # an expired link does not work
    with httpx.Client(base_url=mailing.url, timeout=30) as client:
        request_reset(client, email)
        mailbox.mailbox.received.clear()
        request_reset(client, email)
        later = link_in_mail(mailbox.mailbox, email, "/reset")
        clock.advance(timedelta(minutes=mailing.settings.password_reset_minutes + 1))
        assert client.get(later).status_code == 404


def test_invitation_end_to_end(mailing: Api, mailbox: SmtpServer) -> None:
    email = f"i-{uuid.uuid4().hex[:8]}@example.test"
    with httpx.Client(base_url=mailing.url, timeout=30) as admin:
        sign_in(admin, mailing, "admin")
        page = admin.post("/users", data={"email": email, "role": "responder"})
        assert page.status_code == 200 and f"Invitation mailed to {email}" in page.text
    link = link_in_mail(mailbox.mailbox, email, "/invite")
    [user] = [u for u in accounts.list_users(mailing.db) if u.email == email]
    assert user.role == "responder" and not user.has_password
    with httpx.Client(base_url=mailing.url, timeout=30) as invitee:
        token = csrf_of(invitee.get("/login").text)
        before = {"email": email, "password": "chosen password", "csrf_token": token}
        assert invitee.post("/login", data=before).status_code == 401  # no password yet
        assert email in invitee.get(link).text
        done = set_password(invitee, link, "chosen password")
        assert done.status_code == 303
        account = invitee.get("/account")
        assert account.status_code == 200 and "responder" in account.text
        assert invitee.get(link).status_code == 404  # once only
    with httpx.Client(base_url=mailing.url, timeout=30) as again:
        token = csrf_of(again.get("/login").text)
        signed = again.post("/login", data={**before, "csrf_token": token})
        assert signed.status_code == 303


def test_the_api_invites_and_only_admins_may(mailing: Api, mailbox: SmtpServer) -> None:
    email = f"a-{uuid.uuid4().hex[:8]}@example.test"
    refused = mailing.responder.post("/api/v1/users", json={"email": email, "role": "viewer"})
    assert refused.status_code == 403
    made = mailing.admin.post("/api/v1/users", json={"email": email, "role": "viewer"})
    assert made.status_code == 201, made.text
    assert made.json()["mail_error"] is None and made.json()["has_password"] is False
    assert link_in_mail(mailbox.mailbox, email, "/invite").startswith("/invite/")
    twice = mailing.admin.post("/api/v1/users", json={"email": email.upper(), "role": "viewer"})
    assert twice.status_code == 409


def test_an_invited_user_who_lost_the_invitation_resets(mailing: Api, mailbox: SmtpServer) -> None:
    email = f"l-{uuid.uuid4().hex[:8]}@example.test"
    accounts.create_user(mailing.db, email=email, role=AccessRole.VIEWER, created_by="tests")
    with httpx.Client(base_url=mailing.url, timeout=30) as client:
        assert request_reset(client, email).status_code == 200
        link = link_in_mail(mailbox.mailbox, email, "/reset")
        assert set_password(client, link, "found my way in").status_code == 303
        assert client.get("/account").status_code == 200
