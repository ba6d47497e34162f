"""Reporters are mailed once when their incident resolves (aiosmtpd), in the public wording."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from tests.builders import declare, ok, unique
from tests.conftest import Api
from tests.peers import SmtpServer
from tests.reports.helpers import email, report, token
from tests.statuspage.helpers import BASE, created, set_status
from tocsin.worker.loop import Worker

EVIL = "<script>alert(1)</script>"


def mails_to(smtp: SmtpServer, *addresses: str) -> list[Any]:
    wanted = {a.lower() for a in addresses}
    return [m for m in smtp.mailbox.received if {r.lower() for r in m.rcpt_tos} & wanted]


def parts(mail: Any) -> tuple[str, str]:
    message: EmailMessage = mail.message
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


def test_every_reporter_is_mailed_once_with_the_public_wording(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    service = unique("svc")
    iid = declare(api, title=f"Internal title {token()}", services=[service])["id"]
    ok(
        api.responder.post(f"/api/v1/incidents/{iid}/notes", json={"body": "SECRET internal note"}),
        201,
    )
    public = created(
        api.responder.post(
            f"{BASE}/incidents",
            json={"incident_id": iid, "name": f"Slow payments {EVIL}", "body": "Looking into it."},
        )
    )
    latest = f"Payments work again. {EVIL}"
    body = {"status": "resolved", "body": latest}
    created(api.responder.post(f"{BASE}/incidents/{public['id']}/updates", json=body))
    ana, bo = email("ana"), email("bo")
    report(api, contact=ana, service=service)
    report(api, contact=ana.upper(), service=service)  # the same customer again
    report(api, contact=bo, service=service)

    set_status(api, iid, "resolved")
    worker.run_until_idle()
    mails = mails_to(smtp_server, ana, bo)
    assert sorted(m.rcpt_tos[0].lower() for m in mails) == sorted([ana, bo])
    plain, html = parts(mails[0])
    assert latest in plain
    assert f"{api.settings.base_url}/status/incidents/{public['id']}/" in plain
    assert "SECRET" not in plain and "Internal title" not in plain
    assert EVIL not in html and "&lt;script&gt;" in html
    assert "Slow payments" in str(mails[0].message["subject"])

    # reopened, a new customer reports, resolved again: only the new customer is mailed
    set_status(api, iid, "investigating")
    cy = email("cy")
    assert report(api, contact=cy, service=service)["incident_id"] == iid
    set_status(api, iid, "resolved")
    worker.run_until_idle()
    assert sorted(m.rcpt_tos[0].lower() for m in mails_to(smtp_server, ana, bo, cy)) == sorted(
        [ana, bo, cy]
    )


def test_an_unpublished_incident_gets_a_neutral_mail(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    service = unique("svc")
    iid = declare(api, title=f"Internal title {token()}", services=[service])["id"]
    ana = email("ana")
    report(api, contact=ana, service=service)
    set_status(api, iid, "resolved")
    worker.run_until_idle()
    [mail] = mails_to(smtp_server, ana)
    plain, _ = parts(mail)
    assert "has been resolved" in plain
    assert "Internal title" not in plain and "Internal title" not in str(mail.message["subject"])


def test_dismissed_and_triaged_reporters_are_not_mailed(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    service = unique("svc")
    iid = declare(api, title=f"Outage {token()}", services=[service])["id"]
    waiting, dropped = email("waiting"), email("dropped")
    report(api, contact=waiting, text=f"unrelated {token()}")
    other = report(api, contact=dropped, text=f"unrelated {token()}")
    ok(api.responder.post(f"/api/v1/reports/{other['id']}/dismiss", json={"reason": "spam"}))
    set_status(api, iid, "resolved")
    worker.run_until_idle()
    assert mails_to(smtp_server, waiting, dropped) == []
