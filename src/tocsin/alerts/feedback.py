"""Responder feedback on alerts: actionable or noise.

The verdict is kept on the alert row and counted in the noise figures
(``alerts.service.noise``) beside the guess made from the incident (acknowledged, then
resolved with nothing done). It can be changed; the incident's timeline records each one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.alerts.schemas import AlertOut, Verdict
from tocsin.alerts.service import alert_out
from tocsin.alerts.tables import Alert
from tocsin.db import Database
from tocsin.errors import Conflict, NotFound
from tocsin.incidents import service as incidents_service
from tocsin.storage import get_or_404


def _mark(session: Session, row: Alert, verdict: Verdict, actor: str) -> None:
    row.verdict, row.verdict_by, row.verdict_at = verdict.value, actor, clock.now()
    if row.incident_id is not None:
        incidents_service.record_event(
            session,
            incident_id=row.incident_id,
            actor=actor,
            kind="alert_feedback",
            data={"alert_id": row.id, "name": row.name, "verdict": verdict.value},
        )


def mark_alert(
    db: Database, *, alert_id: int, verdict: Verdict, actor: str, incident_id: int | None = None
) -> AlertOut:
    """Mark one alert; with ``incident_id``, only an alert of that incident (else 404)."""
    with db.transaction() as session:
        row = get_or_404(session, Alert, alert_id, "alert")
        if incident_id is not None and row.incident_id != incident_id:
            raise NotFound(f"alert {alert_id} is not an alert of incident {incident_id}")
        _mark(session, row, verdict, actor)
        session.flush()
        return alert_out(row)


def mark_incident_alerts(
    db: Database, *, incident_id: int, verdict: Verdict, actor: str
) -> list[AlertOut]:
    """Mark every alert of an incident (an incident is usually one alert, or one group)."""
    with db.transaction() as session:
        incidents_service.snapshot(session, incident_id=incident_id)  # 404 if unknown
        rows = session.scalars(
            select(Alert).where(Alert.incident_id == incident_id).order_by(Alert.id)
        ).all()
        if not rows:
            raise Conflict(f"incident {incident_id} was opened by no alert: nothing to mark")
        for row in rows:
            _mark(session, row, verdict, actor)
        session.flush()
        return [alert_out(row) for row in rows]
