"""The worker runs the periodic checks: a missed heartbeat raises its alert."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.helpers import alerts_of
from tests.builders import integration
from tests.conftest import Api, TestClock
from tocsin.worker.loop import Worker


def test_worker_raises_a_missed_heartbeat(api: Api, clock: TestClock) -> None:
    created = integration(api, "heartbeat", heartbeat_interval_minutes=5)
    worker = Worker(api.tocsin, name="periodic-test", channels={})
    try:
        worker.run_once()
        assert alerts_of(api, integration=created["id"]) == []
        clock.advance(timedelta(minutes=6))
        worker.run_once()  # within 30 s of the last check: not yet again
        assert alerts_of(api, integration=created["id"]) == []
        worker.last_periodic.clear()
        worker.run_once()
        [alert] = alerts_of(api, integration=created["id"])
        assert alert["name"] == "HeartbeatMissed"
    finally:
        worker.pool.shutdown(wait=True)
