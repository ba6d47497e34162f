"""Paging end to end: an incident on a service with a policy pages level 1 at once, level 2
after the timeout, stops on acknowledgement, and records every delivery attempt."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.builders import declare, kinds, ok, paged_service, paging, person, unique
from tests.conftest import Api, TestClock, sign_in
from tests.peers import Receiver, SmtpServer
from tocsin.paging import service as paging_service
from tocsin.timers import service as timers_service
from tocsin.worker.loop import Worker


def test_pages_level_one_then_escalates_then_stops_on_ack(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    alice = person(api, "alice", contacts={"email": "alice@example.test"})
    bob = person(api, "bob", contacts={"email": "bob@example.test"})
    iid = declare(api, services=[paged_service(api, [alice["id"]], [bob["id"]])])["id"]
    assert "escalation_started" in kinds(api, iid)

    worker.run_until_idle()
    mails = smtp_server.mailbox.received
    assert [m.rcpt_tos for m in mails] == [["alice@example.test"]]
    assert f"INC-{iid}" in str(mails[0].message["subject"])
    assert f"/ack/{iid}/{alice['id']}/" in mails[0].message.get_body(("plain",)).get_content()

    clock.advance(timedelta(minutes=5))
    worker.run_until_idle()
    assert [m.rcpt_tos for m in mails] == [["alice@example.test"], ["bob@example.test"]]

    ok(api.responder.post(f"/api/v1/incidents/{iid}/status", json={"status": "acknowledged"}))
    clock.advance(timedelta(minutes=5))
    worker.run_until_idle()
    assert len(mails) == 2  # the escalation stopped: nobody else is paged
    history = paging(api, iid)
    assert history["escalation"]["state"] == "acknowledged"
    assert [n["status"] for n in history["notifications"]] == ["delivered", "delivered"]
    assert history["notifications"][0]["attempts"][0]["ok"] is True
    timeline = kinds(api, iid)
    assert timeline.count("paged") == 2
    assert timeline.count("notification_delivered") == 2
    assert "escalation_stopped" in timeline
    assert "escalation_exhausted" not in timeline


def test_nobody_acknowledges_so_the_policy_is_exhausted(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    carol = person(api, "carol", contacts={"email": "carol@example.test"})
    iid = declare(api, services=[paged_service(api, [carol["id"]], timeout=3)])["id"]
    worker.run_until_idle()
    clock.advance(timedelta(minutes=3))
    worker.run_until_idle()
    assert paging(api, iid)["escalation"]["state"] == "exhausted"
    assert "escalation_exhausted" in kinds(api, iid)


def test_resolving_before_the_first_page_sends_nothing(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    dave = person(api, "dave", contacts={"email": "dave@example.test"})
    iid = declare(api, services=[paged_service(api, [dave["id"]])])["id"]
    ok(api.responder.post(f"/api/v1/incidents/{iid}/status", json={"status": "resolved"}))
    worker.run_until_idle()
    assert all("dave@" not in m.rcpt_tos[0] for m in smtp_server.mailbox.received)
    assert paging(api, iid)["escalation"]["state"] == "resolved"


def test_sev4_and_services_without_policy_page_nobody(api: Api, worker: Worker) -> None:
    erin = person(api, "erin", contacts={"email": "erin@example.test"})
    service = paged_service(api, [erin["id"]])
    low = declare(api, services=[service], severity="SEV4")["id"]
    unowned = declare(api, services=[unique("nobody-owns")])["id"]
    worker.run_until_idle()
    assert paging(api, low)["escalation"] is None
    assert paging(api, unowned)["escalation"] is None


def test_failed_webhook_retries_then_moves_to_the_next_contact_method(
    api: Api, worker: Worker, smtp_server: SmtpServer, receiver: Receiver, clock: TestClock
) -> None:
    contacts = {"webhook": receiver.url("/status/503"), "email": "gina@example.test"}
    gina = person(api, "gina", contacts=contacts)
    webhook, mail = gina["contacts"]
    rules = f"/api/v1/people/{gina['id']}/notification-rules"
    ok(api.admin.post(rules, json={"contact_method_id": webhook["id"], "delay_minutes": 0}), 201)
    ok(api.admin.post(rules, json={"contact_method_id": mail["id"], "delay_minutes": 10}), 201)
    iid = declare(api, services=[paged_service(api, [gina["id"]], timeout=30)])["id"]
    for _ in range(6):  # each retry waits out its backoff
        worker.run_until_idle()
        clock.advance(timedelta(minutes=2))
    notifications = paging(api, iid)["notifications"]
    by_kind = {n["kind"]: n for n in notifications}
    assert by_kind["webhook"]["status"] == "failed"
    assert len(by_kind["webhook"]["attempts"]) == 5
    assert all(a["retryable"] for a in by_kind["webhook"]["attempts"])
    assert by_kind["email"]["status"] == "delivered"  # brought forward, not after 10 minutes
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(ids) == 1  # every retry carries the same idempotency key
    assert "notification_failed" in kinds(api, iid)


def test_paging_history_page_shows_deliveries(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    hana = person(api, "hana", contacts={"email": "hana@example.test"})
    iid = declare(api, services=[paged_service(api, [hana["id"]])])["id"]
    worker.run_until_idle()
    with httpx.Client(base_url=api.url, follow_redirects=True) as browser:
        sign_in(browser, api, "viewer")
        page = browser.get(f"/incidents/{iid}/paging")
    assert page.status_code == 200
    assert 'id="escalation-state">active' in page.text
    assert "hana" in page.text and "delivered" in page.text


def test_raising_severity_of_an_unacknowledged_incident_starts_paging(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    ivan = person(api, "ivan", contacts={"email": "ivan@example.test"})
    iid = declare(api, services=[paged_service(api, [ivan["id"]])], severity="SEV4")["id"]
    assert paging(api, iid)["escalation"] is None
    body = {"severity": "SEV2", "reason": "more customers affected"}
    ok(api.responder.post(f"/api/v1/incidents/{iid}/severity", json=body))
    ok(
        api.responder.post(
            f"/api/v1/incidents/{iid}/severity", json={"severity": "SEV1", "reason": "x"}
        )
    )
    worker.run_until_idle()
    assert paging(api, iid)["escalation"]["state"] == "active"
    assert [m.rcpt_tos for m in smtp_server.mailbox.received] == [["ivan@example.test"]]


def test_a_timer_taken_over_after_its_lease_ran_out_pages_once(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    judy = person(api, "judy", contacts={"email": "judy@example.test"})
    iid = declare(api, services=[paged_service(api, [judy["id"]])])["id"]
    claimed = timers_service.claim_due(
        api.db, worker="slow-worker", lease=timedelta(seconds=30), limit=500
    )
    [slow] = [
        t
        for t in claimed
        if t.kind == paging_service.TIMER_KIND and t.payload.get("incident_id") == iid
    ]
    clock.advance(timedelta(minutes=1))  # the slow worker's lease ran out before it got to it
    worker.run_until_idle()  # so another worker claimed it and paged judy
    paging_service.fire(
        api.db, timer=slow, settings=api.settings
    )  # the slow worker's late turn does nothing
    worker.run_until_idle()
    assert kinds(api, iid).count("paged") == 1
    assert [m.rcpt_tos for m in smtp_server.mailbox.received] == [["judy@example.test"]]
