"""Who hears of a private incident: its members only (pages still go out, to new members)."""

from __future__ import annotations

from tests.builders import ok, paged_service, person, unique
from tests.conftest import Api
from tests.peers import Mail, SmtpServer
from tocsin.worker.loop import Worker

UPDATE = {"status": "Keys rotated", "impact": "none", "actions": "audit"}


def mails_to(smtp: SmtpServer, to: str) -> list[Mail]:
    return [m for m in smtp.mailbox.received if to in m.rcpt_tos]


def test_internal_updates_of_a_private_incident_reach_only_stakeholders_who_are_members(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    member_to, outside_to = f"{unique('ciso')}@example.test", f"{unique('pr')}@example.test"
    ciso = person(api, "Cleo", contacts={"email": member_to})
    body = {"title": unique("breach"), "severity": "SEV3", "private": True}
    iid = ok(api.admin.post("/api/v1/incidents", json=body), 201)["id"]
    url = f"/api/v1/incidents/{iid}/stakeholders"
    ok(api.admin.post(url, json={"person_id": ciso["id"]}), 201)  # a member by it
    ok(api.admin.post(url, json={"email": outside_to}), 201)  # an address: no member
    members = ok(api.admin.get(f"/api/v1/incidents/{iid}/members"))
    assert [(m["person"]["id"], m["source"]) for m in members] == [(ciso["id"], "stakeholder")]

    ok(api.admin.post(f"/api/v1/incidents/{iid}/updates", json=UPDATE), 201)
    worker.run_until_idle()
    assert len(mails_to(smtp_server, member_to)) == 1
    assert mails_to(smtp_server, outside_to) == []

    ok(api.admin.put(f"/api/v1/incidents/{iid}/visibility", json={"private": False}))
    ok(api.admin.post(f"/api/v1/incidents/{iid}/updates", json=UPDATE), 201)
    worker.run_until_idle()
    assert len(mails_to(smtp_server, outside_to)) == 1  # public again: every stakeholder


def test_paging_for_a_private_incident_makes_the_paged_person_a_member_and_pages_them(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    to = f"{unique('oncall')}@example.test"
    someone = person(api, "Pat", contacts={"email": to})
    body = {"title": unique("breach"), "severity": "SEV2", "private": True}
    body["services"] = [paged_service(api, [someone["id"]])]
    iid = ok(api.admin.post("/api/v1/incidents", json=body), 201)["id"]
    worker.run_until_idle()
    [page] = mails_to(smtp_server, to)
    assert f"/ack/{iid}/" in page.message.get_body(("plain",)).get_content()
    members = ok(api.admin.get(f"/api/v1/incidents/{iid}/members"))
    assert (someone["id"], "paged") in [(m["person"]["id"], m["source"]) for m in members]
    events = ok(api.admin.get(f"/api/v1/incidents/{iid}/events"))["items"]
    assert "paged" in [e["kind"] for e in events]
    assert api.viewer.get(f"/api/v1/incidents/{iid}/events").status_code == 404  # no member
