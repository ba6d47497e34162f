"""A ready-to-paste first request for a new integration, in its kind's own format.

The console shows it once, with the key, right after the integration is made (or its key
rotated): a curl command that sends one test alert, and for Alertmanager the receiver to
paste into ``alertmanager.yml``. The tests run the command's request against the server.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from tocsin.alerts.schemas import IntegrationCreated, IntegrationKind

SUMMARY = "Test alert from the Tocsin console"
NAME = "TocsinTest"
DEDUP_KEY = "tocsin-console-test"


@dataclass(frozen=True)
class Sample:
    command: str
    """A shell command that sends one test alert."""
    config: str | None = None
    """What to paste into the sender's own configuration, if it has one."""
    config_name: str | None = None


def _curl(url: str, body: Any | None) -> str:
    lines = ["curl -sS -X POST -H 'content-type: application/json'", f"  {shlex.quote(url)}"]
    if body is not None:
        lines.append(f"  -d {shlex.quote(json.dumps(body, indent=2))}")
    return " \\\n".join(lines)


def _alertmanager_body() -> dict[str, Any]:
    alert = {
        "status": "firing",
        "labels": {"alertname": NAME, "severity": "info"},
        "annotations": {"summary": SUMMARY},
        "fingerprint": DEDUP_KEY,
    }
    return {"version": "4", "status": "firing", "receiver": "tocsin", "alerts": [alert]}


def _receiver(url: str) -> str:
    return (
        "receivers:\n"
        "  - name: tocsin\n"
        "    webhook_configs:\n"
        f"      - url: '{url}'\n"
        "        send_resolved: true\n"
        "        max_alerts: 0\n"
        "route:\n"
        "  receiver: tocsin\n"
    )


def _pagerduty_body(key: str) -> dict[str, Any]:
    return {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": DEDUP_KEY,
        "payload": {"summary": SUMMARY, "source": "tocsin-console", "severity": "info"},
    }


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at the dotted ``path`` (numeric segments make arrays); a path through a
    value already set is left alone."""
    parts = path.split(".")
    node: Any = target
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit():
                return
            while len(node) <= int(part):
                node.append({})
            if last:
                node[int(part)] = value
            node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node.setdefault(part, value)
                return
            following = parts[index + 1]
            node = node.setdefault(part, [] if following.isdigit() else {})
        else:
            return


def generic_body(mapping: dict[str, Any]) -> Any:
    """One alert laid out where ``mapping`` (a generic integration's) reads each part."""
    alert: dict[str, Any] = {}
    values: dict[str, Any] = {
        "labels": {"source": "tocsin-console"},
        "summary": SUMMARY,
        "dedup_key": DEDUP_KEY,
        "severity": "info",
        "status": "firing",
        "name": NAME,
    }
    for part, value in values.items():
        if isinstance(mapping.get(part), str):
            _put(alert, mapping[part], value)
    root = mapping.get("root")
    if isinstance(root, str):
        body: dict[str, Any] = {}
        _put(body, root, [alert])
        return body
    return alert


def sample_for(created: IntegrationCreated) -> Sample:
    """The first request for the integration just made, with its key in it."""
    kind = created.kind
    if kind is IntegrationKind.ALERTMANAGER:
        return Sample(
            _curl(created.url, _alertmanager_body()), _receiver(created.url), "alertmanager.yml"
        )
    if kind is IntegrationKind.GRAFANA:
        return Sample(_curl(created.url, _alertmanager_body()))
    if kind is IntegrationKind.PAGERDUTY:
        return Sample(_curl(created.url, _pagerduty_body(created.key)))
    if kind is IntegrationKind.HEARTBEAT:
        return Sample(_curl(created.heartbeat_url, None))
    return Sample(_curl(created.url, generic_body(created.rules.generic or {})))
