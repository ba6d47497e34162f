"""Routes for the people who talk to customers: the support macro of an incident, and the
public post-incident report of a public incident."""

from __future__ import annotations

from fastapi import APIRouter

from tocsin.access.api import Responder, Viewer
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import Conflict, answers
from tocsin.fields import Id
from tocsin.statuspage import post_incident, support
from tocsin.statuspage.api import Store
from tocsin.statuspage.post_incident_schemas import ReportOut, ReportSections

router = APIRouter(prefix="/api/v1", tags=["status page"])


@router.get("/incidents/{incident_id}/support-macro", responses=answers(Conflict))
def get_support_macro(
    incident_id: Id, db: DbDep, settings: SettingsDep, _: Viewer
) -> support.SupportMacro:
    """A ready reply for support agents in the public wording, linking the status page.

    409 while the incident is not published on a status page.
    """
    return support.support_macro(
        db,
        incident_id=incident_id,
        base_url=settings.base_url,
        default_name=settings.statuspage_name,
    )


REPORT = "/statuspage/incidents/{public_id}/report"


@router.get(REPORT)
def get_post_incident_report(public_id: Id, db: DbDep, _: Viewer) -> ReportOut:
    """The public post-incident report (draft or published), with its deadline."""
    return post_incident.get_report(db, public_id=public_id)


@router.put(REPORT, responses=answers(Conflict))
def save_post_incident_report(
    public_id: Id, body: ReportSections, db: DbDep, store: Store, principal: Responder
) -> ReportOut:
    """Write sections of the report (drafted from the incident if there is none yet; 409 while
    the incident is unresolved). A published report changes on the page at once."""
    return post_incident.save_draft(
        db, store, public_id=public_id, body=body, actor=principal.actor
    )


@router.post(f"{REPORT}/publish")
def publish_post_incident_report(
    public_id: Id, db: DbDep, store: Store, principal: Responder
) -> ReportOut:
    """Put the report on the public incident; 422 naming a section still empty."""
    return post_incident.publish_report(db, store, public_id=public_id, actor=principal.actor)
