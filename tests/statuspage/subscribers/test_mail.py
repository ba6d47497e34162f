"""Status page subscribers by mail: double opt-in, what they receive, leaving, bounces."""

from __future__ import annotations

import httpx

from tests.conftest import Api
from tests.peers import SmtpServer
from tests.statuspage.helpers import BASE
from tests.statuspage.subscribers.steps import (
    component,
    html_of,
    link,
    mails_to,
    new_page,
    post_update,
    publish,
    subscribe,
    subscribed,
    subscribers,
    text_of,
)
from tocsin.notify import service as notify_service
from tocsin.notify.service import ClaimedMessage
from tocsin.worker.loop import Worker


def test_a_mail_subscriber_gets_nothing_but_the_confirmation_until_it_confirms(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    response = subscribe(api, page["id"], email="Waiting@Example.com")
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    publish(api, page["id"])
    again = subscribe(api, page["id"], email="Waiting@Example.com")  # asked twice at once
    assert again.status_code == 202, again.text
    worker.run_until_idle()
    (confirmation,) = mails_to(smtp_server, "Waiting@Example.com")
    assert page["name"] in str(confirmation.message["Subject"])
    assert "/confirm?token=" in text_of(confirmation.message)
    assert confirmation.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (row,) = subscribers(api, page["id"])
    assert row["status"] == "pending" and row["confirmed_at"] is None

    confirm = link(confirmation.message, "confirm")
    assert httpx.get(confirm + "x", timeout=30).status_code == 403  # a changed token
    assert httpx.post(confirm + "x", timeout=30).status_code == 403
    shown = httpx.get(confirm, timeout=30)  # a mail scanner opening the link: nothing happens
    assert shown.status_code == 200 and 'id="confirm-form"' in shown.text
    assert "<script" not in shown.text
    assert subscribers(api, page["id"])[0]["status"] == "pending"
    answer = httpx.post(confirm, timeout=30)  # the button
    assert answer.status_code == 200 and "confirmed" in answer.text
    assert subscribers(api, page["id"])[0]["status"] == "active"
    again = httpx.get(confirm, timeout=30)  # the link opened again: no button needed
    assert again.status_code == 200 and "confirmed" in again.text and "<form" not in again.text
    assert httpx.post(confirm, timeout=30).status_code == 200  # pressed twice: the same
    worker.run_until_idle()
    assert len(mails_to(smtp_server, "Waiting@Example.com")) == 1  # the earlier update: not sent


def test_asking_again_for_a_confirmed_address_changes_nothing(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    address = subscribed(api, worker, smtp_server, page["id"])
    again = subscribe(api, page["id"], email=address, components=[])
    assert again.status_code == 202 and again.json()["status"] == "pending"  # says nothing
    worker.run_until_idle()
    assert len(mails_to(smtp_server, address)) == 1
    assert [s["status"] for s in subscribers(api, page["id"])] == ["active"]


def test_each_update_reaches_each_matching_subscriber_once_escaped_with_links(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    api_component = component(api, page["id"], "api")
    web_component = component(api, page["id"], "web")
    everything = subscribed(api, worker, smtp_server, page["id"])
    api_only = subscribed(api, worker, smtp_server, page["id"], components=[api_component])
    web_only = subscribed(api, worker, smtp_server, page["id"], components=[web_component])
    incident = publish(
        api,
        page["id"],
        name="API <b>slow</b>",
        components=[api_component],
        body="Requests <script>alert(1)</script> time out.",
    )
    post_update(api, incident["id"], "Fixed & watching.", status="monitoring")
    worker.run_until_idle()

    assert len(mails_to(smtp_server, web_only)) == 1  # its confirmation only
    for address in (everything, api_only):
        updates = mails_to(smtp_server, address)[1:]
        assert len(updates) == 2, [str(m.message["Subject"]) for m in updates]
        updates.sort(key=lambda m: "Fixed" in text_of(m.message))  # sent side by side
        first = updates[0].message
        assert page["name"] in str(first["Subject"]) and "API <b>slow</b>" in str(first["Subject"])
        html = html_of(first)
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "Requests <script>alert(1)</script> time out." in text_of(first)
        incident_url = f"{api.url}/pages/{page['slug']}/incidents/{incident['id']}/"
        assert incident_url in text_of(first) and incident_url in html
        unsubscribe = first["List-Unsubscribe"].strip("<>")
        assert link(first, "unsubscribe") == unsubscribe and unsubscribe in html
        assert "Fixed &amp; watching." in html_of(updates[1].message)
        assert len({m.message["Message-ID"] for m in updates}) == 2


def test_a_message_run_twice_by_workers_is_sent_once(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    address = subscribed(api, worker, smtp_server, page["id"])
    publish(api, page["id"])
    claimed = [c for c in notify_claims(worker) if c.group.startswith("statuspage-subscriber:")]
    assert len(claimed) == 1
    worker._deliver(claimed[0])
    worker._deliver(claimed[0])  # the same claim again, as after a crash and a retry
    worker.run_until_idle()
    assert len(mails_to(smtp_server, address)) == 2  # the confirmation, then the update once


def notify_claims(worker: Worker) -> list[ClaimedMessage]:
    return notify_service.claim_due(worker.db, worker=worker.name, lease=worker.lease, limit=50)


def test_one_click_unsubscribe_ends_the_subscription(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    address = subscribed(api, worker, smtp_server, page["id"])
    publish(api, page["id"])
    worker.run_until_idle()
    update = mails_to(smtp_server, address)[-1].message
    target = update["List-Unsubscribe"].strip("<>")
    shown = httpx.get(target, timeout=30)  # a link scanner: nothing happens
    assert shown.status_code == 200 and 'id="unsubscribe-form"' in shown.text
    assert len(subscribers(api, page["id"])) == 1
    one_click = httpx.post(target, data={"List-Unsubscribe": "One-Click"}, timeout=30)
    assert one_click.status_code == 200, one_click.text
    assert subscribers(api, page["id"]) == []
    again = httpx.post(target, data={"List-Unsubscribe": "One-Click"}, timeout=30)
    assert again.status_code == 200 and "had ended" in again.text
    publish(api, page["id"])
    worker.run_until_idle()
    assert len(mails_to(smtp_server, address)) == 2


def test_three_bounces_in_a_row_pause_a_subscriber_until_resumed(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    good = subscribed(api, worker, smtp_server, page["id"])
    address = subscribed(api, worker, smtp_server, page["id"])
    smtp_server.mailbox.refused.add(address)  # its mailbox is gone: 550 at RCPT
    (row,) = [s for s in subscribers(api, page["id"]) if s["address"] == address]
    base = f"{BASE}/pages/{page['id']}/subscribers/{row['id']}"
    for n in range(1, 4):
        publish(api, page["id"], name=f"Bounce {n}")
        worker.run_until_idle()
        state = api.responder.get(base).json()
        assert state["failures"] == n, state
        assert "550" in state["last_error"] and state["last_failure_at"] is not None
    assert state["status"] == "paused" and "3 deliveries" in state["pause_reason"]
    smtp_server.mailbox.refused.clear()
    publish(api, page["id"], name="While paused")
    worker.run_until_idle()
    assert api.responder.get(base).json()["failures"] == 3  # nothing was tried
    assert len(mails_to(smtp_server, address)) == 1  # its confirmation only
    assert len(mails_to(smtp_server, good)) == 5
    resumed = api.responder.post(f"{base}/resume")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "active" and resumed.json()["failures"] == 0
    publish(api, page["id"], name="Resumed")
    worker.run_until_idle()
    assert len(mails_to(smtp_server, address)) == 2
    counts = api.responder.get(f"{BASE}/pages/{page['id']}/subscribers/counts").json()
    assert counts == {
        "page_id": page["id"],
        "total": 2,
        "pending": 0,
        "active": 2,
        "paused": 0,
        "email": 2,
        "webhook": 0,
    }


def test_a_success_clears_the_count_of_failures(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    address = subscribed(api, worker, smtp_server, page["id"])
    smtp_server.mailbox.refused.add(address)
    publish(api, page["id"], name="Bounces")
    worker.run_until_idle()
    assert subscribers(api, page["id"])[0]["failures"] == 1
    smtp_server.mailbox.refused.clear()
    publish(api, page["id"], name="Arrives")
    worker.run_until_idle()
    (after,) = subscribers(api, page["id"])
    assert after["failures"] == 0 and after["last_delivered_at"] is not None
    assert after["status"] == "active"
