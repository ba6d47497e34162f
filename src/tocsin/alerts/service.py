"""Alerts use cases: read alerts with their decision trace, noise figures, heartbeat checks.

Integrations live in :mod:`tocsin.alerts.integrations`, silences in
:mod:`tocsin.alerts.silences`, the ingest path in :mod:`tocsin.alerts.ingest`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.alerts.batch_writer import run_batch
from tocsin.alerts.heartbeats import heartbeat_alert, heartbeat_key
from tocsin.alerts.integrations import active_heartbeats
from tocsin.alerts.outcomes import Result
from tocsin.alerts.page_context import alert_facts
from tocsin.alerts.processing import Job
from tocsin.alerts.schemas import AlertOut, NoiseRow
from tocsin.alerts.state import IngestState
from tocsin.alerts.tables import Alert, AlertIncident, Integration
from tocsin.core.alerts import AlertAction, AlertStatus
from tocsin.core.visibility import Reader
from tocsin.db import Database
from tocsin.errors import NotFound
from tocsin.incidents import service as incidents_service
from tocsin.storage import Page, column_values, keyset_page

log = logging.getLogger("tocsin.alerts")
HEARTBEAT_CHECK_SECONDS = 30.0


@dataclass(frozen=True)
class AlertFilter:
    status: str | None = None
    integration_id: int | None = None
    incident_id: int | None = None
    name: str | None = None
    open: bool | None = None
    service: str | None = None
    text: str | None = None
    """In the alert's name or summary, any case."""


def alert_out(row: Alert) -> AlertOut:
    incident = incidents_service.reference(row.incident_id) if row.incident_id else None
    return AlertOut.model_validate({**column_values(row), "incident_reference": incident})


def _visible(reader: Reader) -> ColumnElement[bool]:
    """The alerts ``reader`` may see: none of a private incident they are no member of."""
    return or_(
        Alert.incident_id.is_(None),
        Alert.incident_id.not_in(incidents_service.hidden_ids(reader)),
    )


def incident_id_of_in(session: Session, alert_id: int) -> int | None:
    """The incident an alert belongs to (None for none)."""
    found = session.scalar(select(Alert.incident_id).where(Alert.id == alert_id))
    return int(found) if found is not None else None


def list_alerts(
    db: Database, *, where: AlertFilter, limit: int, reader: Reader, cursor: str | None = None
) -> Page[AlertOut]:
    """Newest first, paginated by id."""
    query = select(Alert).where(_visible(reader))
    if where.status == "silenced":
        query = query.where(Alert.silenced_by.is_not(None), Alert.status != AlertStatus.RESOLVED)
    elif where.status:
        query = query.where(Alert.status == where.status)
    if where.integration_id is not None:
        query = query.where(Alert.integration_id == where.integration_id)
    if where.incident_id is not None:
        query = query.where(Alert.incident_id == where.incident_id)
    if where.name:
        query = query.where(Alert.name == where.name)
    if where.open is not None:
        query = query.where(Alert.open.is_(where.open))
    if where.service:
        of_service = select(Integration.id).where(Integration.service == where.service)
        query = query.where(Alert.integration_id.in_(of_service))
    if where.text:
        wanted = where.text.lower()
        query = query.where(
            or_(
                func.lower(Alert.name).contains(wanted, autoescape=True),
                func.lower(Alert.summary).contains(wanted, autoescape=True),
            )
        )
    with db.reading() as session:
        return keyset_page(
            session,
            query,
            Alert.id,
            limit=limit,
            cursor=cursor,
            descending=True,
            out=lambda rows: [alert_out(row) for row in rows],
        )


def get_alert(db: Database, *, alert_id: int, reader: Reader) -> AlertOut:
    with db.reading() as session:
        row = session.scalar(select(Alert).where(Alert.id == alert_id, _visible(reader)))
        if row is None:
            raise NotFound(f"no alert with id {alert_id}", field="alert_id")
        return alert_out(row)


def incident_alerts(db: Database, *, incident_id: int, limit: int = 200) -> list[AlertOut]:
    """The alerts of one incident, oldest first (for the incident page and API)."""
    query = select(Alert).where(Alert.incident_id == incident_id).order_by(Alert.id).limit(limit)
    with db.reading() as session:
        return [alert_out(row) for row in session.scalars(query)]


def incident_section(db: Database, incident_id: int) -> dict[str, Any]:
    """The incident page's alerts, each with the facts a page mail shows of it (labels,
    annotations, runbook and source links: :func:`~tocsin.alerts.page_context.alert_facts`)."""
    alerts = incident_alerts(db, incident_id=incident_id)
    facts = {
        a.id: alert_facts(
            name=a.name,
            summary=a.summary,
            labels=a.labels,
            details=a.details,
            started_at=a.starts_at or a.first_seen_at,
            alerts=len(alerts),
        )
        for a in alerts
    }
    return {"alerts": alerts, "alert_facts": facts}


def noise(db: Database, *, since: datetime, until: datetime | None = None) -> list[NoiseRow]:
    """Per alert name: events, alerts, incidents opened and how many needed no action."""
    until = until or clock.now()
    events = (
        select(
            Alert.name,
            func.sum(Alert.count),
            func.count(),
            func.sum(case((Alert.verdict == "noise", 1), else_=0)),
            func.sum(case((Alert.verdict == "actionable", 1), else_=0)),
        )
        .where(Alert.last_seen_at >= since, Alert.first_seen_at < until)
        .group_by(Alert.name)
    )
    idle = (AlertIncident.acknowledged_at.is_not(None)) & (AlertIncident.resolved_at.is_not(None))
    idle = idle & AlertIncident.acted.is_(False)
    opened = (
        select(
            AlertIncident.name,
            func.count(),
            func.sum(case((idle, 1), else_=0)),
        )
        .where(AlertIncident.opened_at >= since, AlertIncident.opened_at < until)
        .group_by(AlertIncident.name)
    )
    with db.reading() as session:
        counted = {
            name: (int(n or 0), int(a), int(noisy or 0), int(useful or 0))
            for name, n, a, noisy, useful in session.execute(events)
        }
        incidents = {name: (int(o), int(i or 0)) for name, o, i in session.execute(opened)}
    rows = []
    for name in sorted(set(counted) | set(incidents)):
        event_count, alert_count, noisy, useful = counted.get(name, (0, 0, 0, 0))
        opened_count, idle_count = incidents.get(name, (0, 0))
        share = idle_count / opened_count if opened_count else 0.0
        rows.append(
            NoiseRow(
                name=name,
                events=event_count,
                alerts=alert_count,
                incidents_opened=opened_count,
                acknowledged_without_action=idle_count,
                share_acknowledged_without_action=round(share, 4),
                marked_noise=noisy,
                marked_actionable=useful,
            )
        )
    rows.sort(key=lambda r: (-r.events, r.name))
    return rows


def check_heartbeats(db: Database, state: IngestState) -> int:
    """Raise an alert for every heartbeat integration whose beat is overdue.

    The alert (key ``heartbeat:<integration id>``) goes through the same processing as any
    other; the next beat resolves it. Returns how many alerts were raised.
    """
    now = clock.now()
    jobs = []
    for integration, last in active_heartbeats(db):
        interval = timedelta(minutes=integration.rules.heartbeat_interval_minutes or 0)
        if last + interval < now:
            alert = heartbeat_alert(integration, AlertAction.TRIGGER, now)
            jobs.append(Job(integration, [alert], only_new=True))
    if not jobs:
        return 0
    run_batch(db, state, jobs)
    for job in jobs:
        if job.error is not None:
            raise job.error
    return sum(1 for job in jobs for o in job.outcomes if o.result is not Result.ALREADY_FIRING)


__all__ = [
    "AlertFilter",
    "alert_out",
    "check_heartbeats",
    "get_alert",
    "heartbeat_key",
    "incident_alerts",
    "list_alerts",
    "noise",
]
