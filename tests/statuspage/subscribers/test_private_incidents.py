"""A private incident never reaches the status page: its subscribers get no mail of it."""

from __future__ import annotations

from tests.builders import ok, unique
from tests.conftest import Api
from tests.peers import SmtpServer
from tests.statuspage.helpers import BASE, created
from tests.statuspage.subscribers.steps import mails_to, new_page, publish, subscribed, text_of
from tocsin.worker.loop import Worker


def test_a_subscriber_gets_no_mail_of_a_private_incident(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    service = unique("vault")
    body = {"name": unique("Vault"), "page_id": page["id"], "services": [service]}
    part = created(api.responder.post(f"{BASE}/components", json=body))
    address = subscribed(api, worker, smtp_server, page["id"])
    secret = unique("keys-leaked")
    incident = {"title": secret, "severity": "SEV1", "services": [service], "private": True}
    private = ok(api.admin.post("/api/v1/incidents", json=incident), 201)

    refused = api.admin.post(
        f"{BASE}/incidents",
        json={"page_id": page["id"], "name": secret, "body": secret, "incident_id": private["id"]},
    )
    assert refused.status_code == 422 and "incident_id" in refused.text
    assert secret not in refused.text
    shown = ok(api.viewer.get(f"{BASE}/components/{part['id']}"))
    assert shown["status"] == "operational"  # nothing public follows from it

    publish(api, page["id"], name="Checkout errors")  # a public one, to wait for its mail
    worker.run_until_idle()
    mails = mails_to(smtp_server, address)
    texts = [text_of(m.message) + str(m.message["Subject"]) for m in mails]
    assert any("Checkout errors" in t for t in texts), texts
    assert not any(secret in t for t in texts)
