"""The open-alert cache is read at start, before the port opens: the first request after a
restart does not wait for it."""

from __future__ import annotations

from tests.alerts.helpers import am_alert, post_alerts
from tests.builders import integration, unique
from tests.conftest import Api, serving
from tests.peers import free_port
from tocsin.db import Database


def test_a_restarted_server_has_its_open_alerts_loaded_before_the_first_request(
    api: Api,
) -> None:
    key = integration(api)["key"]
    instance = unique("warm")
    first = post_alerts(api, key, am_alert(instance))[0]
    # A new process on the same database, as after a restart.
    settings = api.settings.model_copy(update={"port": free_port()})
    db = Database(settings.database_url)
    with serving(settings, db) as restarted:
        open_alerts = restarted.tocsin.ingest.open_alerts
        assert open_alerts.loaded
        assert open_alerts.loads == 1
        assert any(
            current.dedup_key == first["dedup_key"] for current in open_alerts.current.values()
        )
        again = post_alerts(restarted, key, am_alert(instance))[0]
        assert again["incident_id"] == first["incident_id"]
        assert open_alerts.loads == 1  # the request found the cache full, and did not reload it
    db.dispose()
