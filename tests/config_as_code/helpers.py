"""A configuration file with unique names, and the calls that plan and apply it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import Api, serving, settings_for, throwaway_postgres
from tocsin.db import Database
from tocsin.schema import migrate


def config(s: str) -> str:
    """A file naming two people, a team, a schedule, a policy, a service, an integration and a
    silence; ``s`` makes its names unique in a shared database."""
    return f"""\
version: 1
people:
  - key: ana-{s}
    name: Ana
    handle: ana-{s}
    email: ana-{s}@example.test
    time_zone: Europe/Paris
    contact_methods:
      - {{key: mail, kind: email, label: work mail, address: ana-{s}@example.test}}
      - {{key: hook, kind: webhook, label: pager, address: "https://93.184.215.14/hook"}}
    notification_rules:
      - {{contact: mail, delay_minutes: 0}}
      - {{contact: hook, delay_minutes: 5}}
  - key: bob-{s}
    name: Bob
    handle: bob-{s}
    time_zone: America/New_York
teams:
  - key: pay-{s}
    name: Payments {s}
    members: [bob-{s}, ana-{s}]
schedules:
  - key: primary-{s}
    name: Payments primary {s}
    time_zone: Europe/Paris
    team: pay-{s}
    layers:
      - position: 1
        kind: weekly
        length: 1
        start: "2030-03-04T09:00:00+01:00"
        participants: [ana-{s}, bob-{s}]
        restrictions:
          - {{kind: daily, start_time: "08:00", duration_minutes: 600}}
      - position: 2
        name: weekend nights
        kind: days
        length: 3
        start: "2030-03-29T22:00:00+01:00"
        participants: [bob-{s}]
        restrictions:
          - {{kind: weekly, weekday: 5, start_time: "22:00", duration_minutes: 600}}
    overrides:
      - {{person: bob-{s}, start: "2030-04-01T08:00:00Z", end: "2030-04-02T08:00:00Z"}}
escalation_policies:
  - key: pay-policy-{s}
    name: Payments {s}
    repeat: 1
    levels:
      - timeout_minutes: 5
        targets: [{{schedule: primary-{s}}}]
      - timeout_minutes: 12
        targets: [{{person: ana-{s}}}]
services:
  - key: payments-{s}
    name: payments-{s}
    description: Card payments
    team: pay-{s}
    escalation_policy: pay-policy-{s}
integrations:
  - key: prom-{s}
    kind: alertmanager
    name: Prometheus {s}
    service: payments-{s}
    group_by: [alertname]
silences:
  - key: deploys-{s}
    matchers: ["alertname=Deploy", "env=~prod.*"]
    starts_at: "2030-01-01T00:00:00Z"
    ends_at: "2031-01-01T00:00:00Z"
    comment: deploy noise
    service: payments-{s}
    integration: prom-{s}
"""


def suffix() -> str:
    return uuid.uuid4().hex[:8]


def send(
    api: Api, route: str, text: str, *, prune: bool = False, source: str = "tocsin.yaml"
) -> httpx.Response:
    return api.admin.post(
        f"/api/v1/config/{route}",
        content=text.encode(),
        params={"prune": str(prune).lower(), "source": source},
        headers={"Content-Type": "application/yaml"},
    )


def planned(api: Api, text: str, **options: Any) -> dict[str, Any]:
    response = send(api, "plan", text, **options)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def applied(api: Api, text: str, **options: Any) -> dict[str, Any]:
    response = send(api, "apply", text, **options)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] is None, body["error"]
    return body


def exported(api: Api) -> dict[str, Any]:
    response = api.admin.get("/api/v1/config/export")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@contextmanager
def fresh_server(backend: str, tmp_path: Path) -> Iterator[Api]:
    """A Tocsin of its own on an empty database (a prune deletes what others' tests made)."""
    with ExitStack() as stack:
        if backend == "postgresql":
            url = stack.enter_context(throwaway_postgres())
        else:
            url = f"sqlite:///{tmp_path / 'fresh.db'}"
        settings = settings_for(url, tmp_path)
        db = Database(url)
        stack.callback(db.dispose)
        migrate(db)
        yield stack.enter_context(serving(settings, db))
