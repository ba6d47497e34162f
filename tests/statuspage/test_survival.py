"""The status page survives: the JSON answers from the snapshot while the database is down,
after a restart while it is down (the saved snapshot), and replicas catch up by polling.

PostgreSQL here is a cluster of the test's own (tests/pgcluster.py), stopped mid-test.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import httpx
from fastapi import FastAPI

from tests.conftest import Api, serving, settings_for
from tests.peers import uvicorn_thread
from tests.pgcluster import PgCluster
from tests.statuspage.helpers import BASE, component, declare, public_component, unique
from tests.web.test_outage import wait_for
from tocsin.db import Database
from tocsin.schema import migrate
from tocsin.web.app import create_app

PATHS = ["summary.json", "status.json", "components.json", "incidents.json",
         "incidents/unresolved.json"]  # fmt: skip


def bare_server(app: FastAPI, port: int) -> AbstractContextManager[str]:
    """Serve ``app`` without touching its database first (``serving`` makes tokens)."""
    return uvicorn_thread(app, port)


def test_the_json_answers_with_the_last_state_while_postgres_is_down(
    pg_cluster: PgCluster, tmp_path: Path
) -> None:
    settings = settings_for(pg_cluster.create_database("tocsin_statuspage"), tmp_path)
    db = Database(settings.database_url)
    migrate(db)
    try:
        with serving(settings, db) as api:
            service = unique("checkout")
            made = component(api, services=[service])
            incident = declare(api, service, "SEV1")
            published = {"incident_id": incident["id"], "name": "Checkout down", "body": "On it."}
            assert api.responder.post(f"{BASE}/incidents", json=published).status_code == 201
            before = {path: httpx.get(f"{api.url}/api/v2/{path}") for path in PATHS}
            assert public_component(api, made["id"])["status"] == "major_outage"

            pg_cluster.stop("immediate")
            assert api.viewer.get(f"{BASE}/components").status_code == 503  # the API needs it
            for path, earlier in before.items():
                during = httpx.get(f"{api.url}/api/v2/{path}")
                assert during.status_code == 200, (path, during.text)
                assert during.content == earlier.content  # the last state, byte for byte
                etag = earlier.headers["etag"]
                assert httpx.get(during.url, headers={"If-None-Match": etag}).status_code == 304
            assert not api.tocsin.statuspage.poll()  # the poller's check fails quietly
            assert httpx.get(f"{api.url}/api/v2/summary.json").status_code == 200

        # A restart while the database is still down serves the saved snapshot.
        restarted_db = Database(settings.database_url)
        restarted = create_app(settings, restarted_db)
        with bare_server(restarted, settings.port) as url:
            for path, earlier in before.items():
                answer = httpx.get(f"{url}/api/v2/{path}")
                assert answer.status_code == 200, (path, answer.text)
                assert answer.content == earlier.content
            pg_cluster.start()
            wait_for(  # back: the next poll or change rebuilds from the database
                restarted.state.tocsin.statuspage.poll,
                "a rebuild once PostgreSQL is back",
            )
            assert httpx.get(f"{url}/api/v2/summary.json").content == (
                before["summary.json"].content
            )
        restarted_db.dispose()
    finally:
        if not pg_cluster.running:
            pg_cluster.start()
        db.dispose()


def test_a_replica_catches_up_with_another_ones_changes(api: Api, tmp_path: Path) -> None:
    settings = settings_for(api.settings.database_url, tmp_path).model_copy(
        update={"statuspage_poll_seconds": 0.05}
    )
    db = Database(settings.database_url)
    replica = create_app(settings, db)
    try:
        with bare_server(replica, settings.port) as url:
            made = component(api)  # committed by the other replica (the suite's server)

            def seen(status: str) -> bool:
                components = httpx.get(f"{url}/api/v2/components.json").json()["components"]
                return any(c["id"] == str(made["id"]) and c["status"] == status for c in components)

            wait_for(lambda: seen("operational"), "the replica shows the new component")
            api.responder.patch(f"{BASE}/components/{made['id']}", json={"status": "major_outage"})
            wait_for(lambda: seen("major_outage"), "the replica shows the change")
    finally:
        db.dispose()
