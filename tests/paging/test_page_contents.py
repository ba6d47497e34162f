"""What a page tells the person it wakes, end to end: an Alertmanager alert opens an incident,
the worker pages through real channels (mail over aiosmtpd, Slack and a webhook to the HTTP
receiver), and each carries the alert's labels, annotations, runbook and source, its start,
the acknowledge and incident links; a repeat page says so and who else was paged."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from tests.alerts.helpers import am_body, hook
from tests.builders import integration, level, ok, person, policy, service, unique
from tests.conftest import Api, TestClock
from tests.peers import Receiver, SmtpServer
from tocsin.worker.loop import Worker

RUNBOOK = "https://wiki.example.com/runbooks/disk-full"
SOURCE = "http://prometheus.example.com:9090/graph?g0.expr=disk_free%3C0.05"
STARTS = "2026-03-06T02:10:00Z"


def _alert(name: str) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": name, "instance": "db1:9100", "severity": "critical"},
        "annotations": {
            "summary": "Disk almost full on db1",
            "description": "Only 3% free on /var/lib/postgresql",
            "runbook_url": RUNBOOK,
        },
        "startsAt": STARTS,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": SOURCE,
        "fingerprint": unique("fp"),
    }


def _opened_by_alert(api: Api, *levels: list[int], repeat: int = 0) -> tuple[int, str]:
    """An incident opened by an Alertmanager alert on a service paging ``levels``: (its id,
    the alert name)."""
    made = policy(api, [level(people=people, timeout=5) for people in levels], repeat=repeat)
    name = service(api, made["id"])["name"]
    source = integration(api, service=name)
    alertname = unique("DiskFull")
    [answer] = ok(hook(api, source["key"], am_body(_alert(alertname))))["alerts"]
    assert answer["result"] == "opened", answer
    return answer["incident_id"], alertname


def _plain(mail: Any) -> str:
    text: str = mail.message.get_body(("plain",)).get_content()
    return text


def test_the_mail_carries_the_alert_its_links_and_its_start(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    alice = person(api, "Alice", contacts={"email": "alice@example.test"})
    iid, alertname = _opened_by_alert(api, [alice["id"]])
    worker.run_until_idle()
    [mail] = smtp_server.mailbox.received
    text = _plain(mail)
    assert f"INC-{iid}" in str(mail.message["subject"])
    assert f"Alert: {alertname} — Disk almost full on db1" in text
    assert f"Labels: alertname={alertname}, instance=db1:9100, severity=critical" in text
    assert "description: Only 3% free on /var/lib/postgresql" in text
    assert "Started: 2026-03-06 02:10 UTC" in text  # the alert's startsAt
    assert f"Runbook: {RUNBOOK}" in text
    assert f"Source: {SOURCE}" in text
    assert f"/ack/{iid}/{alice['id']}/" in text
    assert f"Open incident: {api.settings.base_url}/incidents/{iid}" in text
    assert "REPEAT" not in text and "Paged before" not in text  # the first page
    page = mail.message.get_body(("html",)).get_content()
    assert f'<a href="{RUNBOOK}">' in page
    assert f'href="{api.settings.base_url}/incidents/{iid}"' in page and "Open incident" in page


def test_a_repeat_page_says_so_and_names_who_else_was_paged(
    api: Api, worker: Worker, smtp_server: SmtpServer, clock: TestClock
) -> None:
    alice = person(api, "Alice", contacts={"email": "alice@example.test"})
    bob = person(api, "Bob", contacts={"email": "bob@example.test"})
    carol = person(api, "Carol", contacts={"email": "carol@example.test"})
    _opened_by_alert(api, [alice["id"]], [bob["id"], carol["id"]], repeat=1)
    worker.run_until_idle()
    for _ in range(2):  # level 2, then level 1 again (the policy's repeat)
        clock.advance(timedelta(minutes=5))
        worker.run_until_idle()
    by_person: dict[str, list[str]] = {}
    for mail in smtp_server.mailbox.received:
        by_person.setdefault(mail.rcpt_tos[0].split("@")[0], []).append(_plain(mail))
    assert {k: len(v) for k, v in by_person.items()} == {"alice": 2, "bob": 1, "carol": 1}

    bob_page = by_person["bob"][0]
    assert "REPEAT" not in bob_page  # Bob had not been paged: an escalation, not a repeat
    assert "Escalated: level 2" in bob_page
    assert "Paged before: Alice (level 1, " in bob_page
    assert "Also paged now: Carol" in bob_page

    first, again = by_person["alice"]
    assert "REPEAT" not in first
    assert "REPEAT: paged again, nobody has acknowledged since " in again
    line = next(x for x in again.splitlines() if x.startswith("Paged before: "))
    assert line.startswith("Paged before: Alice (level 1, ")
    assert "Bob (level 2, " in line and "Carol (level 2, " in line
    subjects = [str(m.message["subject"]) for m in smtp_server.mailbox.received]
    assert sum("REPEAT" in s for s in subjects) == 1


def test_slack_and_webhook_pages_carry_the_alert(
    api: Api, worker: Worker, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    contacts = {"slack": receiver.url("/slack"), "webhook": receiver.url("/hook")}
    dana = person(api, "Dana", contacts=contacts)
    iid, alertname = _opened_by_alert(api, [dana["id"]])
    worker.run_until_idle()
    sent = {r.path: json.loads(r.body) for r in receiver.requests}
    assert set(sent) == {"/slack", "/hook"}

    slack = sent["/slack"]
    section = next(b for b in slack["blocks"] if b["type"] == "section")["text"]["text"]
    assert f"Labels: alertname={alertname}, instance=db1:9100, severity=critical" in section
    assert "description: Only 3% free on /var/lib/postgresql" in section
    buttons = {
        e["text"]["text"]: e["url"]
        for b in slack["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert buttons["Runbook"] == RUNBOOK and buttons["Source"] == SOURCE
    assert f"/ack/{iid}/{dana['id']}/" in buttons["Acknowledge"]
    assert buttons["Open incident"] == f"{api.settings.base_url}/incidents/{iid}"

    data = sent["/hook"]["data"]
    assert sent["/hook"]["type"] == "incident.page"
    alert = data["alert"]
    assert alert["name"] == alertname and alert["alerts"] == 1
    assert alert["labels"] == {
        "alertname": alertname,
        "instance": "db1:9100",
        "severity": "critical",
    }
    assert alert["annotations"]["description"] == "Only 3% free on /var/lib/postgresql"
    assert alert["runbook_url"] == RUNBOOK
    assert alert["links"] == [{"label": "Source", "url": SOURCE}]
    assert alert["started_at"].startswith("2026-03-06T02:10:00")
    assert data["started_at"] and data["url"] == f"{api.settings.base_url}/incidents/{iid}"
    assert f"/ack/{iid}/{dana['id']}/" in data["ack_url"]
    assert data["paging"] == {
        "repeat": False,
        "first_paged_at": None,
        "paged_before": [],
        "paged_with": [],
    }
