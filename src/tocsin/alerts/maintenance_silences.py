"""Scheduled maintenance holds back its services' alerts (``silence_alerts``).

While a status page maintenance with ``silence_alerts`` runs, every live integration of the
services of its components has a silence of its own (no matchers: every alert of that
integration), from the start to ``scheduled_until``. Moving the end moves the silences;
completing the maintenance ends them. The silences are ordinary ones: listed under
``/api/v1/silences``, ``created_by`` ``maintenance:<id>``, named in the decision trace of
each alert they hold back. Integrations made while the maintenance runs are not covered.

:func:`on_maintenance_changed` is the listener ``tocsin.assembly`` subscribes; it runs in the
maintenance's transaction, so the silences start and end with it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import hooks
from tocsin.alerts.state import IngestState
from tocsin.alerts.tables import Integration, Silence
from tocsin.statuspage.maintenance.hooks import MaintenanceWindowChanged


def marker(maintenance_id: int) -> str:
    """The ``created_by`` of a maintenance's silences."""
    return f"maintenance:{maintenance_id}"


def is_maintenance_silence(created_by: str) -> bool:
    """Whether a silence is one a maintenance made (and ends): no one else's to change."""
    return created_by.startswith("maintenance:")


def on_maintenance_changed(
    session: Session, change: MaintenanceWindowChanged, *, state: IngestState
) -> None:
    """Bring the maintenance's silences in step with it (idempotent)."""
    now = change.at
    existing = list(
        session.scalars(
            select(Silence).where(
                Silence.created_by == marker(change.maintenance_id), Silence.ends_at > now
            )
        )
    )
    by_integration = {row.integration_id: row for row in existing}
    wanted: set[int] = set()
    if change.silence and change.until > now and change.services:
        for integration in session.scalars(
            select(Integration).where(
                Integration.service.in_(change.services), Integration.revoked_at.is_(None)
            )
        ):
            wanted.add(integration.id)
            row = by_integration.get(integration.id)
            if row is not None:
                row.ends_at = change.until
                continue
            session.add(
                Silence(
                    matchers=[],
                    starts_at=now,
                    ends_at=change.until,
                    weekly=None,
                    comment=f"Scheduled maintenance {change.maintenance_id}: {change.name}",
                    created_by=marker(change.maintenance_id),
                    created_at=now,
                    service=integration.service,
                    integration_id=integration.id,
                    foreign_matches=0,
                )
            )
    for row in existing:
        if row.integration_id not in wanted:
            row.ends_at = max(now, row.starts_at)
    hooks.after_commit(session, state.silences.changed, key=("silences", id(state)))
