"""Durability of the ingest path: 2xx only after the commit; failures answer 503, store nothing,
and do not sink the other requests of the batch; the in-memory state survives a reload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from sqlalchemy.exc import OperationalError

from tests.alerts.helpers import alerts_of, am_alert, am_body, hook, info_of, post_alerts
from tests.builders import incident, integration
from tests.conftest import Api
from tests.faults import FaultyServer, declared_with, faulty_server
from tocsin import clock
from tocsin.alerts import integrations
from tocsin.alerts.batch_writer import run_batch
from tocsin.alerts.outcomes import Result
from tocsin.alerts.processing import Job
from tocsin.alerts.sources import alertmanager
from tocsin.alerts.state import IngestState
from tocsin.core.lifecycle import InvalidTime, Status
from tocsin.incidents.hooks import IncidentChanged


@pytest.fixture(scope="module")
def faulty(api: Api) -> Iterator[FaultyServer]:
    """A server of this module's own on the suite's database, where incident changes fail
    while a test arms the fault (see tests/faults.py)."""
    with faulty_server(api) as server:
        yield server


def test_a_database_failure_answers_503_and_stores_nothing(api: Api, faulty: FaultyServer) -> None:
    created = integration(faulty.api)
    disk = OperationalError("INSERT", {}, Exception("disk I/O error"))
    with faulty.fault.armed(disk):
        response = hook(faulty.api, created["key"], am_body(am_alert("db-down-1")))
        # The suite's server, on the same database, does not see the fault.
        elsewhere = integration(api)
        [shared] = post_alerts(api, elsewhere["key"], am_alert("db-down-1"))
        assert shared["result"] == "opened"
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert alerts_of(faulty.api, integration=created["id"]) == []
    [outcome] = post_alerts(faulty.api, created["key"], am_alert("db-down-1"))
    assert outcome["result"] == "opened"  # the state was reloaded, nothing half-done


def test_one_alert_that_cannot_open_an_incident_does_not_stop_the_others(
    faulty: FaultyServer,
) -> None:
    api = faulty.api
    created = integration(api)
    refused = InvalidTime("impact_started_at", "is in the future")
    with faulty.fault.armed(refused, when=declared_with("poison")):
        poison, fine = post_alerts(
            api, created["key"], am_alert("poison-1", alertname="poison"), am_alert("fine-1")
        )
    assert poison["result"] == "not_opened"
    assert poison["outcome"] == "error: no incident opened: impact_started_at: is in the future"
    assert fine["result"] == "opened"
    stored = api.viewer.get(f"/api/v1/alerts/{poison['alert_id']}").json()
    assert stored["incident_id"] is None
    assert stored["trace"][-1] == {"step": "outcome", "result": poison["outcome"]}
    # Its next event tries again.
    [again] = post_alerts(api, created["key"], am_alert("poison-1", alertname="poison"))
    assert again["result"] == "opened"


def test_a_failing_job_is_isolated_from_its_batch(faulty: FaultyServer) -> None:
    api = faulty.api
    created = integration(api)
    info = info_of(api, created)

    def parsed(*alerts: dict[str, Any]) -> Job:
        body = msgspec.json.encode(am_body(*alerts))
        return Job(info, alertmanager.parse(body, now=clock.now()))

    good, bad = parsed(am_alert("ok")), parsed(am_alert("boom"))
    constraint = OperationalError("INSERT", {}, Exception("constraint"))
    with faulty.fault.armed(constraint, when=declared_with("boom")):
        run_batch(api.db, api.tocsin.ingest, [good, bad])
    assert good.error is None and good.outcomes[0].result is Result.OPENED
    assert bad.error is constraint
    keys = [a["dedup_key"] for a in alerts_of(api, integration=created["id"])]
    assert keys == ["fp-DiskFull-ok"]


def test_open_alerts_survive_a_reload_of_the_state(api: Api) -> None:
    created = integration(api, group_by=["alertname"])
    [first] = post_alerts(api, created["key"], am_alert("reload-1"))
    api.tocsin.ingest.invalidate()  # as after a restart
    [repeat, joined] = post_alerts(api, created["key"], am_alert("reload-1"), am_alert("reload-2"))
    assert repeat["result"] == "deduplicated"
    assert repeat["alert_id"] == first["alert_id"]
    assert joined["result"] == "joined"


def test_two_replicas_racing_on_one_key_open_one_incident(api: Api) -> None:
    """Each `serve` replica caches open alerts; the database still allows one open alert per
    key, so the replica that loses the race reloads and joins the open incident."""
    created = integration(api)
    info = integrations.find_by_digest(
        api.db, api.tocsin.ingest, integrations.digest(created["key"])
    )
    assert info is not None
    first_replica, second_replica = IngestState(), IngestState()
    for state in (first_replica, second_replica):  # both have seen the key closed
        with api.db.reading() as session:
            state.ensure_loaded(session)
    body = msgspec.json.encode(am_body(am_alert("race-1")))
    one, two = (Job(info, alertmanager.parse(body, now=clock.now())) for _ in range(2))
    run_batch(api.db, first_replica, [one])
    run_batch(api.db, second_replica, [two])
    assert one.outcomes[0].result is Result.OPENED
    assert two.error is not None  # refused by the database; the sender retries
    third = Job(info, alertmanager.parse(body, now=clock.now()))
    run_batch(api.db, second_replica, [third])
    assert third.outcomes[0].result is Result.DEDUPLICATED
    assert len(alerts_of(api, integration=created["id"])) == 1


def test_repeats_taken_by_two_replicas_all_count(api: Api) -> None:
    """Each replica adds the repeats it saw to the stored count, never writes its own tally."""
    created = integration(api)
    info = integrations.find_by_digest(
        api.db, api.tocsin.ingest, integrations.digest(created["key"])
    )
    assert info is not None
    body = msgspec.json.encode(am_body(am_alert("counted-1")))

    def jobs(n: int) -> list[Job]:
        return [Job(info, alertmanager.parse(body, now=clock.now())) for _ in range(n)]

    first, second = IngestState(), IngestState()
    run_batch(api.db, first, jobs(1))  # opens it: count 1
    with api.db.reading() as session:
        second.ensure_loaded(session)  # both replicas now hold it with count 1
    run_batch(api.db, first, jobs(2))
    run_batch(api.db, second, jobs(3))
    run_batch(api.db, first, jobs(1))
    [stored] = alerts_of(api, integration=created["id"])
    assert stored["count"] == 1 + 2 + 3 + 1


def test_a_resolve_reaches_an_alert_another_replica_opened(api: Api) -> None:
    created = integration(api)
    info = integrations.find_by_digest(
        api.db, api.tocsin.ingest, integrations.digest(created["key"])
    )
    assert info is not None
    opener, other = IngestState(), IngestState()
    with api.db.reading() as session:
        other.ensure_loaded(session)  # loaded before the alert exists

    def job(status: str) -> Job:
        body = msgspec.json.encode(am_body(am_alert("replica-1", status=status)))
        return Job(info, alertmanager.parse(body, now=clock.now()))

    opened, resolved = job("firing"), job("resolved")
    run_batch(api.db, opener, [opened])
    run_batch(api.db, other, [resolved])
    assert resolved.error is None
    assert resolved.outcomes[0].result is Result.RESOLVED
    [stored] = alerts_of(api, integration=created["id"])
    assert stored["status"] == "resolved"


def test_an_alert_never_joins_a_group_whose_incident_was_resolved_elsewhere(api: Api) -> None:
    created = integration(api, group_by=["alertname"])
    info = integrations.find_by_digest(
        api.db, api.tocsin.ingest, integrations.digest(created["key"])
    )
    assert info is not None
    replica = IngestState()

    def job(instance: str) -> Job:
        body = msgspec.json.encode(am_body(am_alert(instance, alertname="GroupRace")))
        return Job(info, alertmanager.parse(body, now=clock.now()))

    first = job("g-1")
    run_batch(api.db, replica, [first])
    opened = first.outcomes[0].current
    assert opened is not None and opened.incident_id is not None
    # A person resolves it through another process; this replica is not told.
    resolved = api.responder.post(
        f"/api/v1/incidents/{opened.incident_id}/status", json={"status": "resolved"}
    )
    assert resolved.status_code == 200
    second = job("g-2")
    run_batch(api.db, replica, [second])
    assert second.outcomes[0].result is Result.OPENED
    assert second.outcomes[0].current is not None
    assert second.outcomes[0].current.incident_id != opened.incident_id


def test_an_alert_whose_text_makes_no_incident_is_stored_with_the_reason(api: Api) -> None:
    created = integration(api)
    blank = am_alert("blank-1", alertname=" ")
    blank["labels"] = {"alertname": " "}  # no summary, no other label: a blank title
    blank["annotations"] = {}
    unnamed, fine = post_alerts(api, created["key"], blank, am_alert("blank-2"))
    assert (unnamed["result"], unnamed["incident_id"]) == ("not_opened", None)
    assert "title" in unnamed["outcome"]
    assert fine["result"] == "opened"
    stored = api.viewer.get(f"/api/v1/alerts/{unnamed['alert_id']}").json()
    assert stored["incident_id"] is None


def test_a_bug_while_opening_an_incident_is_not_taken_for_a_refusal(
    faulty: FaultyServer,
) -> None:
    """Only the incident rules' refusals become an outcome: anything else fails the request
    (503, nothing stored, the sender retries) instead of hiding among outcomes."""
    api = faulty.api
    created = integration(api)
    with faulty.fault.armed(ValueError("a bug")):
        response = hook(api, created["key"], am_body(am_alert("bug-1")))
    assert response.status_code == 503
    assert alerts_of(api, integration=created["id"]) == []
    [retried] = post_alerts(api, created["key"], am_alert("bug-1"))
    assert retried["result"] == "opened"


def test_a_bug_while_resolving_an_incident_fails_the_request(faulty: FaultyServer) -> None:
    api = faulty.api
    created = integration(api, auto_resolve=True)
    [opened] = post_alerts(api, created["key"], am_alert("bug-2"))
    iid = opened["incident_id"]

    def resolving(change: IncidentChanged) -> bool:
        return change.incident_id == iid and change.status is Status.RESOLVED

    with faulty.fault.armed(ValueError("a bug"), when=resolving):
        response = hook(api, created["key"], am_body(am_alert("bug-2", status="resolved")))
    assert response.status_code == 503
    assert incident(api, iid)["status"] == "triggered"  # nothing of it was kept
    [resolved] = post_alerts(api, created["key"], am_alert("bug-2", status="resolved"))
    assert (resolved["result"], resolved["incident_id"]) == ("resolved", iid)
    assert incident(api, iid)["status"] == "resolved"


def _grouped_jobs(api: Api) -> Any:
    created = integration(api, group_by=["alertname"], auto_resolve=True)
    info = integrations.find_by_digest(
        api.db, api.tocsin.ingest, integrations.digest(created["key"])
    )
    assert info is not None
    name = f"Spread{created['id']}"

    def job(instance: str, status: str = "firing") -> Job:
        alert = am_alert(instance, alertname=name, status=status)
        return Job(info, alertmanager.parse(msgspec.json.encode(am_body(alert)), now=clock.now()))

    return job


def test_a_group_another_replica_opened_is_joined_not_opened_again(api: Api) -> None:
    job = _grouped_jobs(api)
    first, second = IngestState(), IngestState()
    for state in (first, second):  # both loaded before the group exists
        with api.db.reading() as session:
            state.ensure_loaded(session)
    opening, joining = job("spread-1"), job("spread-2")
    run_batch(api.db, first, [opening])
    run_batch(api.db, second, [joining])
    assert opening.outcomes[0].result is Result.OPENED
    assert joining.outcomes[0].result is Result.JOINED
    assert joining.outcomes[0].incident_id == opening.outcomes[0].incident_id


def test_an_incident_resolves_when_the_alerts_of_every_replica_have(api: Api) -> None:
    job = _grouped_jobs(api)
    first, second = IngestState(), IngestState()
    opening, joining = job("both-1"), job("both-2")
    run_batch(api.db, first, [opening])
    run_batch(api.db, second, [joining])
    incident_id = opening.outcomes[0].incident_id
    assert incident_id is not None and joining.outcomes[0].incident_id == incident_id
    # The first replica never saw both-2: its alerts all resolved is not the incident's.
    run_batch(api.db, first, [job("both-1", "resolved")])
    assert api.viewer.get(f"/api/v1/incidents/{incident_id}").json()["status"] == "triggered"
    run_batch(api.db, second, [job("both-2", "resolved")])
    assert api.viewer.get(f"/api/v1/incidents/{incident_id}").json()["status"] == "resolved"
