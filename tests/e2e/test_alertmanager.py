"""Debian's Prometheus Alertmanager delivering its webhook to a running Tocsin.

Alerts are posted to Alertmanager's own API; Alertmanager groups them and notifies Tocsin
(with the integration key as a Bearer token), repeats its notifications, and sends the
resolution. Skipped only outside CI when the package is missing (``make test`` installs it).
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.alerts.helpers import alerts_of
from tests.builders import incident, integration
from tests.conftest import Api
from tests.e2e.conftest import require_binary
from tests.peers import free_port

T = TypeVar("T")
CONFIG = """
route:
  receiver: tocsin
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: tocsin
    webhook_configs:
      - url: '{url}/hooks'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: '{key}'
"""


@contextmanager
def alertmanager(tmp_path: Path, url: str, key: str) -> Iterator[str]:
    binary = require_binary("/usr/bin/prometheus-alertmanager", "prometheus-alertmanager")
    config = tmp_path / "alertmanager.yml"
    config.write_text(CONFIG.format(url=url, key=key))
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    log = (tmp_path / "alertmanager.log").open("w")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--web.external-url={address}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: httpx.get(f"{address}/-/ready").status_code == 200 or None, what="ready")
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def wait_for(check: Callable[[], T | None], *, what: str, seconds: float = 30) -> T:
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = check()
        except (httpx.TransportError, AssertionError):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def post(address: str, alerts: list[dict[str, Any]]) -> None:
    response = httpx.post(f"{address}/api/v2/alerts", json=alerts)
    assert response.status_code == 200, response.text


def disk_alert(instance: str, *, resolved: bool = False) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "labels": {"alertname": "E2EDiskFull", "instance": instance, "severity": "critical"},
        "annotations": {"summary": f"Disk almost full on {instance}"},
        "generatorURL": "http://prometheus:9090/graph?g0.expr=disk",
    }
    if resolved:
        alert["endsAt"] = datetime.now(UTC).isoformat()
    return alert


def test_alertmanager_alerts_arrive_dedupe_and_resolve(api: Api, tmp_path: Path) -> None:
    created = integration(api, group_by=["alertname"], auto_resolve=True)
    mine = {"integration": created["id"]}
    with alertmanager(tmp_path, api.url, created["key"]) as address:
        post(address, [disk_alert("db1:9100"), disk_alert("db2:9100")])
        arrived = wait_for(
            lambda: (found := alerts_of(api, **mine)) and len(found) == 2 and found,
            what="both alerts in Tocsin",
        )
        incidents = {a["incident_id"] for a in arrived}
        assert len(incidents) == 1, arrived  # grouped by alertname into one incident
        iid = incidents.pop()
        assert incident(api, iid)["severity"] == "SEV1"
        assert all(re.fullmatch(r"[0-9a-f]{16}", a["dedup_key"]) for a in arrived)  # fingerprints
        # Alertmanager repeats its notification every 2 s: counts go up, nothing new opens.
        wait_for(
            lambda: all(a["count"] >= 2 for a in alerts_of(api, **mine)) or None,
            what="repeated notifications",
        )
        assert len(alerts_of(api, **mine)) == 2
        assert {a["incident_id"] for a in alerts_of(api, **mine)} == {iid}
        post(
            address, [disk_alert("db1:9100", resolved=True), disk_alert("db2:9100", resolved=True)]
        )
        wait_for(lambda: incident(api, iid)["status"] == "resolved" or None, what="resolution")
    final = alerts_of(api, **mine)
    assert sorted(a["labels"]["instance"] for a in final) == ["db1:9100", "db2:9100"]
    assert [(a["status"], a["open"]) for a in final] == [("resolved", False)] * 2
    for alert in final:  # the end Alertmanager reported, after the alert began
        assert datetime.fromisoformat(alert["ends_at"]) >= datetime.fromisoformat(
            alert["starts_at"]
        )
