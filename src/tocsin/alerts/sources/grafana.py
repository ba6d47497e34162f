"""Grafana unified-alerting webhook payloads (``version: "1"``).

The same per-alert rules as Alertmanager (see :mod:`.alertmanager`); the alert name is the
``alertname`` label (Grafana sets it to the rule title) or ``__alert_rule_title__``, and
Grafana's extra links and values are kept in ``details``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from tocsin.alerts.sources._common import decode, future_limit
from tocsin.alerts.sources.alertmanager import Alert, normalize
from tocsin.core.alerts import NormalizedAlert

# Attribute name and JSON name of the extras kept in ``details`` when not empty.
_EXTRAS = (
    ("silence_url", "silenceURL"),
    ("dashboard_url", "dashboardURL"),
    ("panel_url", "panelURL"),
    ("image_url", "imageURL"),
    ("rule_uid", "ruleUID"),
    ("value_string", "valueString"),
)


class GrafanaAlert(Alert, rename="camel"):
    silence_url: str = msgspec.field(default="", name="silenceURL")
    dashboard_url: str = msgspec.field(default="", name="dashboardURL")
    panel_url: str = msgspec.field(default="", name="panelURL")
    image_url: str = msgspec.field(default="", name="imageURL")
    rule_uid: str = msgspec.field(default="", name="ruleUID")
    value_string: str = ""
    values: dict[str, Any] | None = None


class GrafanaPayload(msgspec.Struct):
    alerts: list[GrafanaAlert]


_DECODER = msgspec.json.Decoder(GrafanaPayload)


def _details(alert: GrafanaAlert) -> dict[str, Any]:
    details: dict[str, Any] = {}
    for attribute, key in _EXTRAS:
        value = getattr(alert, attribute)
        if value:
            details[key] = value
    if alert.values:
        details["values"] = alert.values
    return details


def _name(labels: dict[str, str]) -> str | None:
    return labels.get("alertname") or labels.get("__alert_rule_title__")


def parse(body: bytes, *, now: datetime, **config: Any) -> list[NormalizedAlert]:
    """Alerts of a Grafana webhook body; raises :class:`InvalidAlert` naming the field."""
    limit = future_limit(now)
    return [
        normalize(alert, index, limit, _details(alert), _name(alert.labels))
        for index, alert in enumerate(decode(_DECODER, body).alerts)
    ]
