"""Overdue communication reminds the Communications Lead, then the Incident Commander, by
their contact methods, through durable timers: once each, stopped by an update, a resolution
or (for the public acknowledgement) the first publication on the status page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.builders import declare, incident, ok, person, timeline, unique
from tests.conftest import Api, TestClock, sign_in
from tests.peers import SmtpServer
from tocsin.incidents import service as incidents_service
from tocsin.timers import service as timers_service
from tocsin.worker.loop import Worker

UPDATE_SUBJECT = "internal update"
ACK_SUBJECT = "first public acknowledgement"


def address(name: str) -> str:
    return f"{unique(name)}@example.test"


def mails_to(smtp: SmtpServer, to: str, about: str = "") -> list[str]:
    """The subjects of the mails ``to`` received (those about ``about``)."""
    return [
        str(m.message["subject"])
        for m in smtp.mailbox.received
        if to in m.rcpt_tos and about in str(m.message["subject"])
    ]


def assign(api: Api, iid: int, role: str, **body: Any) -> None:
    ok(api.responder.put(f"/api/v1/incidents/{iid}/roles/{role}", json=body))


def staffed(api: Api, severity: str, *, lead: bool = True) -> tuple[int, str, str]:
    """An incident of ``severity`` with a Comms Lead (if ``lead``) and an IC who are directory
    people with a mail contact method; returns its id and their addresses."""
    lead_to, commander_to = address("lead"), address("ic")
    iid = declare(api, severity=severity, services=[unique("svc")])["id"]
    if lead:
        comms = person(api, "Lea", contacts={"email": lead_to})
        assign(api, iid, "communications_lead", person_id=comms["id"])
    commander = person(api, "Ivo", contacts={"email": commander_to})
    assign(api, iid, "incident_commander", person_id=commander["id"])
    return iid, lead_to, commander_to


def page(api: Api, path: str) -> str:
    with httpx.Client(base_url=api.url, follow_redirects=True) as browser:
        sign_in(browser, api, "viewer")
        response = browser.get(path)
    assert response.status_code == 200
    return response.text


def test_an_overdue_update_reminds_the_comms_lead_then_the_commander_once_each(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    iid, lead_to, commander_to = staffed(api, "SEV3")  # an update every 60 minutes
    due = datetime.fromisoformat(incident(api, iid)["next_update_due_at"])
    clock.advance(timedelta(minutes=59))
    worker.run_until_idle()
    assert mails_to(smtp_server, lead_to) == []
    assert incident(api, iid)["update_overdue_since"] is None

    clock.advance(timedelta(minutes=2))
    worker.run_until_idle()
    [subject] = mails_to(smtp_server, lead_to)
    assert f"INC-{iid}" in subject and UPDATE_SUBJECT in subject and "OVERDUE" in subject
    assert datetime.fromisoformat(incident(api, iid)["update_overdue_since"]) == due
    worker.run_until_idle()
    assert len(mails_to(smtp_server, lead_to)) == 1
    assert mails_to(smtp_server, commander_to) == []

    clock.advance(timedelta(minutes=5))  # the grace period: still no update
    worker.run_until_idle()
    assert len(mails_to(smtp_server, commander_to)) == 1
    clock.advance(timedelta(hours=3))
    worker.run_until_idle()
    assert (len(mails_to(smtp_server, lead_to)), len(mails_to(smtp_server, commander_to))) == (1, 1)
    sent = [e["data"] for e in timeline(api, iid, "reminder_sent")]
    assert [(d["reminder"], d["role"], d["person"]["name"]) for d in sent] == [
        ("update", "communications_lead", "Lea"),
        ("update", "incident_commander", "Ivo"),
    ]


def test_an_update_in_time_moves_the_reminder_to_the_new_deadline(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    iid, lead_to, _ = staffed(api, "SEV3")
    clock.advance(timedelta(minutes=50))
    body = {"status": "Still looking", "impact": "Some users", "actions": "Bisecting"}
    ok(api.responder.post(f"/api/v1/incidents/{iid}/updates", json=body), 201)
    clock.advance(timedelta(minutes=15))  # past the first deadline, before the new one
    worker.run_until_idle()
    assert mails_to(smtp_server, lead_to) == []
    assert timeline(api, iid, "reminder_sent") == []
    clock.advance(timedelta(minutes=46))
    worker.run_until_idle()
    assert len(mails_to(smtp_server, lead_to, UPDATE_SUBJECT)) == 1


def test_a_lead_by_name_only_passes_the_reminder_to_the_commander(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    iid, _, commander_to = staffed(api, "SEV3", lead=False)
    assign(api, iid, "communications_lead", holder="Someone outside the directory")
    clock.advance(timedelta(minutes=61))
    worker.run_until_idle()
    assert len(mails_to(smtp_server, commander_to)) == 1
    [sent] = [e["data"] for e in timeline(api, iid, "reminder_sent")]
    assert sent["role"] == "incident_commander"
    assert sent["skipped"] == [
        {"role": "communications_lead", "reason": "held by a name, not a person of the directory"}
    ]


def test_when_no_one_can_be_reminded_the_timeline_says_so(
    api: Api, worker: Worker, clock: TestClock
) -> None:
    iid = declare(api, severity="SEV3", services=[unique("svc")], commander="Pat")["id"]
    silent = person(api, "Quinn")  # no contact method
    assign(api, iid, "communications_lead", person_id=silent["id"])
    clock.advance(timedelta(minutes=61))
    worker.run_until_idle()
    [unsent] = [e["data"] for e in timeline(api, iid, "reminder_unsent")]
    assert unsent["message"] == "no one could be reminded"
    assert [s["reason"] for s in unsent["skipped"]] == [
        "the person has no contact method",
        "held by a name, not a person of the directory",
    ]
    text = page(api, f"/incidents/{iid}")
    assert "no one could be reminded" in text


def test_resolving_stops_the_reminders(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    iid, lead_to, commander_to = staffed(api, "SEV1")
    clock.advance(timedelta(minutes=10))
    ok(api.responder.post(f"/api/v1/incidents/{iid}/status", json={"status": "resolved"}))
    clock.advance(timedelta(hours=2))
    worker.run_until_idle()
    assert mails_to(smtp_server, lead_to) == mails_to(smtp_server, commander_to) == []
    assert timeline(api, iid, "reminder_sent") == timeline(api, iid, "reminder_unsent") == []
    resolved = incident(api, iid)
    assert resolved["update_overdue_since"] is None
    assert resolved["public_ack_overdue_since"] is None


def test_a_reminder_timer_run_again_after_a_lost_lease_reminds_nobody_twice(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    iid, lead_to, _ = staffed(api, "SEV3")
    clock.advance(timedelta(minutes=61))
    lease = timedelta(seconds=api.settings.worker_lease_seconds)
    claimed = timers_service.claim_due(api.db, worker=unique("crashed"), lease=lease, limit=500)
    mine = [
        t
        for t in claimed
        if t.kind == incidents_service.REMINDER_TIMER_KIND and t.payload["incident_id"] == iid
    ]
    assert [t.payload["reminder"] for t in mine] == ["update"]
    clock.advance(lease + timedelta(seconds=1))  # that worker died: its lease runs out
    worker.run_until_idle()  # another worker claims the timer again and runs it
    assert len(mails_to(smtp_server, lead_to)) == 1
    api.tocsin.timer_handlers[incidents_service.REMINDER_TIMER_KIND](mine[0])  # it wakes up
    worker.run_until_idle()
    assert len(mails_to(smtp_server, lead_to)) == 1
    assert len(timeline(api, iid, "reminder_sent")) == 1


def test_overdue_since_on_the_incident_the_list_and_their_pages(
    api: Api, worker: Worker, clock: TestClock
) -> None:
    iid = declare(api, severity="SEV3", services=[unique("svc")])["id"]
    due = incident(api, iid)["next_update_due_at"]
    clock.advance(timedelta(minutes=61))
    listed = ok(api.viewer.get("/api/v1/incidents", params={"status": "triggered", "limit": 200}))
    [row] = [i for i in listed["items"] if i["id"] == iid]
    assert row["update_overdue_since"] == due and row["update_overdue"] is True
    shown = datetime.fromisoformat(due).strftime('<time datetime="%Y-%m-%dT%H:%M:%SZ"')
    assert f"Update overdue since {shown}" in page(api, f"/incidents/{iid}")
    assert f"overdue since {shown}" in page(api, "/incidents?severity=SEV3&tab=triggered")


def test_the_public_acknowledgement_is_reminded_until_published(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    iid, lead_to, commander_to = staffed(api, "SEV1")
    opened = incident(api, iid)
    due = datetime.fromisoformat(opened["public_ack_due_at"])
    assert due - datetime.fromisoformat(opened["created_at"]) == timedelta(minutes=15)
    assert "Public acknowledgement due in 15 min" in page(api, f"/incidents/{iid}")

    clock.advance(timedelta(minutes=16))
    worker.run_until_idle()
    assert len(mails_to(smtp_server, lead_to, ACK_SUBJECT)) == 1
    overdue = incident(api, iid)
    assert datetime.fromisoformat(overdue["public_ack_overdue_since"]) == due
    shown = due.strftime('<time datetime="%Y-%m-%dT%H:%M:%SZ"')
    assert f"Public acknowledgement overdue since {shown}" in page(api, f"/incidents/{iid}")

    body = {"incident_id": iid, "name": "Checkout errors", "body": "We are investigating."}
    ok(api.responder.post("/api/v1/statuspage/incidents", json=body), 201)
    published = incident(api, iid)
    assert published["first_public_at"] is not None
    assert published["public_ack_overdue_since"] is None
    [first] = timeline(api, iid, "first_published")
    assert first["data"]["met"] is False
    clock.advance(timedelta(minutes=10))  # past the grace period: the IC is not reminded
    worker.run_until_idle()
    assert mails_to(smtp_server, commander_to, ACK_SUBJECT) == []
    ok(api.responder.post("/api/v1/statuspage/incidents", json=body), 201)  # published again
    assert incident(api, iid)["first_public_at"] == published["first_public_at"]
    assert len(timeline(api, iid, "first_published")) == 1


def test_published_in_time_nobody_is_reminded_and_sev3_owes_nothing(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    iid, lead_to, _ = staffed(api, "SEV2")
    clock.advance(timedelta(minutes=5))
    body = {"incident_id": iid, "name": "Slow checkout", "body": "Looking into it."}
    ok(api.responder.post("/api/v1/statuspage/incidents", json=body), 201)
    assert timeline(api, iid, "first_published")[0]["data"]["met"] is True
    clock.advance(timedelta(minutes=40))
    worker.run_until_idle()
    assert mails_to(smtp_server, lead_to, ACK_SUBJECT) == []
    low = declare(api, severity="SEV3", services=[unique("svc")])
    assert low["public_ack_due_at"] is None
    raised = ok(
        api.responder.post(
            f"/api/v1/incidents/{low['id']}/severity", json={"severity": "SEV2", "reason": "wider"}
        )
    )
    assert datetime.fromisoformat(raised["public_ack_due_at"]) - datetime.fromisoformat(
        raised["updated_at"]
    ) == timedelta(minutes=30)
