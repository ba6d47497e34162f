"""While alerts arrive, the worker runs background timers (recurrence) at a pace, after the
others; when they stop, it runs them all."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest

from tests.builders import unique
from tests.conftest import Api, TestClock
from tocsin import clock as tocsin_clock
from tocsin.timers import service as timers_service
from tocsin.timers.service import DueTimer
from tocsin.worker import loop
from tocsin.worker.loop import Worker

LONG_AGO = datetime(2002, 3, 4, 5, 6, tzinfo=UTC)  # before every other test's timers


@dataclasses.dataclass
class Ran:
    urgent: list[str] = dataclasses.field(default_factory=list)
    background: list[str] = dataclasses.field(default_factory=list)


@pytest.fixture
def setup(api: Api, clock: TestClock) -> Iterator[tuple[Api, Ran, str, str]]:
    clock.set(LONG_AGO)
    urgent_kind, background_kind = unique("urgent"), unique("background")
    ran = Ran()

    def finish(timers: Sequence[DueTimer], into: list[str]) -> None:
        with api.db.transaction() as session:
            held = timers_service.hold_many_in(session, timers=timers)
            ids = [t.id for t in held]
            timers_service.finish_many_in(session, timer_ids=ids, fired_at=tocsin_clock.now())
        into.extend(t.payload["name"] for t in held)

    api_copy = dataclasses.replace(
        api,
        tocsin=dataclasses.replace(
            api.tocsin,
            timer_handlers={urgent_kind: lambda timer: finish([timer], ran.urgent)},
            timer_batch_handlers={background_kind: lambda timers: finish(timers, ran.background)},
            background_timers=frozenset({background_kind}),
        ),
    )
    yield api_copy, ran, urgent_kind, background_kind
    with api.db.transaction() as session:
        timers_service.cancel_groups_in(session, groups=[urgent_kind, background_kind])


def schedule(api: Api, kind: str, count: int) -> None:
    with api.db.transaction() as session:
        timers_service.schedule_many_in(
            session,
            [
                timers_service.Scheduled(
                    key=f"{kind}:{i}",
                    kind=kind,
                    due_at=LONG_AGO,
                    payload={"name": f"{kind}:{i}"},
                    group=kind,
                )
                for i in range(count)
            ],
        )


def test_while_alerts_arrive_background_timers_run_a_batch_a_pace_after_the_others(
    setup: tuple[Api, Ran, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, ran, urgent, background = setup
    schedule(api, background, loop.TIMER_BATCH + 10)
    schedule(api, urgent, 3)
    worker = Worker(api.tocsin, name="background-test", channels={}, busy=lambda: True)
    try:
        worker.run_once()
        assert len(ran.urgent) == 3
        assert len(ran.background) == loop.TIMER_BATCH
        monkeypatch.setattr(loop, "BACKGROUND_PACE", 1e9)  # the next batch: not yet, however slow
        worker.run_once()
        assert len(ran.background) == loop.TIMER_BATCH
        monkeypatch.setattr(loop, "BACKGROUND_PACE", 0.0)  # the pace has passed
        worker.run_once()
        assert len(ran.background) == loop.TIMER_BATCH + 10
    finally:
        worker.pool.shutdown(wait=True)


def test_when_no_alerts_arrive_background_timers_all_run(
    setup: tuple[Api, Ran, str, str],
) -> None:
    api, ran, _, background = setup
    schedule(api, background, loop.TIMER_BATCH + 10)
    worker = Worker(api.tocsin, name="background-idle", channels={}, busy=lambda: False)
    try:
        worker.run_once()
        assert len(ran.background) == loop.TIMER_BATCH + 10
    finally:
        worker.pool.shutdown(wait=True)
