"""The alert writer's batch path: many incidents opened in one commit keep every effect of
one opened alone (one ``declared`` event, the escalation, its timer, the recurrence timer, one
page each), and a batch joining an incident checks it once for all its alerts."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from sqlalchemy import select, update

from tests.alerts.helpers import am_alert, am_body, info_of, post_alerts
from tests.builders import (
    incident,
    integration,
    kinds,
    ok,
    paged_service,
    paging,
    person,
    timeline,
)
from tests.conftest import Api
from tests.peers import SmtpServer
from tocsin import clock
from tocsin.alerts.batch_writer import run_batch
from tocsin.alerts.outcomes import Result
from tocsin.alerts.processing import Job
from tocsin.alerts.sources import alertmanager
from tocsin.incidents.tables import Incident
from tocsin.metrics.tables import IncidentFacts
from tocsin.timers.tables import Timer
from tocsin.worker.loop import Worker


def _job(api: Api, created: dict[str, Any], *alerts: dict[str, Any]) -> Job:
    body = msgspec.json.encode(am_body(*alerts))
    return Job(info_of(api, created), alertmanager.parse(body, now=clock.now()))


def _timers_of(api: Api, incident_ids: list[int]) -> dict[int, list[str]]:
    """The pending timers' kinds, by the incident their payload names."""
    found: dict[int, list[str]] = {i: [] for i in incident_ids}
    with api.db.transaction() as session:
        for kind, payload in session.execute(
            select(Timer.kind, Timer.payload).where(Timer.status == "pending")
        ):
            if payload.get("incident_id") in found:
                found[payload["incident_id"]].append(kind)
    return found


def test_a_batch_opening_many_incidents_keeps_each_ones_effects(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    alice = person(api, "alice", contacts={"email": "alice-batch@example.test"})
    created = integration(api, service=paged_service(api, [alice["id"]]))
    first = _job(api, created, *(am_alert(f"many-{n}", severity="warning") for n in range(30)))
    second = _job(api, created, *(am_alert(f"many-{n}", severity="warning") for n in range(30, 45)))
    run_batch(api.db, api.tocsin.ingest, [first, second])  # one commit for both

    outcomes = first.outcomes + second.outcomes
    assert [o.result for o in outcomes] == [Result.OPENED] * 45
    ids = [o.incident_id for o in outcomes]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == 45
    opened = [i for i in ids if i is not None]
    for incident_id, outcome in zip(opened, outcomes, strict=True):
        shown = incident(api, incident_id)
        assert shown["status"] == "triggered" and shown["services"] == [created["service"]]
        assert shown["title"] == f"DiskFull on {outcome.dedup_key.removeprefix('fp-DiskFull-')}"
        events = kinds(api, incident_id)
        assert events.count("declared") == 1
        assert events.count("escalation_started") == 1
        assert paging(api, incident_id)["escalation"]["state"] == "active"
    with api.db.reading() as session:  # the dashboard's facts, as for one opened alone
        facts = session.scalars(
            select(IncidentFacts.incident_id).where(IncidentFacts.incident_id.in_(opened))
        ).all()
    assert sorted(facts) == sorted(opened)
    timers = _timers_of(api, opened)
    for incident_id in opened:
        assert sorted(timers[incident_id]).count("escalate") == 1, timers[incident_id]
        assert "recurrence" in timers[incident_id]
        assert "incident_reminder" in timers[incident_id]  # the update deadline's reminder

    worker.run_until_idle()
    mails = [m for m in smtp_server.mailbox.received if "alice-batch@" in m.rcpt_tos[0]]
    subjects = sorted(str(m.message["subject"]) for m in mails)
    assert len(mails) == 45  # one page per incident, none twice
    for incident_id in opened:
        assert sum(re.search(rf"INC-{incident_id}\b", s) is not None for s in subjects) == 1
    for incident_id in opened:  # resolved: their reminders leave the later tests alone
        ok(
            api.responder.post(
                f"/api/v1/incidents/{incident_id}/status", json={"status": "resolved"}
            )
        )


def test_an_alert_resolving_in_the_same_batch_closes_the_incident_it_opened(api: Api) -> None:
    created = integration(api, auto_resolve=True)
    fired = _job(
        api, created, am_alert("flap-1", severity="info"), am_alert("flap-2", severity="info")
    )
    resolved = _job(api, created, am_alert("flap-1", status="resolved", severity="info"))
    run_batch(api.db, api.tocsin.ingest, [fired, resolved])
    [opened, kept] = fired.outcomes
    assert resolved.outcomes[0].result is Result.RESOLVED
    assert opened.incident_id is not None and kept.incident_id is not None
    assert incident(api, opened.incident_id)["status"] == "resolved"
    assert incident(api, kept.incident_id)["status"] == "triggered"
    assert kinds(api, opened.incident_id).count("declared") == 1


def test_a_batch_joining_an_incident_joins_it_once_with_all_its_alerts(api: Api) -> None:
    created = integration(api, group_by=["alertname"])
    [first] = post_alerts(
        api, created["key"], am_alert("join-0", alertname="Joined", severity="info")
    )
    incident_id = first["incident_id"]
    jobs = [
        _job(
            api,
            created,
            *(am_alert(f"join-{j}-{n}", alertname="Joined", severity="info") for n in range(20)),
        )
        for j in range(3)
    ]
    run_batch(api.db, api.tocsin.ingest, jobs)
    outcomes = [o for job in jobs for o in job.outcomes]
    assert {(o.result, o.incident_id) for o in outcomes} == {(Result.JOINED, incident_id)}
    [joined] = timeline(api, incident_id, "alert_joined")
    assert joined["data"]["count"] == 60


def test_a_batch_finding_its_group_incident_resolved_elsewhere_opens_one_new_incident(
    api: Api,
) -> None:
    created = integration(api, group_by=["alertname"])
    [first] = post_alerts(
        api, created["key"], am_alert("gone-0", alertname="Gone", severity="info")
    )
    old = first["incident_id"]
    # Resolved by another replica: this process's cache has not heard of it.
    with api.db.transaction() as session:
        session.execute(update(Incident).where(Incident.id == old).values(status="resolved"))
    job = _job(
        api,
        created,
        *(am_alert(f"gone-{n}", alertname="Gone", severity="info") for n in range(1, 21)),
    )
    run_batch(api.db, api.tocsin.ingest, [job])
    [opener, *joiners] = job.outcomes
    assert opener.result is Result.OPENED and opener.incident_id != old
    # One new incident for the group, checked once: the others join it.
    assert {(o.result, o.incident_id) for o in joiners} == {(Result.JOINED, opener.incident_id)}
