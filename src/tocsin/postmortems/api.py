"""JSON routes for postmortems (/api/v1/postmortems, /api/v1/incidents/{id}/postmortem) and
action items (/api/v1/action-items)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from tocsin.access.api import Responder, Viewer
from tocsin.core.postmortems import ItemStatus, PostmortemStatus
from tocsin.deps import DbDep, PoliciesDep, SettingsDep
from tocsin.errors import Conflict, InvalidInput, answers
from tocsin.fields import Id
from tocsin.incidents import service as incidents_service
from tocsin.postmortems import search as postmortem_search
from tocsin.postmortems import service
from tocsin.postmortems.blameless import BlamelessReport
from tocsin.postmortems.schemas import (
    ActionItemCreate,
    ActionItemOut,
    ActionItemPatch,
    AnnotationPut,
    CommentCreate,
    CommentOut,
    PostmortemOpen,
    PostmortemOut,
    SearchHit,
    SectionOut,
    SectionsPatch,
    StatusMove,
    TimelineEntryOut,
)
from tocsin.storage import Page

router = APIRouter(prefix="/api/v1", tags=["postmortems"])

Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
Cursor = Annotated[str | None, Query(max_length=40, description="From a previous page.")]


@router.get("/postmortems/search", responses=answers(InvalidInput))
def search_postmortems(
    db: DbDep,
    principal: Viewer,
    q: Annotated[str, Query(description='Words, "a phrase", -excluded, a or b.')],
    limit: Annotated[int, Query(ge=1, le=50, description="Hits at most.")] = 20,
) -> list[SearchHit]:
    """Full-text search across every postmortem (titles, sections, 5 Whys, action items),
    best first, each with an escaped snippet and its incident."""
    reader = incidents_service.reader_of(principal)
    return postmortem_search.search(db, q=q, limit=limit, reader=reader)


@router.post(
    "/incidents/{incident_id}/postmortem",
    status_code=201,
    responses={200: {"model": PostmortemOut, "description": "It had one already: that one."}},
)
def open_postmortem(
    incident_id: Id,
    db: DbDep,
    settings: SettingsDep,
    policies: PoliciesDep,
    principal: Responder,
    response: Response,
    body: PostmortemOpen | None = None,
) -> PostmortemOut:
    """Open the incident's postmortem by hand (201); one per incident: if it has one, that
    one is answered (200)."""
    owner = body.owner if body else None
    postmortem_id, opened = service.open_postmortem(
        db,
        incident_id=incident_id,
        actor=principal.actor,
        settings=settings,
        owner=owner,
        policies=policies,
    )
    if not opened:
        response.status_code = 200
    return service.get_postmortem(db, postmortem_id=postmortem_id)


@router.get("/incidents/{incident_id}/postmortem")
def incident_postmortem(incident_id: Id, db: DbDep, _: Viewer) -> PostmortemOut:
    return service.postmortem_of_incident(db, incident_id=incident_id)


@router.get("/postmortems")
def list_postmortems(
    db: DbDep,
    principal: Viewer,
    status: Annotated[list[PostmortemStatus] | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PostmortemOut]:
    """Postmortems, newest first; ``status`` filters (repeatable)."""
    reader = incidents_service.reader_of(principal)
    return service.list_postmortems(
        db, statuses=status or [], limit=limit, cursor=cursor, reader=reader
    )


@router.get("/postmortems/{postmortem_id}")
def get_postmortem(postmortem_id: Id, db: DbDep, _: Viewer) -> PostmortemOut:
    return service.get_postmortem(db, postmortem_id=postmortem_id)


@router.get("/postmortems/{postmortem_id}/blameless")
def blameless(postmortem_id: Id, db: DbDep, settings: SettingsDep, _: Viewer) -> BlamelessReport:
    """The blamelessness check over every section: sentences that point at a person (a
    directory name, "X forgot", "human error", "careless", …) with a system-focused
    rewording. Advice only: nothing is refused for it."""
    return service.check_blameless(db, postmortem_id=postmortem_id, settings=settings)


class MarkdownFile(Response):
    media_type = "text/markdown"  # Starlette adds "; charset=utf-8"


class PdfFile(Response):
    media_type = "application/pdf"


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/postmortems/{postmortem_id}/export.md", response_class=MarkdownFile)
def export_markdown(postmortem_id: Id, db: DbDep, settings: SettingsDep, _: Viewer) -> MarkdownFile:
    """The postmortem as Markdown: a heading per section, the 5 Whys as a numbered list,
    the timeline and the action items as tables."""
    name, body = service.export(db, postmortem_id=postmortem_id, settings=settings, as_="md")
    return MarkdownFile(content=body, headers=_attachment(name))


@router.get("/postmortems/{postmortem_id}/export.pdf", response_class=PdfFile)
def export_pdf(postmortem_id: Id, db: DbDep, settings: SettingsDep, _: Viewer) -> PdfFile:
    """The postmortem as a PDF, the same content as the Markdown."""
    name, body = service.export(db, postmortem_id=postmortem_id, settings=settings, as_="pdf")
    return PdfFile(content=body, headers=_attachment(name))


@router.get("/postmortems/{postmortem_id}/sections")
def get_sections(
    postmortem_id: Id, db: DbDep, settings: SettingsDep, _: Viewer
) -> list[SectionOut]:
    return service.get_sections(db, postmortem_id=postmortem_id, settings=settings)


@router.patch("/postmortems/{postmortem_id}/sections", responses=answers(Conflict))
def edit_sections(
    postmortem_id: Id, body: SectionsPatch, db: DbDep, settings: SettingsDep, principal: Responder
) -> list[SectionOut]:
    """Rewrite sections by key (a published postmortem answers 409)."""
    return service.edit_sections(
        db,
        postmortem_id=postmortem_id,
        actor=principal.actor,
        changes=body.sections,
        settings=settings,
    )


@router.post("/postmortems/{postmortem_id}/status", responses=answers(Conflict))
def move(postmortem_id: Id, body: StatusMove, db: DbDep, principal: Responder) -> PostmortemOut:
    """draft → in_review (name reviewers) → published, or back to draft from review.
    Publishing marks the incident's learning phase done."""
    return service.move(db, postmortem_id=postmortem_id, actor=principal.actor, body=body)


@router.post("/postmortems/{postmortem_id}/comments", status_code=201, responses=answers(Conflict))
def add_comment(
    postmortem_id: Id, body: CommentCreate, db: DbDep, settings: SettingsDep, principal: Responder
) -> CommentOut:
    """Comment on a section, during the review."""
    return service.add_comment(
        db, postmortem_id=postmortem_id, actor=principal.actor, body=body, settings=settings
    )


@router.get("/postmortems/{postmortem_id}/comments")
def list_comments(postmortem_id: Id, db: DbDep, _: Viewer) -> list[CommentOut]:
    return service.list_comments(db, postmortem_id=postmortem_id)


@router.get("/postmortems/{postmortem_id}/timeline")
def get_timeline(postmortem_id: Id, db: DbDep, _: Viewer) -> list[TimelineEntryOut]:
    """The incident's events and public updates in one ordered list, with annotations."""
    return service.get_timeline(db, postmortem_id=postmortem_id)


@router.put("/postmortems/{postmortem_id}/timeline/{entry}", responses=answers(Conflict))
def annotate(
    postmortem_id: Id,
    entry: Annotated[str, Path(max_length=40)],
    body: AnnotationPut,
    db: DbDep,
    principal: Responder,
) -> TimelineEntryOut:
    """Annotate, star (a key moment) or hide (from the document) one entry."""
    return service.annotate(
        db, postmortem_id=postmortem_id, entry=entry, actor=principal.actor, body=body
    )


@router.post(
    "/postmortems/{postmortem_id}/action-items", status_code=201, responses=answers(Conflict)
)
def add_action_item(
    postmortem_id: Id, body: ActionItemCreate, db: DbDep, principal: Responder
) -> ActionItemOut:
    return service.add_item(db, postmortem_id=postmortem_id, actor=principal.actor, body=body)


@router.get("/postmortems/{postmortem_id}/action-items")
def postmortem_action_items(postmortem_id: Id, db: DbDep, _: Viewer) -> list[ActionItemOut]:
    return service.items_of(db, postmortem_id=postmortem_id)


@router.patch("/action-items/{item_id}", responses=answers(Conflict))
def edit_action_item(
    item_id: Id, body: ActionItemPatch, db: DbDep, principal: Responder
) -> ActionItemOut:
    """Change an item; on a published postmortem only its status (and reason)."""
    return service.edit_item(db, item_id=item_id, actor=principal.actor, patch=body)


@router.get("/action-items")
def list_action_items(
    db: DbDep,
    principal: Viewer,
    status: Annotated[list[ItemStatus] | None, Query()] = None,
    owner: Annotated[str | None, Query(max_length=200, description="person id or name")] = None,
    team: Annotated[Id | None, Query(description="team id: items on its services")] = None,
    service_name: Annotated[str | None, Query(alias="service", max_length=100)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ActionItemOut]:
    """Action items across postmortems (``status=open&status=in_progress`` for those not
    finished), oldest first."""
    where = service.ItemFilter(
        statuses=status or [], owner=owner, team_id=team, service=service_name
    )
    reader = incidents_service.reader_of(principal)
    return service.list_items(db, where=where, limit=limit, cursor=cursor, reader=reader)
