"""Overdue postmortem deadlines and action items remind their owner by mail, once, through
durable timers run by the worker; meeting the deadline first stops the reminder."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.builders import declare, ok, person, timeline, unique
from tests.conftest import Api, TestClock
from tests.peers import SmtpServer
from tests.postmortems.conftest import opened
from tocsin.worker.loop import Worker


def subjects(smtp: SmtpServer, to: str) -> list[str]:
    return [str(m.message["subject"]) for m in smtp.mailbox.received if to in m.rcpt_tos]


def move(api: Api, pm_id: int, status: str, **body: Any) -> None:
    url = f"/api/v1/postmortems/{pm_id}/status"
    ok(api.responder.post(url, json={"status": status, **body}))


def test_an_overdue_draft_then_review_remind_the_owner_once_each(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    iid, pm, commander = opened(api, "SEV1")
    to = commander["email"]
    clock.advance(timedelta(hours=47))
    worker.run_until_idle()
    assert subjects(smtp_server, to) == []
    clock.advance(timedelta(hours=2))
    worker.run_until_idle()
    [draft] = subjects(smtp_server, to)
    assert "OVERDUE" in draft and "postmortem draft" in draft and f"INC-{iid}" in draft
    got = ok(api.viewer.get(f"/api/v1/postmortems/{pm['id']}"))
    assert got["draft_overdue"] and not got["review_overdue"]
    worker.run_until_idle()
    assert len(subjects(smtp_server, to)) == 1
    move(api, pm["id"], "in_review", reviewers=[{"name": "Kim"}])
    clock.advance(timedelta(days=9))  # past five business days, whatever the weekday
    worker.run_until_idle()
    later = subjects(smtp_server, to)
    assert len(later) == 2 and "postmortem review meeting" in later[1]
    sent = [e["data"] for e in timeline(api, iid, "postmortem_reminder_sent")]
    assert [d["deadline"] for d in sent] == ["draft", "review"]
    move(api, pm["id"], "published")
    clock.advance(timedelta(days=30))
    worker.run_until_idle()
    assert len(subjects(smtp_server, to)) == 2


def test_a_draft_sent_to_review_in_time_reminds_no_one_of_it(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    _, pm, commander = opened(api, "SEV2")
    clock.advance(timedelta(hours=20))
    move(api, pm["id"], "in_review", reviewers=[{"name": "Kim"}])
    move(api, pm["id"], "published")
    clock.advance(timedelta(days=10))
    worker.run_until_idle()
    assert subjects(smtp_server, commander["email"]) == []


def test_an_owner_by_name_only_cannot_be_reminded_and_the_timeline_says_so(
    api: Api, worker: Worker, clock: TestClock
) -> None:
    other = declare(api, severity="SEV4", services=[unique("svc")])["id"]
    ok(
        api.responder.post(
            f"/api/v1/incidents/{other}/postmortem", json={"owner": {"name": "Someone"}}
        ),
        201,
    )
    clock.advance(timedelta(hours=49))
    worker.run_until_idle()
    [unsent] = [e["data"] for e in timeline(api, other, "postmortem_reminder_unsent")]
    assert "not a person of the directory" in unsent["message"]
    assert unsent["owner"] == "Someone"


def test_an_overdue_action_item_reminds_its_owner_until_done(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    _, pm, _ = opened(api, "SEV2")
    to = f"{unique('oda')}@example.test"
    owner = person(api, "Oda", contacts={"email": to})
    today = clock.now().date()
    body = {"title": "Add backoff", "owner": {"person_id": owner["id"]}, "due_on": str(today)}
    item = ok(api.responder.post(f"/api/v1/postmortems/{pm['id']}/action-items", json=body), 201)
    later = {
        "title": "Alert on saturation",
        "owner": {"person_id": owner["id"]},
        "due_on": str(today + timedelta(days=3)),
    }
    second = ok(api.responder.post(f"/api/v1/postmortems/{pm['id']}/action-items", json=later), 201)
    ok(api.responder.patch(f"/api/v1/action-items/{second['id']}", json={"status": "done"}))
    worker.run_until_idle()
    assert subjects(smtp_server, to) == []
    clock.advance(timedelta(days=1, minutes=1))
    worker.run_until_idle()
    [mail] = subjects(smtp_server, to)
    assert "Add backoff" in mail
    listed = ok(api.viewer.get(f"/api/v1/postmortems/{pm['id']}/action-items"))
    assert [i["overdue"] for i in listed] == [True, False]
    clock.advance(timedelta(days=5))
    worker.run_until_idle()
    assert len(subjects(smtp_server, to)) == 1  # the done one never reminds
    assert item["id"] != second["id"]
