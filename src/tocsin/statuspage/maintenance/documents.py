"""Scheduled maintenances in the Statuspage v2 documents.

- ``scheduled-maintenances.json``: the 50 newest by window, any status (newest first);
- ``scheduled-maintenances/upcoming.json``: those still ``scheduled`` (soonest first);
- ``scheduled-maintenances/active.json``: those ``in_progress`` or ``verifying``;
- summary.json's ``scheduled_maintenances``: the active ones, then the upcoming ones.

Each has Statuspage's fields: ``impact`` is always ``maintenance``, ``monitoring_at`` is when
verifying began, ``resolved_at`` when it completed, updates are ``incident_updates``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tocsin.core.maintenance import ACTIVE, MaintenanceStatus
from tocsin.statuspage.maintenance.tables import Maintenance, MaintenanceUpdate
from tocsin.statuspage.render import PageInfo, affected, timestamp, update_document

RECENT = 50


@dataclass(frozen=True)
class MaintenanceLists:
    everything: list[dict[str, Any]]
    upcoming: list[dict[str, Any]]
    active: list[dict[str, Any]]
    updated_at: list[datetime]

    @property
    def summary(self) -> list[dict[str, Any]]:
        return self.active + self.upcoming


def _document(
    row: Maintenance,
    updates: Sequence[MaintenanceUpdate],
    components: Mapping[str, dict[str, Any]],
    page: PageInfo,
) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "status": row.status,
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
        "monitoring_at": timestamp(row.verifying_at),
        "resolved_at": timestamp(row.completed_at),
        "impact": "maintenance",
        "shortlink": f"{page.url}/maintenances/{row.id}/",
        "started_at": timestamp(row.started_at),
        "page_id": page.id,
        "incident_updates": [update_document(u, parent_id=row.id) for u in updates],
        "components": affected(row.component_ids, components),
        "scheduled_for": timestamp(row.scheduled_for),
        "scheduled_until": timestamp(row.scheduled_until),
    }


def maintenance_lists(
    session: Session, page: PageInfo, components: Mapping[str, dict[str, Any]]
) -> MaintenanceLists:
    """The page's maintenance documents; ``components``: the page's, by id."""
    on_page = Maintenance.page_id == page.number
    recent = set(
        session.scalars(
            select(Maintenance.id)
            .where(on_page)
            .order_by(Maintenance.scheduled_for.desc(), Maintenance.id.desc())
            .limit(RECENT)
        )
    )
    open_ = Maintenance.status != MaintenanceStatus.COMPLETED.value
    rows = list(
        session.scalars(
            select(Maintenance)
            .where(on_page, or_(open_, Maintenance.id.in_(list(recent))))
            .order_by(Maintenance.scheduled_for, Maintenance.id)
        )
    )
    updates: dict[int, list[MaintenanceUpdate]] = {row.id: [] for row in rows}
    for update in session.scalars(
        select(MaintenanceUpdate)
        .where(MaintenanceUpdate.maintenance_id.in_(list(updates)))
        .order_by(MaintenanceUpdate.id.desc())
    ):
        updates[update.maintenance_id].append(update)
    documents = {row.id: _document(row, updates[row.id], components, page) for row in rows}
    active = {s.value for s in ACTIVE}
    return MaintenanceLists(
        everything=[documents[row.id] for row in reversed(rows) if row.id in recent],
        upcoming=[documents[r.id] for r in rows if r.status == MaintenanceStatus.SCHEDULED.value],
        active=[documents[r.id] for r in rows if r.status in active],
        updated_at=[row.updated_at for row in rows],
    )
