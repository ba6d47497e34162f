"""Mail subscriptions never confirmed are deleted by a worker's periodic job, a settable
number of days after their last confirmation mail."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.builders import unique
from tests.conftest import Api, TestClock
from tests.peers import SmtpServer
from tests.statuspage.subscribers.steps import (
    link,
    mails_to,
    new_page,
    subscribe,
    subscribed,
    subscribers,
)
from tocsin.worker.loop import Worker

JOB = "unconfirmed-subscribers"


def test_the_job_is_set_by_the_setting(api: Api) -> None:
    job = api.tocsin.periodic[JOB]
    days = api.settings.statuspage_unconfirmed_days
    assert days == 7
    assert job.run.keywords["older_than"] == timedelta(days=days)  # type: ignore[attr-defined]


def test_unconfirmed_subscriptions_are_purged_after_the_set_age_confirmed_ones_stay(
    api: Api, clock: TestClock, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    kept = subscribed(api, worker, smtp_server, page["id"])
    stale, fresh = (f"{unique(name)}@example.com" for name in ("stale", "fresh"))
    assert subscribe(api, page["id"], email=stale).status_code == 202
    worker.run_until_idle()
    (confirmation,) = mails_to(smtp_server, stale)
    age = timedelta(days=api.settings.statuspage_unconfirmed_days)
    clock.advance(age - timedelta(days=1))
    assert subscribe(api, page["id"], email=fresh).status_code == 202
    worker.run_until_idle()
    purge = api.tocsin.periodic[JOB].run
    purge()
    assert len(subscribers(api, page["id"])) == 3  # none is old enough yet

    clock.advance(timedelta(days=1, minutes=1))
    assert purge() >= 1
    left = {row["address"]: row["status"] for row in subscribers(api, page["id"])}
    assert left == {kept: "active", fresh: "pending"}
    late = link(confirmation.message, "confirm")
    assert httpx.get(late, timeout=30).status_code == 403  # the old link: subscribe again
    assert httpx.post(late, timeout=30).status_code == 403
    assert purge() == 0
