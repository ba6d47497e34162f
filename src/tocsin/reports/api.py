"""JSON routes of customer reports: ``/api/v1/reports`` (support tools submit with a token,
people triage) and ``/api/v1/incidents/{id}/reports``."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from tocsin.access.api import Responder, Viewer
from tocsin.config import Settings
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import Conflict, answers
from tocsin.fields import Id
from tocsin.incidents import service as incidents_service
from tocsin.reports import service
from tocsin.reports.schemas import (
    AttachBody,
    DismissBody,
    IncidentReports,
    MergeBody,
    ReportCreate,
    ReportOut,
    ReportState,
)
from tocsin.storage import Page

router = APIRouter(prefix="/api/v1", tags=["customer reports"])


def matching(settings: Settings) -> service.Matching:
    return service.Matching(
        window=timedelta(minutes=settings.reports_window_minutes),
        threshold=settings.reports_similarity,
    )


@router.post("/reports", status_code=201)
def submit_report(
    body: ReportCreate, db: DbDep, settings: SettingsDep, principal: Responder
) -> ReportOut:
    """A customer's report (from a support tool): attached to the open incident it matches,
    else left in triage."""
    return service.submit(db, body=body, actor=principal.actor, matching=matching(settings))


@router.get("/reports")
def list_reports(
    db: DbDep,
    principal: Viewer,
    state: ReportState | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[ReportOut]:
    """Newest first; ``state=triage`` is the queue of reports no incident took."""
    reader = incidents_service.reader_of(principal)
    return service.list_reports(db, state=state, limit=limit, cursor=cursor, reader=reader)


@router.get("/reports/{report_id}")
def get_report(report_id: Id, db: DbDep, principal: Viewer) -> ReportOut:
    reader = incidents_service.reader_of(principal)
    return service.get_report(db, report_id=report_id, reader=reader)


@router.post("/reports/{report_id}/attach", responses=answers(Conflict))
def attach_report(report_id: Id, body: AttachBody, db: DbDep, principal: Responder) -> ReportOut:
    """Attach a report in triage to an open incident."""
    return service.attach(
        db,
        report_id=report_id,
        incident_id=body.incident_id,
        actor=principal.actor,
        reader=incidents_service.reader_of(principal),
    )


@router.post("/reports/{report_id}/merge", responses=answers(Conflict))
def merge_report(report_id: Id, body: MergeBody, db: DbDep, principal: Responder) -> ReportOut:
    """Mark a report in triage a duplicate of another report."""
    return service.merge(
        db, report_id=report_id, into_report_id=body.into_report_id, actor=principal.actor
    )


@router.post("/reports/{report_id}/dismiss", responses=answers(Conflict))
def dismiss_report(report_id: Id, body: DismissBody, db: DbDep, principal: Responder) -> ReportOut:
    return service.dismiss(db, report_id=report_id, reason=body.reason, actor=principal.actor)


@router.get("/incidents/{incident_id}/reports")
def incident_reports(incident_id: Id, db: DbDep, _: Viewer) -> IncidentReports:
    """The customer reports counted for an incident, and how many customers they are."""
    return service.incident_reports(db, incident_id=incident_id)
