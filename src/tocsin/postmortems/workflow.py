"""A postmortem as the API shows it, its sections, the review workflow and the comments.

Every change locks the postmortem row and bumps its version. Publishing marks the incident's
learning phase done (``incidents.service.learning_done_in``) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.config import Settings
from tocsin.core import postmortems as rules
from tocsin.core.postmortems import PostmortemStatus, SectionSpec
from tocsin.core.visibility import Reader
from tocsin.db import Database
from tocsin.errors import InvalidInput, NotFound
from tocsin.incidents import service as incidents_service
from tocsin.postmortems import index, reminders
from tocsin.postmortems.opening import resolve_owner
from tocsin.postmortems.schemas import (
    CommentCreate,
    CommentOut,
    OwnerOut,
    PostmortemOut,
    ReviewerOut,
    SectionOut,
    StatusMove,
)
from tocsin.postmortems.tables import (
    Postmortem,
    PostmortemComment,
    PostmortemReviewer,
    PostmortemSection,
)
from tocsin.storage import Page, get_or_404, keyset_page

ACTOR_PUBLISH = "postmortem published"


def load(session: Session, postmortem_id: int, *, for_update: bool = False) -> Postmortem:
    return get_or_404(session, Postmortem, postmortem_id, "postmortem", for_update=for_update)


def incident_id_of_in(session: Session, postmortem_id: int) -> int | None:
    """The incident of a postmortem (None for none): who may see it follows from it."""
    found = session.scalar(select(Postmortem.incident_id).where(Postmortem.id == postmortem_id))
    return int(found) if found is not None else None


def to_out(session: Session, row: Postmortem) -> PostmortemOut:
    session.flush()
    incident = incidents_service.snapshot(session, incident_id=row.incident_id)
    reviewers = session.scalars(
        select(PostmortemReviewer)
        .where(PostmortemReviewer.postmortem_id == row.id)
        .order_by(PostmortemReviewer.id)
    )
    status = PostmortemStatus(row.status)
    now = clock.now()
    return PostmortemOut(
        id=row.id,
        incident_id=row.incident_id,
        incident_reference=incident.reference,
        incident_title=incident.title,
        status=status,
        owner=OwnerOut(person_id=row.owner_person_id, name=row.owner_name),
        draft_due_at=row.draft_due_at,
        review_due_at=row.review_due_at,
        # the draft deadline is met by the first review, even if changes were asked for since
        draft_overdue=row.review_started_at is None and now >= row.draft_due_at,
        review_overdue=not rules.Deadline.REVIEW.met(status) and now >= row.review_due_at,
        time_zone=row.time_zone,
        team_id=row.team_id,
        reviewers=[ReviewerOut(person_id=r.person_id, name=r.name) for r in reviewers],
        opened_by=row.opened_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        review_started_at=row.review_started_at,
        published_at=row.published_at,
        version=row.version,
    )


def get_postmortem(db: Database, *, postmortem_id: int) -> PostmortemOut:
    with db.reading() as session:
        return to_out(session, load(session, postmortem_id))


def postmortem_of_incident(db: Database, *, incident_id: int) -> PostmortemOut:
    with db.reading() as session:
        incidents_service.snapshot(session, incident_id=incident_id)  # 404 for no incident
        row = session.scalar(select(Postmortem).where(Postmortem.incident_id == incident_id))
        if row is None:
            raise NotFound(f"incident {incident_id} has no postmortem", field="incident_id")
        return to_out(session, row)


def list_postmortems(
    db: Database,
    *,
    statuses: Sequence[PostmortemStatus],
    limit: int,
    cursor: str | None,
    reader: Reader,
) -> Page[PostmortemOut]:
    """Newest first, paginated by id (none of a private incident hidden from ``reader``)."""
    query = select(Postmortem).where(
        Postmortem.incident_id.not_in(incidents_service.hidden_ids(reader))
    )
    if statuses:
        query = query.where(Postmortem.status.in_([s.value for s in statuses]))
    with db.reading() as session:
        return keyset_page(
            session,
            query,
            Postmortem.id,
            limit=limit,
            cursor=cursor,
            descending=True,
            out=lambda rows: [to_out(session, row) for row in rows],
        )


def find_for_incident(db: Database, *, incident_id: int) -> PostmortemOut | None:
    """The incident's postmortem, if it has one (for the incident page)."""
    with db.reading() as session:
        row = session.scalar(select(Postmortem).where(Postmortem.incident_id == incident_id))
        return to_out(session, row) if row is not None else None


def _template(settings: Settings) -> dict[str, SectionSpec]:
    return {spec.key: spec for spec in settings.postmortem_template}


def sections_in(session: Session, row: Postmortem, settings: Settings) -> list[SectionOut]:
    """The sections in the template's order (a section the template dropped is not shown)."""
    stored = {
        s.key: s
        for s in session.scalars(
            select(PostmortemSection).where(PostmortemSection.postmortem_id == row.id)
        )
    }
    found = []
    for spec in settings.postmortem_template:
        section = stored.get(spec.key)
        found.append(
            SectionOut(
                key=spec.key,
                title=spec.title,
                prompt=spec.prompt,
                kind=spec.kind,
                content=section.content if section else {"text": ""},
                updated_at=section.updated_at if section else row.created_at,
                updated_by=section.updated_by if section else row.opened_by,
            )
        )
    return found


def get_sections(db: Database, *, postmortem_id: int, settings: Settings) -> list[SectionOut]:
    with db.reading() as session:
        return sections_in(session, load(session, postmortem_id), settings)


def edit_sections(
    db: Database,
    *,
    postmortem_id: int,
    actor: str,
    changes: Mapping[str, Any],
    settings: Settings,
) -> list[SectionOut]:
    """Rewrite the sections named in ``changes`` (draft or in review only)."""
    template = _template(settings)
    if not changes:
        raise InvalidInput("sections: name at least one section to change", field="sections")
    unknown = sorted(set(changes) - set(template))
    if unknown:
        raise InvalidInput(
            f"sections: unknown section(s) {unknown}; the template has {sorted(template)}",
            field="sections",
        )
    contents = {key: rules.section_content(template[key], value) for key, value in changes.items()}
    with db.transaction() as session:
        row = load(session, postmortem_id, for_update=True)
        rules.check_editable(PostmortemStatus(row.status), "editing sections")
        now = clock.now()
        for key, content in contents.items():
            section = session.get(PostmortemSection, (row.id, key))
            if section is None:
                section = PostmortemSection(postmortem_id=row.id, key=key)
                session.add(section)
            previous = section.content or {}
            keep = {k: v for k, v in previous.items() if k == "customers_note"}
            section.content = {**keep, **content}
            section.updated_at, section.updated_by = now, actor
        _touch(row, now)
        index.refresh_in(session, row.id)
        return sections_in(session, row, settings)


def move(db: Database, *, postmortem_id: int, actor: str, body: StatusMove) -> PostmortemOut:
    """Move through the review workflow; publishing settles the incident's learning phase."""
    with db.transaction() as session:
        row = load(session, postmortem_id, for_update=True)
        for who in body.reviewers:
            person_id, name = resolve_owner(session, who, field="reviewers.person_id")
            if not _reviewing(session, row.id, person_id, name):
                session.add(
                    PostmortemReviewer(
                        postmortem_id=row.id, person_id=person_id, name=name, added_at=clock.now()
                    )
                )
        session.flush()
        count = len(list(session.scalars(_reviewers_of(row.id))))
        rules.move(PostmortemStatus(row.status), body.status, reviewers=count)
        now = clock.now()
        row.status = body.status.value
        if body.status is PostmortemStatus.IN_REVIEW and row.review_started_at is None:
            row.review_started_at = now
        if body.status is PostmortemStatus.PUBLISHED:
            row.published_at = now
            incidents_service.learning_done_in(
                session, incident_id=row.incident_id, actor=actor, reason=ACTOR_PUBLISH
            )
        reminders.settle_deadlines_in(session, row)
        _touch(row, now)
        incidents_service.record_event(
            session,
            incident_id=row.incident_id,
            actor=actor,
            kind="postmortem_status_changed",
            data={"postmortem_id": row.id, "to": body.status.value},
        )
        return to_out(session, row)


def _reviewers_of(postmortem_id: int) -> Any:
    return select(PostmortemReviewer).where(PostmortemReviewer.postmortem_id == postmortem_id)


def _reviewing(session: Session, postmortem_id: int, person_id: int | None, name: str) -> bool:
    for reviewer in session.scalars(_reviewers_of(postmortem_id)):
        if (person_id is not None and reviewer.person_id == person_id) or (
            person_id is None and reviewer.person_id is None and reviewer.name == name
        ):
            return True
    return False


def add_comment(
    db: Database, *, postmortem_id: int, actor: str, body: CommentCreate, settings: Settings
) -> CommentOut:
    if body.section not in _template(settings):
        raise InvalidInput(f"section: no section {body.section!r} in the template", field="section")
    with db.transaction() as session:
        row = load(session, postmortem_id, for_update=True)
        rules.check_commentable(PostmortemStatus(row.status))
        comment = PostmortemComment(
            postmortem_id=row.id,
            section=body.section,
            author=actor,
            body=body.body,
            created_at=clock.now(),
        )
        session.add(comment)
        session.flush()
        return CommentOut.model_validate(comment)


def comments_in(session: Session, postmortem_id: int) -> list[CommentOut]:
    rows = session.scalars(
        select(PostmortemComment)
        .where(PostmortemComment.postmortem_id == postmortem_id)
        .order_by(PostmortemComment.id)
    )
    return [CommentOut.model_validate(r) for r in rows]


def list_comments(db: Database, *, postmortem_id: int) -> list[CommentOut]:
    with db.reading() as session:
        load(session, postmortem_id)
        return comments_in(session, postmortem_id)


def _touch(row: Postmortem, now: Any) -> None:
    row.updated_at = max(now, row.updated_at)
    row.version += 1
