"""What processing makes of an alert: its open-alert record, its severity, its incident."""

from __future__ import annotations

from datetime import datetime

from tocsin.alerts.integration_cache import IntegrationInfo
from tocsin.alerts.open_alerts import Current
from tocsin.core.alerts import AlertStatus, NormalizedAlert, map_severity, truncate
from tocsin.core.lifecycle import DetectionSource
from tocsin.core.severity import Severity
from tocsin.incidents.schemas import IncidentCreate


def new_current(
    integration: IntegrationInfo,
    alert: NormalizedAlert,
    severity: Severity,
    group_key: str | None,
    now: datetime,
) -> Current:
    """The open-alert record of an alert first seen ``now``: firing, in no incident yet."""
    return Current(
        integration_id=integration.id,
        dedup_key=alert.dedup_key,
        name=alert.name,
        status=AlertStatus.FIRING,
        incident_id=None,
        silenced_by=None,
        group_key=group_key,
        count=1,
        first_seen_at=now,
        last_seen_at=now,
        last_logged_at=None,
        ends_at=alert.ends_at,
        row={
            "integration_id": integration.id,
            "dedup_key": alert.dedup_key,
            "name": alert.name,
            "summary": alert.summary,
            "severity": severity.value,
            "labels": dict(alert.labels),
            "details": dict(alert.details),
            "starts_at": alert.starts_at,
            "first_seen_at": now,
            "group_key": group_key,
        },
    )


def incident_of(
    integration: IntegrationInfo, alert: NormalizedAlert, now: datetime
) -> IncidentCreate:
    """The incident an alert opens; ``ValidationError`` if its text makes no valid one."""
    starts = min(alert.starts_at, now) if alert.starts_at else None
    return IncidentCreate(
        title=truncate(alert.summary.strip() or alert.name or alert.dedup_key, 200),
        severity=severity_of(integration, alert),
        services=[integration.service],
        detection_source=DetectionSource.ALERT,
        impact_started_at=starts,
        summary=(
            f"Opened by alert {alert.name!r} (key {alert.dedup_key}) from "
            f"{integration.kind} integration {integration.name!r}."
        ),
    )


def severity_of(integration: IntegrationInfo, alert: NormalizedAlert) -> Severity:
    """The alert's severity, mapped by the integration's rules."""
    rules = integration.rules
    return map_severity(
        alert.source_severity, rules.severity_mapping, Severity(rules.default_severity)
    )
