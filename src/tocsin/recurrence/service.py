"""Recurrence: the past incidents an incident looks like, and what was learned from them.

An incident is like an earlier one (a smaller id: opened before it) that affected one of
its services, had an alert of the same name or key, or whose postmortem's title shares its
words by the database's full-text search (:func:`tocsin.core.search.titles_alike`).

Similar incidents are **computed on read** (``GET /api/v1/incidents/{id}/similar``, the
incident page): always current, and nothing on the alert writer's path. A recurrence is
**recorded** for metrics by the worker: opening an incident, and resolving it, schedules a
durable timer (one row, in the transaction of the change); its handler computes the similar
incidents then and keeps a link to each (``incident_recurrences``, once per pair).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.alerts import likeness
from tocsin.core.lifecycle import Status
from tocsin.core.postmortems import ITEM_UNFINISHED
from tocsin.core.search import titles_alike
from tocsin.core.visibility import Reader
from tocsin.db import Database, insert_many_once
from tocsin.errors import NotFound
from tocsin.incidents import service as incidents_service
from tocsin.incidents.hooks import IncidentChanged
from tocsin.incidents.service import IncidentBrief
from tocsin.postmortems import service as postmortems_service
from tocsin.recurrence.schemas import PostmortemLink, SimilarIncident
from tocsin.recurrence.tables import IncidentRecurrence
from tocsin.timers import service as timers_service
from tocsin.timers.service import DueTimer

TIMER_KIND = "recurrence"
MAX_SIMILAR = 10
_CANDIDATES = 50  # per kind of likeness (and per service), before ranking
_MAX_SERVICES = 10


def similar(db: Database, *, incident_id: int, reader: Reader) -> list[SimilarIncident]:
    """The past incidents like this one, the likest (most reasons) and newest first; none
    private that ``reader`` is no member of."""
    with db.reading() as session:
        return similar_in(session, incident_id, reader)


def similar_in(session: Session, incident_id: int, reader: Reader) -> list[SimilarIncident]:
    reasons = _candidates(session, incidents_service.brief_in(session, incident_id=incident_id))
    hidden = incidents_service.hidden_among_in(session, reader, list(reasons))
    reasons = {past: why for past, why in reasons.items() if past not in hidden}
    ranked = _ranked(reasons)
    learned = postmortems_service.of_incidents_in(session, ranked)
    found: list[SimilarIncident] = []
    for past_id in ranked:
        past = incidents_service.snapshot(session, incident_id=past_id)
        postmortem, items = learned.get(past_id, (None, []))
        unfinished = [item for item in items if item.status in ITEM_UNFINISHED]
        found.append(
            SimilarIncident(
                incident_id=past.id,
                reference=past.reference,
                title=past.title,
                severity=past.severity.value,
                status=past.status.value,
                services=past.services,
                created_at=past.created_at,
                resolved_at=past.resolved_at,
                url=f"/incidents/{past.id}",
                reasons=sorted(reasons[past_id]),
                postmortem=PostmortemLink(
                    id=postmortem.id,
                    status=postmortem.status.value,
                    url=f"/postmortems/{postmortem.id}",
                )
                if postmortem
                else None,
                action_items=items,
                unfinished_action_items=unfinished,
                fix_unfinished=bool(unfinished),
            )
        )
    return found


def _ranked(reasons: dict[int, set[str]]) -> list[int]:
    """The likest (most reasons) and newest first, at most :data:`MAX_SIMILAR`."""
    return sorted(reasons, key=lambda i: (len(reasons[i]), i), reverse=True)[:MAX_SIMILAR]


def _candidates(session: Session, incident: IncidentBrief) -> dict[int, set[str]]:
    """Earlier incidents alike by service, alerts or title, with the reasons (a bounded
    number of the newest of each kind: only the ones shown are read whole)."""
    reasons: dict[int, set[str]] = defaultdict(set)
    for service in incident.services[:_MAX_SERVICES]:
        same = incidents_service.affecting([service])
        column = same.selected_columns[0]
        query = same.where(column < incident.id).order_by(column.desc()).limit(_CANDIDATES)
        for past_id in session.scalars(query):
            reasons[past_id].add(f"service:{service}")
    signature = likeness.signature_in(session, incident.id)
    earlier = likeness.earlier_incidents_in(
        session, signature, before_incident_id=incident.id, limit=_CANDIDATES
    )
    for past_id, alike in earlier.items():
        reasons[past_id] |= alike
    for past_id, title in postmortems_service.similar_titles_in(
        session, incident.title, limit=_CANDIDATES
    ):
        if past_id < incident.id and titles_alike(incident.title, title):
            reasons[past_id].add("title")
    return reasons


def on_incident_changed(session: Session, change: IncidentChanged) -> None:
    """Opened or resolved: the worker records the incident's recurrences (one timer row)."""
    opened = change.kind == "declared"
    resolved = change.kind == "status_changed" and change.status is Status.RESOLVED
    if not (opened or resolved):
        return
    timers_service.schedule_in(
        session,
        key=f"{TIMER_KIND}:{change.incident_id}:{change.version}",
        kind=TIMER_KIND,
        due_at=clock.now(),
        payload={"incident_id": change.incident_id},
        group=f"{TIMER_KIND}:{change.incident_id}",
    )


def on_incidents_changed(session: Session, changes: Sequence[IncidentChanged]) -> None:
    """:func:`on_incident_changed` for many changes, its timers in one statement."""
    now = clock.now()
    timers = [
        timers_service.Scheduled(
            key=f"{TIMER_KIND}:{change.incident_id}:{change.version}",
            kind=TIMER_KIND,
            due_at=now,
            payload={"incident_id": change.incident_id},
            group=f"{TIMER_KIND}:{change.incident_id}",
        )
        for change in changes
        if change.kind == "declared"
        or (change.kind == "status_changed" and change.status is Status.RESOLVED)
    ]
    timers_service.schedule_many_in(session, timers)


def fire_many(db: Database, *, timers: Sequence[DueTimer]) -> None:
    """Record the recurrences of the timers' incidents (a link per similar past incident).

    The likeness is read first, outside the write transaction (in a storm of new incidents
    these reads are most of the work, and on SQLite the alert writer waits for the write
    lock); the links and the timers' ends are then written together, for the timers this
    worker still holds.
    """
    with db.reading() as session:
        links = {t.id: _links_in(session, int(t.payload["incident_id"])) for t in timers}
    now = clock.now()
    with db.transaction() as session:
        held = timers_service.hold_many_in(session, timers=timers)
        rows = [row for timer in held for row in links[timer.id]]
        insert_many_once(session, IncidentRecurrence, rows, "key")
        timers_service.finish_many_in(session, timer_ids=[t.id for t in held], fired_at=now)


def _links_in(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """A link row to each past incident like this one (none if it was deleted since).

    Only ids and reasons are needed here, not the similar incidents as the page shows them:
    this runs for every incident opened and resolved.
    """
    try:
        incident = incidents_service.brief_in(session, incident_id=incident_id)
    except NotFound:
        return []
    reasons = _candidates(session, incident)
    now = clock.now()
    return [
        {
            "key": f"{incident_id}:{past_id}",
            "incident_id": incident_id,
            "past_incident_id": past_id,
            "incident_opened_at": incident.created_at,
            "reasons": sorted(reasons[past_id]),
            "found_at": now,
        }
        for past_id in _ranked(reasons)
    ]


def recurrences_in(session: Session, start: datetime, end: datetime) -> int:
    """How many incidents opened in ``[start, end)`` recur: have a recorded similar past one."""
    return int(
        session.scalar(
            select(func.count(func.distinct(IncidentRecurrence.incident_id))).where(
                IncidentRecurrence.incident_opened_at >= start,
                IncidentRecurrence.incident_opened_at < end,
            )
        )
        or 0
    )


def recurring_ids_in(session: Session, incident_ids: list[int]) -> set[int]:
    """Which of ``incident_ids`` have a recorded recurrence (for per-group metrics)."""
    rows = session.scalars(
        select(IncidentRecurrence.incident_id)
        .where(IncidentRecurrence.incident_id.in_(incident_ids))
        .distinct()
    )
    return set(rows)


def incident_section(db: Database, incident_id: int, reader: Reader) -> dict[str, object]:
    """The incident page's "This happened before" section."""
    return {"similar_incidents": similar(db, incident_id=incident_id, reader=reader)}
