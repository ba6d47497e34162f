"""Stakeholders get each internal update by mail, once, with its text escaped."""

from __future__ import annotations

from typing import Any

import httpx

from tests.builders import declare, ok, person, timeline, unique
from tests.conftest import Api, sign_in
from tests.peers import Mail, SmtpServer
from tocsin.worker.loop import Worker

UPDATE = {"status": "Rolling back <script>alert(1)</script>", "impact": "EU", "actions": "revert"}


def address(name: str) -> str:
    return f"{unique(name)}@example.test"


def mails_to(smtp: SmtpServer, to: str) -> list[Mail]:
    return [m for m in smtp.mailbox.received if to in m.rcpt_tos]


def subscribe(api: Api, iid: int, status: int = 201, **body: Any) -> Any:
    return ok(api.responder.post(f"/api/v1/incidents/{iid}/stakeholders", json=body), status)


def post_update(api: Api, iid: int, **body: Any) -> None:
    ok(api.responder.post(f"/api/v1/incidents/{iid}/updates", json=UPDATE | body), 201)


def test_each_update_reaches_each_stakeholder_once_with_its_text_escaped(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    member_to, outside_to = address("vp"), address("partner")
    vp = person(api, "Vera", contacts={"email": member_to})
    iid = declare(api, services=[unique("svc")])["id"]
    by_person = subscribe(api, iid, person_id=vp["id"])
    assert by_person["person"] == {"id": vp["id"], "name": "Vera"}
    by_mail = subscribe(api, iid, email=outside_to)
    assert (by_mail["email"], by_mail["person"]) == (outside_to, None)

    post_update(api, iid)
    worker.run_until_idle()
    worker.run_until_idle()
    [to_member], [to_outside] = mails_to(smtp_server, member_to), mails_to(smtp_server, outside_to)
    for mail in (to_member, to_outside):
        assert f"INC-{iid}" in str(mail.message["subject"])
        html = mail.message.get_body(("html",)).get_content()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
        text = mail.message.get_body(("plain",)).get_content()
        assert "Rolling back <script>alert(1)</script>" in text and "revert" in text
    assert to_member.message["Message-ID"] != to_outside.message["Message-ID"]

    post_update(api, iid, status="Recovered")
    worker.run_until_idle()
    assert len(mails_to(smtp_server, member_to)) == len(mails_to(smtp_server, outside_to)) == 2
    ids = {str(m.message["Message-ID"]) for m in smtp_server.mailbox.received}
    assert len([i for i in ids if f"stakeholder%3A{by_mail['id']}" in i]) == 2


def test_list_and_remove_stakeholders(api: Api, worker: Worker, smtp_server: SmtpServer) -> None:
    stays, leaves = address("stays"), address("leaves")
    iid = declare(api, services=[unique("svc")])["id"]
    subscribe(api, iid, email=stays)
    gone = subscribe(api, iid, email=leaves)
    listed = ok(api.viewer.get(f"/api/v1/incidents/{iid}/stakeholders"))
    assert [s["email"] for s in listed] == [stays, leaves]
    url = f"/api/v1/incidents/{iid}/stakeholders/{gone['id']}"
    ok(api.responder.delete(url), 204)
    assert api.responder.delete(url).status_code == 404
    post_update(api, iid)
    worker.run_until_idle()
    assert len(mails_to(smtp_server, stays)) == 1
    assert mails_to(smtp_server, leaves) == []
    assert [e["kind"] for e in timeline(api, iid) if "stakeholder" in e["kind"]] == [
        "stakeholder_added",
        "stakeholder_added",
        "stakeholder_removed",
    ]


def test_a_stakeholder_without_a_mail_contact_method_is_on_the_timeline(
    api: Api, worker: Worker
) -> None:
    mute = person(api, "Mo")
    iid = declare(api, services=[unique("svc")])["id"]
    subscribe(api, iid, person_id=mute["id"])
    post_update(api, iid)
    [note] = timeline(api, iid, "stakeholders_unreachable")
    assert note["data"]["people"] == ["Mo"]


def test_bad_stakeholders_are_refused_naming_the_field(api: Api) -> None:
    iid = declare(api, services=[unique("svc")])["id"]
    url = f"/api/v1/incidents/{iid}/stakeholders"
    cases = [
        ({"person_id": 2**31 - 1}, 422, "person_id"),
        ({}, 422, "person_id"),
        ({"person_id": 1, "email": "a@example.test"}, 422, "person_id"),
        ({"email": "not-an-address"}, 422, "email"),
        ({"email": "a@example.test", "extra": 1}, 422, "extra"),
    ]
    for body, status, field in cases:
        answer = api.responder.post(url, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["field"] == field, (body, answer.text)
    twice = address("twice")
    subscribe(api, iid, email=twice)
    again = api.responder.post(url, json={"email": twice})
    assert again.status_code == 409 and again.json()["field"] == "email"
    assert api.viewer.post(url, json={"email": address("viewer")}).status_code == 403
    missing = api.responder.post("/api/v1/incidents/2147483647/stakeholders", json={"email": twice})
    assert missing.status_code == 404


def test_the_incident_page_adds_stakeholders_and_names_people_in_roles(api: Api) -> None:
    rae = person(api, "Rae")
    iid = declare(api, services=[unique("svc")])["id"]
    outside = address("page")
    with httpx.Client(base_url=api.url, follow_redirects=True) as browser:
        sign_in(browser, api, "responder")
        browser.post(f"/incidents/{iid}/stakeholders", data={"email": outside})
        browser.post(
            f"/incidents/{iid}/roles", data={"role": "communications_lead", "person_id": rae["id"]}
        )
        bad = browser.post(f"/incidents/{iid}/roles", data={"role": "scribe", "person_id": "x1"})
        assert "person_id" in bad.text
        text = browser.get(f"/incidents/{iid}").text
    assert outside in text
    assert "Communications Lead: Rae" in text and "(directory: Rae)" in text
    [stakeholder] = ok(api.viewer.get(f"/api/v1/incidents/{iid}/stakeholders"))
    assert stakeholder["email"] == outside
