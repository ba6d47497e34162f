"""What the rest of the status page asks of maintenances (reads only, no use cases)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin.core.maintenance import ACTIVE
from tocsin.statuspage.maintenance.tables import Maintenance


def components_under_maintenance(session: Session) -> set[int]:
    """The components of every maintenance in progress (or verifying)."""
    rows = session.scalars(
        select(Maintenance.component_ids).where(Maintenance.status.in_([s.value for s in ACTIVE]))
    )
    return {int(component) for ids in rows for component in ids}
