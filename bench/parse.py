"""How many alerts per second each source parser turns into normalized alerts (one core).

Only parsing: no HTTP, no database. Prints the figures; asserts nothing.

    python bench/parse.py [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

from tocsin.alerts.sources import alertmanager, generic, grafana, pagerduty

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _am_alert(n: int) -> dict[str, object]:
    return {
        "status": "firing" if n % 3 else "resolved",
        "labels": {"alertname": "DiskFull", "instance": f"db{n}:9100", "severity": "critical"},
        "annotations": {"summary": f"Disk almost full on db{n}", "runbook_url": "https://rb/d"},
        "startsAt": "2026-11-24T01:37:37.774505996Z",
        "endsAt": "2026-11-24T01:38:04Z" if n % 3 == 0 else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": f"{n:016x}",
    }


def _am_body(count: int, **extra: object) -> bytes:
    alerts = [{**_am_alert(n), **extra} for n in range(count)]
    payload = {"receiver": "tocsin", "status": "firing", "alerts": alerts, "version": "4"}
    return json.dumps(payload).encode()


PD_TRIGGER = json.dumps(
    {
        "event_action": "trigger",
        "routing_key": "e93facc04764012d7bfb002500d5d1a6",
        "dedup_key": "srv01/mysql",
        "payload": {
            "summary": "DISK at 99% on machine prod-datapipe03.example.com",
            "timestamp": "2026-11-24T01:42:58.315+0000",
            "severity": "critical",
            "source": "prod-datapipe03.example.com",
            "component": "mysql",
            "custom_details": {"free space": "1%", "load avg": 0.75},
        },
        "links": [{"href": "https://example.com", "text": "An example link."}],
    }
).encode()
PD_RESOLVE = b'{"routing_key":"e93facc04764012d7bfb002500d5d1a6","dedup_key":"srv01/mysql",'
PD_RESOLVE += b'"event_action":"resolve"}'
GENERIC = generic.GenericMapping(
    root="items", summary="title", dedup_key="id", severity="level", labels="tags"
)
GENERIC_BODY = json.dumps(
    {
        "items": [
            {"id": f"a{n}", "title": f"Alert {n}", "level": "error", "tags": {"n": n}}
            for n in range(100)
        ]
    }
).encode()


def rate(parse: Callable[[], int], seconds: float) -> float:
    alerts, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(20):
            alerts += parse()
    return alerts / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    seconds = parser.parse_args().seconds
    am_100, am_1 = _am_body(100), _am_body(1)
    grafana_100 = _am_body(100, silenceURL="https://g/s", values={"B": 44.2, "C": 1})
    cases: list[tuple[str, Callable[[], int]]] = [
        ("alertmanager, 100 alerts/body", lambda: len(alertmanager.parse(am_100, now=NOW))),
        ("alertmanager, 1 alert/body", lambda: len(alertmanager.parse(am_1, now=NOW))),
        ("grafana, 100 alerts/body", lambda: len(grafana.parse(grafana_100, now=NOW))),
        ("pagerduty trigger, 1 event", lambda: len(pagerduty.parse(PD_TRIGGER, now=NOW))),
        ("pagerduty resolve, 1 event", lambda: len(pagerduty.parse(PD_RESOLVE, now=NOW))),
        (
            "generic, 100 alerts/body",
            lambda: len(generic.parse(GENERIC_BODY, now=NOW, mapping=GENERIC)),
        ),
    ]
    for label, parse in cases:
        print(f"{label:32} {rate(parse, seconds):>12,.0f} alerts/s")


if __name__ == "__main__":
    main()
