"""JSON route: the past incidents like this one (``GET /api/v1/incidents/{id}/similar``)."""

from __future__ import annotations

from fastapi import APIRouter

from tocsin.access.api import Viewer
from tocsin.deps import DbDep
from tocsin.fields import Id
from tocsin.incidents import service as incidents_service
from tocsin.recurrence import service
from tocsin.recurrence.schemas import SimilarIncident

router = APIRouter(prefix="/api/v1", tags=["incidents"])


@router.get("/incidents/{incident_id}/similar")
def similar_incidents(incident_id: Id, db: DbDep, principal: Viewer) -> list[SimilarIncident]:
    """Past incidents like this one (same service, same alert names or keys, a similar
    title), each with its postmortem and the action items still not done; no private one
    the caller is no member of."""
    reader = incidents_service.reader_of(principal)
    return service.similar(db, incident_id=incident_id, reader=reader)
