"""Alerts follow their incidents.

A listener on incident changes (subscribed in ``tocsin.assembly``), run inside the change's
transaction:
- an incident resolved or closed (by anyone) closes its alert rows, so the next trigger with
  the same key opens a new incident; the writer's cache hears of it after the commit;
- the noise figures record the acknowledgement, the resolution, and whether anyone acted
  (update, note, role, severity) in between.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from tocsin.alerts.state import IngestState
from tocsin.alerts.tables import alert_incidents_table, alerts_table
from tocsin.core.lifecycle import Status
from tocsin.hooks import after_commit
from tocsin.incidents import hooks

ACTIONS = frozenset(
    {"update_posted", "note_added", "role_assigned", "role_unassigned", "severity_changed"}
)
alerts = alerts_table
followed = alert_incidents_table


def on_incident_changed(
    session: Session, change: hooks.IncidentChanged, *, state: IngestState
) -> None:
    incident_id = change.incident_id
    if change.kind == "status_changed" and change.status in (Status.RESOLVED, Status.CLOSED):
        session.execute(
            update(alerts)
            .where(alerts.c.incident_id == incident_id, alerts.c.open.is_(True))
            .values(open=False)
        )
        after_commit(
            session,
            lambda: state.open_alerts.closed_incidents.append(incident_id),
            key=("closed", incident_id),
        )
        session.execute(
            update(followed)
            .where(followed.c.incident_id == incident_id, followed.c.resolved_at.is_(None))
            .values(resolved_at=change.at)
        )
    elif change.kind == "status_changed" and change.data.get("from") == Status.TRIGGERED.value:
        session.execute(
            update(followed)
            .where(followed.c.incident_id == incident_id, followed.c.acknowledged_at.is_(None))
            .values(acknowledged_at=change.at)
        )
    elif change.kind in ACTIONS:
        session.execute(
            update(followed)
            .where(
                followed.c.incident_id == incident_id,
                followed.c.acknowledged_at.is_not(None),
                followed.c.resolved_at.is_(None),
            )
            .values(acted=True)
        )
