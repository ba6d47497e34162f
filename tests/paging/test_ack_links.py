"""Acknowledge links: opening one shows what it acknowledges; only the button's POST acks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.builders import declare, incident, ok, paged_service, paging, person, timeline
from tests.conftest import Api, TestClock
from tests.peers import SmtpServer
from tocsin.worker.loop import Worker


def paged_link(
    api: Api, worker: Worker, smtp_server: SmtpServer, name: str
) -> tuple[str, Any, int]:
    """Page ``name`` by mail for a new SEV2 incident; the link, the person and the incident."""
    someone = person(api, name, contacts={"email": f"{name}@example.test"})
    iid = declare(api, services=[paged_service(api, [someone["id"]])])["id"]
    worker.run_until_idle()
    mail = next(m for m in smtp_server.mailbox.received if m.rcpt_tos == [f"{name}@example.test"])
    body = mail.message.get_body(("plain",)).get_content()
    link = next(word for word in body.split() if f"/ack/{iid}/" in word)
    return link.replace(api.settings.base_url, api.url), someone, iid


def status(api: Api, iid: int) -> str:
    value: str = incident(api, iid)["status"]
    return value


def test_opening_the_link_shows_the_page_and_acknowledges_nothing(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    link, frank, iid = paged_link(api, worker, smtp_server, "frank")
    with api.anonymous() as browser:
        for _ in range(2):  # a scanner, then the person
            page = browser.get(link)
            assert page.status_code == 200
            assert f"INC-{iid} · Checkout errors" in page.text
            assert 'id="ack-severity">SEV2' in page.text
            assert f"frank (@{frank['handle']})" in page.text
            assert 'method="post"' in page.text and 'id="ack-button"' in page.text
            assert "<script" not in page.text  # nothing submits the form by itself
    assert status(api, iid) == "triggered"
    assert paging(api, iid)["escalation"]["state"] == "active"


def test_the_button_acknowledges_and_the_page_then_says_who(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    link, gail, iid = paged_link(api, worker, smtp_server, "gail")
    actor = f"{gail['name']} (page link)"
    with api.anonymous() as browser:
        done = browser.post(link)
        assert done.status_code == 200
        said = " ".join(done.text.split())
        assert f'Acknowledged by <strong id="ack-by">{actor}</strong> at ' in said
        assert status(api, iid) == "acknowledged"
        assert paging(api, iid)["escalation"]["state"] == "acknowledged"
        again = browser.get(link)  # opened again later: who, and no button
        assert actor in again.text and 'id="ack-button"' not in again.text
        assert browser.post(link).status_code == 200  # a second press changes nothing
    acks = timeline(api, iid, "status_changed")
    assert [(e["actor"], e["data"]["to"]) for e in acks] == [(actor, "acknowledged")]


def test_a_link_opened_after_someone_else_acknowledged_says_who(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    link, _, iid = paged_link(api, worker, smtp_server, "hugo")
    ok(api.responder.post(f"/api/v1/incidents/{iid}/status", json={"status": "acknowledged"}))
    with api.anonymous() as browser:
        for answer in (browser.get(link), browser.post(link)):
            assert answer.status_code == 200
            assert 'id="ack-by">token:test-responder' in answer.text
            assert 'id="ack-button"' not in answer.text


def test_an_expired_link_no_longer_acknowledges(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    link, _, iid = paged_link(api, worker, smtp_server, "iris")
    clock.advance(timedelta(minutes=api.settings.ack_link_ttl_hours * 60 - 1))
    with api.anonymous() as browser:
        assert browser.get(link).status_code == 200  # a minute before it expires
        clock.advance(timedelta(minutes=1))
        for answer in (browser.get(link), browser.post(link)):
            assert answer.status_code == 410
            assert 'id="ack-expired"' in answer.text
            assert f"tocsin incident ack {iid}" in answer.text  # how to ack otherwise
            assert 'id="ack-button"' not in answer.text
    assert status(api, iid) == "triggered"


def _tampered(link: str, part: int, value: str) -> str:
    """``link`` with one of its last four path parts (incident, person, expiry, sig) changed."""
    head, *parts = link.rsplit("/", 4)
    parts[part] = value
    return "/".join([head, *parts])


@pytest.mark.parametrize(
    ("part", "change"),
    [
        (0, lambda incident_id: str(int(incident_id) + 1)),  # another incident
        (2, lambda expires: str(int(expires) + 86_400)),  # a later expiry
        (1, lambda person_id: str(int(person_id) + 1)),  # someone else
        (3, lambda sig: sig[:-2] + ("AA" if not sig.endswith("AA") else "BB")),
        (3, lambda sig: sig[:-1] + "%C3%A9"),  # non-ASCII: refused, not an error
        (3, lambda sig: "%F0%9F%94%94"),
    ],
)
def test_a_tampered_link_is_refused(
    api: Api, worker: Worker, smtp_server: SmtpServer, part: int, change: Any
) -> None:
    link, _, iid = paged_link(api, worker, smtp_server, "jack")
    original = link.rsplit("/", 4)[1:][part]
    forged = _tampered(link, part, change(original))
    with api.anonymous() as browser:
        for answer in (browser.get(forged), browser.post(forged)):
            assert answer.status_code == 403, answer.text
            assert "not valid" in answer.text
    assert status(api, iid) == "triggered"


def test_a_link_from_before_expiry_existed_no_longer_acknowledges(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    link, person_paged, iid = paged_link(api, worker, smtp_server, "kate")
    old_style = f"{api.url}/ack/{iid}/{person_paged['id']}/{link.rsplit('/', 1)[1]}"
    with httpx.Client() as browser:
        for answer in (browser.get(old_style), browser.post(old_style)):
            assert answer.status_code == 410
            assert f"tocsin incident ack {iid}" in answer.text
    assert status(api, iid) == "triggered"
