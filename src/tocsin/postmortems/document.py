"""The postmortem as one document: :func:`document` returns everything a reader, an export
(Markdown, PDF) or a search index needs, as plain frozen dataclasses, in the template's
order. Hidden timeline entries are left out; starred ones are marked as key moments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tocsin.config import Settings
from tocsin.core.postmortems import PostmortemStatus, SectionKind, TimelineEntry, in_document
from tocsin.incidents import service as incidents_service
from tocsin.postmortems.actions import items_in, items_out
from tocsin.postmortems.schemas import ActionItemOut, CommentOut, ReviewerOut
from tocsin.postmortems.timeline import entries_in
from tocsin.postmortems.workflow import comments_in, load, sections_in, to_out


@dataclass(frozen=True)
class DocumentSection:
    key: str
    title: str
    prompt: str
    kind: SectionKind
    content: dict[str, Any]
    comments: tuple[CommentOut, ...]


@dataclass(frozen=True)
class PostmortemDocument:
    id: int
    incident_id: int
    incident_reference: str
    title: str
    severity: str
    services: tuple[str, ...]
    status: PostmortemStatus
    owner: str
    reviewers: tuple[ReviewerOut, ...]
    impact_started_at: datetime
    resolved_at: datetime | None
    draft_due_at: datetime
    review_due_at: datetime
    published_at: datetime | None
    sections: tuple[DocumentSection, ...]
    timeline: tuple[TimelineEntry, ...]
    action_items: tuple[ActionItemOut, ...]


def document(session: Session, postmortem_id: int, *, settings: Settings) -> PostmortemDocument:
    """The whole postmortem, read in the caller's transaction."""
    row = load(session, postmortem_id)
    out = to_out(session, row)
    incident = incidents_service.snapshot(session, incident_id=row.incident_id)
    comments = comments_in(session, row.id)
    sections = tuple(
        DocumentSection(
            key=s.key,
            title=s.title,
            prompt=s.prompt,
            kind=s.kind,
            content=s.content,
            comments=tuple(c for c in comments if c.section == s.key),
        )
        for s in sections_in(session, row, settings)
    )
    return PostmortemDocument(
        id=row.id,
        incident_id=row.incident_id,
        incident_reference=incident.reference,
        title=incident.title,
        severity=incident.severity.value,
        services=tuple(incident.services),
        status=out.status,
        owner=out.owner.name,
        reviewers=tuple(out.reviewers),
        impact_started_at=incident.impact_started_at,
        resolved_at=incident.resolved_at,
        draft_due_at=row.draft_due_at,
        review_due_at=row.review_due_at,
        published_at=row.published_at,
        sections=sections,
        timeline=tuple(in_document(entries_in(session, row))),
        action_items=tuple(items_out(session, items_in(session, row.id))),
    )
