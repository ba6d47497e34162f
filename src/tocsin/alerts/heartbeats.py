"""The alert a missed heartbeat raises (and the next beat resolves), under one key per
integration so that every worker checking beats raises the same one."""

from __future__ import annotations

from datetime import datetime

from tocsin.alerts.integration_cache import IntegrationInfo
from tocsin.core.alerts import AlertAction, NormalizedAlert

NAME = "HeartbeatMissed"


def heartbeat_key(integration_id: int) -> str:
    return f"heartbeat:{integration_id}"


def heartbeat_alert(
    integration: IntegrationInfo, action: AlertAction, now: datetime
) -> NormalizedAlert:
    minutes = integration.rules.heartbeat_interval_minutes
    return NormalizedAlert(
        action=action,
        dedup_key=heartbeat_key(integration.id),
        summary=f"Heartbeat missed: {integration.name} expects a beat every {minutes} min",
        source_severity=None,
        labels={"alertname": NAME, "integration": integration.name},
        details={},
        starts_at=now if action is AlertAction.TRIGGER else None,
        ends_at=now if action is AlertAction.RESOLVE else None,
        name=NAME,
    )
