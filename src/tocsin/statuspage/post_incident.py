"""The public post-incident report of a SEV1/SEV2: drafted on resolve, edited, published.

When an incident of a severity that needs it resolves, every public incident linked to it
gets a draft (:func:`on_incident_changed`, subscribed in ``tocsin.assembly``), prefilled from
what is known: the apology, what happened and its impact (from the impact start to the
resolution, the affected components), the root cause (the incident's summary — internal, so
a person rewrites it before publishing), what was done (the public updates, in order) and an
empty "what will prevent it" for a person to write. It is due 72 hours after the resolution.
Publishing needs every section filled; it puts the report on the public incident
(``postmortem_body`` and ``post_incident_report`` in the page's documents, see ``render``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.lifecycle import Status
from tocsin.core.severity import Severity
from tocsin.db import Database, insert_once
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.incidents import service as incidents_service
from tocsin.incidents.hooks import IncidentChanged
from tocsin.incidents.schemas import IncidentOut
from tocsin.statuspage.post_incident_schemas import SECTIONS, ReportOut, ReportSections
from tocsin.statuspage.service import changed_in, lock_state_in
from tocsin.statuspage.snapshot import SnapshotStore
from tocsin.statuspage.tables import (
    PostIncidentReport,
    PublicIncident,
    PublicUpdate,
    StatusComponent,
)
from tocsin.storage import get_or_404
from tocsin.timers import service as timers_service
from tocsin.timers.service import DueTimer

DUE_AFTER = timedelta(hours=72)
NEEDS_REPORT = frozenset({Severity.SEV1, Severity.SEV2})
ACTOR = "tocsin:statuspage"
TIMER_KIND = "post_incident_due"
ROLES = ("communications_lead", "incident_commander")  # reminded: the first one held


def duration_words(start: datetime, end: datetime) -> str:
    minutes = max(0, int((end - start).total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _draft(
    session: Session, public: PublicIncident, internal: IncidentOut | None, resolved_at: datetime
) -> dict[str, str]:
    names = list(
        session.scalars(
            select(StatusComponent.name).where(StatusComponent.id.in_(public.component_ids))
        )
    )
    affected = ", ".join(names) or "our service"
    start = internal.impact_started_at if internal else public.started_at
    updates = session.scalars(
        select(PublicUpdate.body)
        .where(PublicUpdate.public_incident_id == public.id)
        .order_by(PublicUpdate.id)
    )
    return {
        "apology": f"We are sorry for the disruption to {affected} on "
        f"{start.strftime('%Y-%m-%d')}. We know you rely on it, and we let you down.",
        "what_happened": f"{public.name}. From {_when(start)} to {_when(resolved_at)} "
        f"({duration_words(start, resolved_at)}) {affected} "
        f"{'was' if len(names) <= 1 else 'were'} affected.",
        "root_cause": internal.summary if internal and internal.summary else "",
        "actions_taken": "\n".join(f"- {body}" for body in updates),
        "prevention": "",
    }


def draft_in(
    session: Session, *, public: PublicIncident, resolved_at: datetime, actor: str
) -> PostIncidentReport:
    """The public incident's report, drafted now if it has none (once: keyed by the incident)."""
    internal = None
    if public.incident_id is not None:
        internal = incidents_service.snapshot(session, incident_id=public.incident_id)
    now = clock.now()
    values = {
        "page_id": public.page_id,
        "public_incident_id": public.id,
        **_draft(session, public, internal, resolved_at),
        "resolved_at": resolved_at,
        "due_at": resolved_at + DUE_AFTER,
        "created_at": now,
        "updated_at": now,
        "updated_by": actor,
    }
    if insert_once(session, PostIncidentReport, values, "public_incident_id"):
        _schedule_reminder_in(session, public.id, resolved_at + DUE_AFTER)
    found = _find(session, public.id)
    assert found is not None
    return found


def _group(public_id: int) -> str:
    return f"post-incident:{public_id}"


def _schedule_reminder_in(session: Session, public_id: int, due_at: datetime) -> None:
    """A durable timer at the deadline (one per deadline; a moved deadline replaces it)."""
    timers_service.cancel_group_in(session, group=_group(public_id))
    timers_service.schedule_in(
        session,
        key=f"post-incident-due:{public_id}:{due_at.isoformat()}",
        kind=TIMER_KIND,
        due_at=due_at,
        payload={"public_incident_id": public_id},
        group=_group(public_id),
    )


def remind(db: Database, *, timer: DueTimer) -> None:
    """The deadline passed (a timer handler): if the report is still unpublished, the
    incident's Communications Lead (else its Incident Commander) is reminded on its timeline."""
    with db.transaction() as session:
        if not timers_service.hold_in(session, timer=timer):
            return  # another worker has it, or ran it already
        public = session.get(PublicIncident, int(timer.payload["public_incident_id"]))
        row = _find(session, public.id) if public is not None else None
        linked = public.incident_id if public is not None else None
        if row is not None and row.published_at is None and linked is not None:
            _remind_in(session, linked, row)
        timers_service.finish_in(session, timer_id=timer.id, fired_at=clock.now())


def _remind_in(session: Session, incident_id: int, row: PostIncidentReport) -> None:
    internal = incidents_service.snapshot(session, incident_id=incident_id)
    holders = {name: [r.holder for r in internal.roles if r.role == name] for name in ROLES}
    role = next((r for r in ROLES if holders[r]), None)
    data = {
        "public_incident_id": row.public_incident_id,
        "due_at": row.due_at.isoformat(),
        "message": "the public post-incident report is overdue",
        "role": role,
        "remind": holders[role] if role else [],
    }
    kind = "post_incident_report_overdue"
    incidents_service.record_event(
        session, incident_id=incident_id, actor=ACTOR, kind=kind, data=data
    )


def on_incident_changed(session: Session, change: IncidentChanged) -> None:
    """A SEV1/SEV2 that resolves gets a draft report on each of its public incidents."""
    if change.kind != "status_changed" or change.status is not Status.RESOLVED:
        return
    if change.severity not in NEEDS_REPORT:
        return
    publics = session.scalars(
        select(PublicIncident).where(PublicIncident.incident_id == change.incident_id)
    )
    for public in publics:
        report = draft_in(session, public=public, resolved_at=change.at, actor=ACTOR)
        if report.published_at is None and report.resolved_at < change.at:
            report.resolved_at, report.due_at = change.at, change.at + DUE_AFTER  # resolved again
            _schedule_reminder_in(session, public.id, report.due_at)


def _find(session: Session, public_id: int) -> PostIncidentReport | None:
    return session.scalars(
        select(PostIncidentReport).where(PostIncidentReport.public_incident_id == public_id)
    ).one_or_none()


def _out(row: PostIncidentReport) -> ReportOut:
    now = clock.now()
    return ReportOut(
        public_incident_id=row.public_incident_id,
        page_id=row.page_id,
        **{name: getattr(row, name) for name in SECTIONS},
        state="published" if row.published_at else "draft",
        resolved_at=row.resolved_at,
        due_at=row.due_at,
        overdue=row.published_at is None and now > row.due_at,
        published_at=row.published_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def get_report(db: Database, *, public_id: int) -> ReportOut:
    with db.reading() as session:
        get_or_404(session, PublicIncident, public_id, "public incident")
        row = _find(session, public_id)
        if row is None:
            raise NotFound(
                f"public incident {public_id} has no post-incident report yet: one is drafted "
                "when its SEV1/SEV2 incident resolves, or PUT one",
                field="public_id",
            )
        return _out(row)


def _resolved_at(session: Session, public: PublicIncident) -> datetime:
    if public.incident_id is not None:
        internal = incidents_service.snapshot(session, incident_id=public.incident_id)
        if internal.resolved_at is not None:
            return internal.resolved_at
    if public.resolved_at is not None:
        return public.resolved_at
    raise Conflict(
        f"public incident {public.id} is not resolved: "
        "a post-incident report comes after the resolution",
        field="public_id",
    )


def save_draft(
    db: Database, store: SnapshotStore, *, public_id: int, body: ReportSections, actor: str
) -> ReportOut:
    """Write the sections sent (the others stay); a published report is updated on the page."""
    with db.transaction() as session:
        state = lock_state_in(session)
        public = get_or_404(session, PublicIncident, public_id, "public incident")
        row = _find(session, public_id) or draft_in(
            session, public=public, resolved_at=_resolved_at(session, public), actor=actor
        )
        for name in body.model_fields_set & set(SECTIONS):
            setattr(row, name, getattr(body, name))
        row.updated_at, row.updated_by = clock.now(), actor
        if row.published_at is not None:
            changed_in(session, state, store)
        return _out(row)


def publish_report(db: Database, store: SnapshotStore, *, public_id: int, actor: str) -> ReportOut:
    """Put the report on the page; every section must be written first (422 names the first)."""
    with db.transaction() as session:
        state = lock_state_in(session)
        get_or_404(session, PublicIncident, public_id, "public incident")
        row = _find(session, public_id)
        if row is None:
            raise NotFound(f"public incident {public_id} has no post-incident report to publish")
        for name in SECTIONS:
            if not getattr(row, name).strip():
                raise InvalidInput(f"{name}: write this section before publishing", field=name)
        now = clock.now()
        row.published_at = row.published_at or now
        timers_service.cancel_group_in(session, group=_group(public_id))
        row.updated_at, row.updated_by = now, actor
        changed_in(session, state, store)
        return _out(row)
