"""Dedup holds however events are cut into requests and commits: one open alert per key, a
trigger opens an incident only when its key has none, and each incident is declared once.
And one commit takes whole requests up to the writer's cap, in arrival order; the writer is
busy while commits come."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.alerts.helpers import am_alert, am_body, info_of
from tests.builders import integration
from tests.conftest import Api
from tests.faults import faulty_server
from tocsin import clock
from tocsin.alerts.batch_writer import BatchWriter, run_batch
from tocsin.alerts.outcomes import Result
from tocsin.alerts.processing import Job
from tocsin.alerts.sources import alertmanager
from tocsin.alerts.tables import Alert
from tocsin.incidents.hooks import IncidentChanged
from tocsin.incidents.tables import IncidentEvent

KEYS = 4
Event = tuple[int, bool]  # (key number, firing)
events = st.tuples(st.integers(0, KEYS - 1), st.booleans())
jobs = st.lists(st.lists(events, min_size=1, max_size=6), min_size=1, max_size=4)
batches = st.lists(jobs, min_size=1, max_size=4)


def _job(api: Api, created: dict[str, Any], job: list[Event]) -> Job:
    # SEV4: no deadline and no page, so these incidents leave no timers for later tests.
    alerts = [
        am_alert(f"k{k}", status="firing" if on else "resolved", severity="info") for k, on in job
    ]
    body = msgspec.json.encode(am_body(*alerts))
    return Job(info_of(api, created), alertmanager.parse(body, now=clock.now()))


def _expected(batch: list[list[Event]], firing: set[int]) -> list[Result]:
    """The model: what each event of one commit does, given the keys firing before it.

    A resolved alert stays its incident's until the commit (a trigger in the same commit
    fires it again); at the commit its incident, with no other alert, resolves.
    """
    results: list[Result] = []
    resolved: set[int] = set()
    for key, on in (event for job in batch for event in job):
        if on and key in firing:
            results.append(Result.DEDUPLICATED)
        elif on and key in resolved:
            resolved.discard(key)
            firing.add(key)
            results.append(Result.DEDUPLICATED)
        elif on:
            firing.add(key)
            results.append(Result.OPENED)
        elif key in firing:
            firing.discard(key)
            resolved.add(key)
            results.append(Result.RESOLVED)
        elif key in resolved:
            results.append(Result.ALREADY_RESOLVED)
        else:
            results.append(Result.IGNORED)
    return results


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(run=batches)
def test_dedup_holds_however_events_are_batched(api: Api, run: list[list[list[Event]]]) -> None:
    created = integration(api, auto_resolve=True, rate_limit_per_minute=1_000_000)
    firing: set[int] = set()
    opened: list[int] = []
    for batch in run:
        expected = _expected(batch, firing)
        made = [_job(api, created, job) for job in batch]
        run_batch(api.db, api.tocsin.ingest, made)
        outcomes = [o for job in made for o in job.outcomes]
        assert [o.result for o in outcomes] == expected
        opened += [o.incident_id for o in outcomes if o.result is Result.OPENED and o.incident_id]
        with api.db.transaction() as session:
            open_keys = _open_keys(session, created["id"])
        assert sorted(open_keys) == sorted(f"fp-DiskFull-k{k}" for k in firing)
    assert len(set(opened)) == len(opened)
    with api.db.transaction() as session:
        declared = session.execute(
            select(IncidentEvent.incident_id, func.count())
            .where(IncidentEvent.kind == "declared", IncidentEvent.incident_id.in_(opened))
            .group_by(IncidentEvent.incident_id)
        ).all()
    assert dict(declared) == dict.fromkeys(opened, 1)


def _open_keys(session: Session, integration_id: int) -> list[str]:
    query = select(Alert.dedup_key).where(
        Alert.integration_id == integration_id, Alert.open.is_(True)
    )
    return list(session.scalars(query))


def test_one_commit_takes_whole_requests_up_to_the_cap(api: Api) -> None:
    """Requests of 3, 3, 8, 1 and 1 alerts queued together, a cap of 5: the commits hold
    [3], [3], [8] (bigger than the cap, alone) and [1, 1]."""
    with faulty_server(api) as server:
        commits = itertools.count()
        seen: dict[str, int] = {}

        def record(session: Session, change: IncidentChanged) -> None:
            commit = session.info.setdefault("test-commit", next(commits))
            seen[change.data["title"]] = commit

        server.api.db.hooks.subscribe(IncidentChanged, record)
        created = integration(server.api)
        sizes = {"a": 3, "b": 3, "c": 8, "d": 1, "e": 1}
        writer = BatchWriter(server.api.db, server.api.tocsin.ingest, max_commit_alerts=5)

        async def send() -> list[Job]:
            futures = []
            for tag, size in sizes.items():
                alerts = [am_alert(f"cap-{tag}-{n}", severity="info") for n in range(size)]
                body = msgspec.json.encode(am_body(*alerts))
                job = Job(info_of(server.api, created), alertmanager.parse(body, now=clock.now()))
                futures.append(writer.submit(job))
            writer.start()  # after every job is queued: the writer finds them all waiting
            try:
                return list(await asyncio.gather(*futures))
            finally:
                await asyncio.to_thread(writer.stop)

        done = asyncio.run(send())
    assert all(o.result is Result.OPENED for job in done for o in job.outcomes)
    by_request: dict[str, set[int]] = {}
    for title, commit in seen.items():
        by_request.setdefault(title.split("-")[1], set()).add(commit)
    assert all(len(commit) == 1 for commit in by_request.values())  # a request is never split
    order = [by_request[tag].pop() for tag in sizes]
    assert order[0] < order[1] < order[2] < order[3] == order[4]


def test_the_writer_is_busy_while_a_request_is_queued(api: Api) -> None:
    created = integration(api)
    writer = BatchWriter(api.db, api.tocsin.ingest)
    assert not writer.busy()

    async def send() -> bool:
        body = msgspec.json.encode(am_body(am_alert("busy-1", severity="info")))
        future = writer.submit(
            Job(info_of(api, created), alertmanager.parse(body, now=clock.now()))
        )
        queued = writer.busy()
        writer.start()
        try:
            await future
        finally:
            await asyncio.to_thread(writer.stop)
        return queued

    assert asyncio.run(send())  # queued: busy (and for BUSY_SECONDS after each commit)
