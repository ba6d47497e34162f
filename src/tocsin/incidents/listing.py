"""What the console's incident list shows, and what its live streams read.

:func:`console_incidents` is the one query behind the list page and its live stream: a
filter on who may see an incident belongs there. Every incident change writes exactly one
timeline event (``commands``), so the highest event id is a version of every incident:
:func:`version` tells a live list when to render again, :func:`events_after` feeds an
incident's live timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select

from tocsin.access.service import Principal
from tocsin.core.lifecycle import ACTIVE, Status
from tocsin.core.roles import Role
from tocsin.core.severity import Severity
from tocsin.db import Database
from tocsin.incidents.queries import IncidentFilter, list_incidents
from tocsin.incidents.schemas import EventOut, IncidentOut
from tocsin.incidents.tables import IncidentEvent
from tocsin.incidents.visibility import reader_of
from tocsin.storage import Page

PAGE_SIZE = 50
EVENTS_PER_FRAME_BATCH = 100

PagedNow = Callable[[Sequence[int]], Mapping[int, list[str]]]
"""Who is being paged now for each incident (by name), from the paging feature."""


class Tab(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    OPEN = "open"
    ALL = "all"


TAB_LABELS = {
    Tab.TRIGGERED: "Triggered",
    Tab.ACKNOWLEDGED: "Acknowledged",
    Tab.OPEN: "Open",
    Tab.ALL: "All",
}
_STATUSES: dict[Tab, Sequence[Status]] = {
    Tab.TRIGGERED: [Status.TRIGGERED],
    Tab.ACKNOWLEDGED: [Status.ACKNOWLEDGED],
    Tab.OPEN: sorted(ACTIVE),
    Tab.ALL: [],
}


@dataclass(frozen=True)
class Row:
    incident: IncidentOut
    commanders: list[str]
    paged: list[str]


def console_incidents(
    db: Database,
    *,
    viewer: Principal,
    tab: Tab,
    severities: Sequence[Severity] = (),
    service: str | None = None,
    cursor: str | None = None,
) -> Page[IncidentOut]:
    """The incidents of a tab that ``viewer`` sees, newest first."""
    where = IncidentFilter(statuses=_STATUSES[tab], severities=severities, service=service)
    reader = reader_of(viewer)  # a private incident only for its members and admins
    return list_incidents(db, where=where, limit=PAGE_SIZE, cursor=cursor, reader=reader)


def rows(incidents: Sequence[IncidentOut], paged_now: PagedNow) -> list[Row]:
    paged = paged_now([i.id for i in incidents])
    return [
        Row(
            incident=i,
            commanders=[r.holder for r in i.roles if r.role == Role.INCIDENT_COMMANDER],
            paged=paged.get(i.id, []),
        )
        for i in incidents
    ]


def version(db: Database) -> int:
    """Goes up with every change of any incident (its timeline event's id)."""
    with db.reading() as session:
        return int(session.scalar(select(func.max(IncidentEvent.id))) or 0)


def events_after(db: Database, *, incident_id: int, after: int | None) -> list[EventOut]:
    """The incident's timeline events after the event ``after`` (None: from the start)."""
    query = select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
    if after is not None:
        query = query.where(IncidentEvent.id > after)
    query = query.order_by(IncidentEvent.id).limit(EVENTS_PER_FRAME_BATCH)
    with db.reading() as session:
        return [EventOut.model_validate(row) for row in session.scalars(query)]
