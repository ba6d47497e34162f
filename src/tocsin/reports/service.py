"""Customer report use cases: submit (matched to an open incident, or left for triage),
attach, merge, dismiss, and read them, by incident too.

Matching reads the open incidents first, chooses with the pure rule of
:mod:`tocsin.core.reports`, then in the write transaction locks the chosen incident and
attaches only if it is still open (a resolution in between sends the report to triage).
Every attachment puts a ``customer_report`` event on the incident's timeline
(``incidents.service.record_event``). The listener that mails reporters when their incident
resolves is in :mod:`tocsin.reports.resolved`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core import reports as rule
from tocsin.core.lifecycle import ACTIVE
from tocsin.core.visibility import NOBODY, Reader
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.incidents import service as incidents_service
from tocsin.reports.schemas import IncidentReports, ReportCreate, ReportOut, ReportState
from tocsin.reports.tables import CustomerReport
from tocsin.statuspage import support
from tocsin.statuspage.service import page_in
from tocsin.storage import Page, column_values, get_or_404, keyset_page

COUNTED = (ReportState.ATTACHED.value, ReportState.MERGED.value)
MAX_CANDIDATES = 200  # the newest open incidents a report is compared with
FUTURE_SLACK = timedelta(minutes=5)  # a reporter's clock may be a little ahead


@dataclass(frozen=True)
class Matching:
    window: timedelta
    threshold: float


def _out(row: CustomerReport) -> ReportOut:
    return ReportOut.model_validate(column_values(row))


def _services(session: Session, body: ReportCreate) -> frozenset[str]:
    services = {body.service} if body.service else set()
    if body.component_id is not None:
        component = support.component_in(session, component_id=body.component_id)
        if component is None or component.page_id != body.page_id:
            message = f"component_id: no component {body.component_id} on page {body.page_id}"
            raise InvalidInput(message, field="component_id")
        services.update(component.services)
    return frozenset(services)


def _candidates(db: Database) -> list[rule.Candidate]:
    where = incidents_service.IncidentFilter(statuses=sorted(ACTIVE))
    # a customer's report never joins (nor names) a private incident
    found = incidents_service.list_incidents(db, where=where, limit=MAX_CANDIDATES, reader=NOBODY)
    return [
        rule.Candidate(
            incident_id=i.id,
            title=i.title,
            services=frozenset(i.services),
            opened_at=min(i.created_at, i.impact_started_at),
        )
        for i in found.items
    ]


def _timeline(session: Session, row: CustomerReport, actor: str, how: str) -> None:
    assert row.incident_id is not None
    data: dict[str, Any] = {"report_id": row.id, "name": row.name, "text": row.text[:500]}
    data.update({"source": row.source, "how": how})
    incidents_service.record_event(
        session, incident_id=row.incident_id, actor=actor, kind="customer_report", data=data
    )


def submit(db: Database, *, body: ReportCreate, actor: str, matching: Matching) -> ReportOut:
    """Store a report; attach it to the open incident the rule chooses, else to triage."""
    now = clock.now()
    started_at = body.started_at or now
    if started_at > now + FUTURE_SLACK:
        raise InvalidInput("started_at: it cannot start in the future", field="started_at")
    with db.reading() as session:
        page_in(session, body.page_id)
        services = _services(session, body)
    facts = rule.ReportFacts(text=body.text, services=services, started_at=started_at)
    match = rule.choose(
        facts, _candidates(db), window=matching.window, threshold=matching.threshold
    )
    with db.transaction() as session:
        row = CustomerReport(
            page_id=body.page_id,
            name=body.name,
            contact=body.contact,
            text=body.text,
            started_at=started_at,
            component_id=body.component_id,
            service=body.service,
            source=body.source,
            state=ReportState.TRIAGE.value,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        if match and incidents_service.lock_if_open_in(session, incident_id=match.incident_id):
            row.state, row.incident_id = ReportState.ATTACHED.value, match.incident_id
            row.reason, row.decided_by = f"matched: {match.why}", actor
            _timeline(session, row, actor, row.reason)
        return _out(row)


def _triaged(session: Session, report_id: int) -> CustomerReport:
    row = get_or_404(session, CustomerReport, report_id, "report", for_update=True)
    if row.state != ReportState.TRIAGE.value:
        raise Conflict(f"report {report_id} is {row.state}, not in triage", field="report_id")
    return row


def _decided(row: CustomerReport, state: ReportState, actor: str, reason: str | None) -> None:
    row.state, row.reason, row.decided_by = state.value, reason, actor
    row.updated_at = clock.now()


def attach(
    db: Database, *, report_id: int, incident_id: int, actor: str, reader: Reader
) -> ReportOut:
    """A person attaches a report from triage to an open incident (its duplicates follow);
    a private incident hidden from ``reader`` is answered as a missing one."""
    with db.transaction() as session:
        row = _triaged(session, report_id)
        if not incidents_service.may_see_in(session, reader, incident_id):
            message = f"incident_id: no incident {incident_id}"
            raise InvalidInput(message, field="incident_id")
        if not incidents_service.lock_if_open_in(session, incident_id=incident_id):
            try:
                incidents_service.snapshot(session, incident_id=incident_id)
            except NotFound:
                message = f"incident_id: no incident {incident_id}"
                raise InvalidInput(message, field="incident_id") from None
            raise Conflict(f"incident {incident_id} is not open", field="incident_id")
        row.incident_id = incident_id
        _decided(row, ReportState.ATTACHED, actor, f"attached by {actor}")
        session.execute(
            update(CustomerReport)
            .where(CustomerReport.merged_into_id == row.id)
            .values(incident_id=incident_id, updated_at=row.updated_at)
        )
        _timeline(session, row, actor, row.reason or "")
        return _out(row)


def merge(db: Database, *, report_id: int, into_report_id: int, actor: str) -> ReportOut:
    """Mark a report in triage a duplicate of another; it counts where that one counts."""
    with db.transaction() as session:
        row = _triaged(session, report_id)
        target = session.get(CustomerReport, into_report_id)
        seen = {row.id}
        while target is not None and target.merged_into_id is not None:
            if target.id in seen:
                break
            seen.add(target.id)
            target = session.get(CustomerReport, target.merged_into_id)  # to the original
        if target is None or target.id in seen:
            message = f"into_report_id: no other report {into_report_id} to merge into"
            raise InvalidInput(message, field="into_report_id")
        if target.state == ReportState.DISMISSED.value:
            raise Conflict(f"report {target.id} is dismissed", field="into_report_id")
        row.merged_into_id, row.incident_id = target.id, target.incident_id
        _decided(row, ReportState.MERGED, actor, f"duplicate of report {target.id}")
        session.execute(  # its own duplicates move to the original too
            update(CustomerReport)
            .where(CustomerReport.merged_into_id == row.id)
            .values(merged_into_id=target.id, incident_id=target.incident_id)
        )
        if row.incident_id is not None:
            _timeline(session, row, actor, row.reason or "")
        return _out(row)


def dismiss(db: Database, *, report_id: int, reason: str, actor: str) -> ReportOut:
    with db.transaction() as session:
        row = _triaged(session, report_id)
        _decided(row, ReportState.DISMISSED, actor, reason)
        return _out(row)


def _visible(reader: Reader) -> ColumnElement[bool]:
    """No report of a private incident hidden from ``reader``."""
    return or_(
        CustomerReport.incident_id.is_(None),
        CustomerReport.incident_id.not_in(incidents_service.hidden_ids(reader)),
    )


def get_report(db: Database, *, report_id: int, reader: Reader) -> ReportOut:
    with db.reading() as session:
        row = session.scalar(
            select(CustomerReport).where(CustomerReport.id == report_id, _visible(reader))
        )
        if row is None:
            raise NotFound(f"no report with id {report_id}", field="report_id")
        return _out(row)


def list_reports(
    db: Database,
    *,
    state: ReportState | None,
    limit: int,
    reader: Reader,
    cursor: str | None = None,
) -> Page[ReportOut]:
    """Newest first; ``state=triage`` is the queue a person works through."""
    query = select(CustomerReport).where(_visible(reader))
    if state is not None:
        query = query.where(CustomerReport.state == state.value)
    with db.reading() as session:
        return keyset_page(
            session,
            query,
            CustomerReport.id,
            limit=limit,
            cursor=cursor,
            descending=True,
            out=lambda rows: [_out(r) for r in rows],
        )


def affected_in(session: Session, *, incident_id: int) -> int:
    """How many customers (distinct contacts) reported the incident."""
    count = session.scalar(
        select(func.count(func.distinct(func.lower(CustomerReport.contact)))).where(
            CustomerReport.incident_id == incident_id, CustomerReport.state.in_(COUNTED)
        )
    )
    return int(count or 0)


def contacts_in(session: Session, *, incident_id: int) -> list[str]:
    """The distinct contacts (lower case) of the reports counted for the incident."""
    rows = session.scalars(
        select(func.lower(CustomerReport.contact))
        .where(CustomerReport.incident_id == incident_id, CustomerReport.state.in_(COUNTED))
        .distinct()
    )
    return sorted(rows)


def incident_reports(db: Database, *, incident_id: int) -> IncidentReports:
    with db.reading() as session:
        incidents_service.snapshot(session, incident_id=incident_id)  # 404 if there is none
        rows = session.scalars(
            select(CustomerReport)
            .where(CustomerReport.incident_id == incident_id, CustomerReport.state.in_(COUNTED))
            .order_by(CustomerReport.id)
        )
        return IncidentReports(
            incident_id=incident_id,
            affected_customers=affected_in(session, incident_id=incident_id),
            reports=[_out(r) for r in rows],
        )


def incident_section(db: Database, incident_id: int) -> dict[str, Any]:
    """The incident page's part: its customer reports and how many customers they are."""
    found = incident_reports(db, incident_id=incident_id)
    return {"customer_reports": found.reports, "affected_customers": found.affected_customers}
