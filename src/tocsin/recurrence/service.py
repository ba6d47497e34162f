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
from contextlib import suppress
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.alerts import likeness
from tocsin.core.lifecycle import Status
from tocsin.core.postmortems import ITEM_UNFINISHED
from tocsin.core.search import titles_alike
from tocsin.db import Database, insert_once
from tocsin.errors import NotFound
from tocsin.incidents import service as incidents_service
from tocsin.incidents.hooks import IncidentChanged
from tocsin.incidents.schemas import IncidentOut
from tocsin.postmortems import service as postmortems_service
from tocsin.recurrence.schemas import PostmortemLink, SimilarIncident
from tocsin.recurrence.tables import IncidentRecurrence
from tocsin.timers import service as timers_service
from tocsin.timers.service import DueTimer

TIMER_KIND = "recurrence"
MAX_SIMILAR = 10
_CANDIDATES = 50  # per kind of likeness (and per service), before ranking
_MAX_SERVICES = 10


def similar(db: Database, *, incident_id: int) -> list[SimilarIncident]:
    """The past incidents like this one, the likest (most reasons) and newest first."""
    with db.reading() as session:
        return similar_in(session, incident_id)


def similar_in(session: Session, incident_id: int) -> list[SimilarIncident]:
    incident = incidents_service.snapshot(session, incident_id=incident_id)
    reasons = _candidates(session, incident)
    ranked = sorted(reasons, key=lambda i: (len(reasons[i]), i), reverse=True)[:MAX_SIMILAR]
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


def _candidates(session: Session, incident: IncidentOut) -> dict[int, set[str]]:
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


def fire(db: Database, *, timer: DueTimer) -> None:
    """Record the recurrences of the timer's incident (a link per similar past incident)."""
    with db.transaction() as session:
        if not timers_service.hold_in(session, timer=timer):
            return
        now = clock.now()
        with suppress(NotFound):  # deleted since
            record_in(session, int(timer.payload["incident_id"]))
        timers_service.finish_in(session, timer_id=timer.id, fired_at=now)


def record_in(session: Session, incident_id: int) -> int:
    """Keep a link to each past incident like this one; how many were new."""
    opened_at = incidents_service.snapshot(session, incident_id=incident_id).created_at
    added = 0
    for past in similar_in(session, incident_id):
        values = {
            "key": f"{incident_id}:{past.incident_id}",
            "incident_id": incident_id,
            "past_incident_id": past.incident_id,
            "incident_opened_at": opened_at,
            "reasons": past.reasons,
            "found_at": clock.now(),
        }
        added += insert_once(session, IncidentRecurrence, values, "key")
    return added


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


def incident_section(db: Database, incident_id: int) -> dict[str, object]:
    """The incident page's "This happened before" section."""
    return {"similar_incidents": similar(db, incident_id=incident_id)}
