"""A scheduled maintenance's notices reach its page's subscribers: announced, a reminder
before it starts, started and completed, each once, to those of its components only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import Api, TestClock
from tests.peers import SmtpServer
from tests.statuspage.helpers import BASE, created
from tests.statuspage.subscribers.steps import component, mails_to, new_page, subscribed, text_of
from tocsin.worker.loop import Worker

HOUR = timedelta(hours=1)


def subjects(smtp: SmtpServer, address: str) -> list[str]:
    return [str(m.message["Subject"]) for m in mails_to(smtp, address)][1:]  # not the confirmation


def test_each_notice_reaches_the_subscribers_of_its_components_once(
    api: Api, clock: TestClock, worker: Worker, smtp_server: SmtpServer
) -> None:
    clock.set(datetime(2026, 12, 5, 18, 0, tzinfo=UTC))
    page = new_page(api)
    database = component(api, page["id"], "Database")
    other = component(api, page["id"], "Search")
    everything = subscribed(api, worker, smtp_server, page["id"])
    of_database = subscribed(api, worker, smtp_server, page["id"], components=[database])
    of_other = subscribed(api, worker, smtp_server, page["id"], components=[other])

    body = {
        "page_id": page["id"],
        "name": "Database upgrade <v16>",
        "body": "Writes pause for a few minutes.",
        "components": [database],
        "scheduled_for": (clock.now() + 2 * HOUR).isoformat(),
        "scheduled_until": (clock.now() + 3 * HOUR).isoformat(),
    }
    made = created(api.responder.post(f"{BASE}/maintenances", json=body))
    worker.run_until_idle()
    for step in (HOUR, HOUR, HOUR):  # the reminder, its start, its end
        clock.advance(step)
        worker.run_until_idle()
        worker.run_until_idle()
    worker.run_until_idle()  # a second pass sends nothing again

    name = f"[{page['name']}]"
    expected = [
        f"{name} Scheduled maintenance: Database upgrade <v16>",
        f"{name} Maintenance starts soon: Database upgrade <v16>",
        f"{name} Maintenance in progress: Database upgrade <v16>",
        f"{name} Maintenance completed: Database upgrade <v16>",
    ]
    assert subjects(smtp_server, everything) == expected
    assert subjects(smtp_server, of_database) == expected
    assert subjects(smtp_server, of_other) == []
    announced = text_of(mails_to(smtp_server, everything)[1].message)
    assert "2026-12-05 20:00 – 2026-12-05 21:00 UTC" in announced
    assert "Writes pause for a few minutes." in announced
    assert f"{page['url']}/maintenances/{made['id']}/" in announced
    assert "/unsubscribe?token=" in announced
