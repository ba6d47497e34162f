"""The postmortem's timeline: the incident's own events (status, severity and role changes,
updates, notes, alerts joined, pages sent and acknowledged, reminders...) and the public
updates posted on the status page, merged in one ordered list. An entry is annotated, starred
or hidden here (``postmortem_timeline_annotations``); the events themselves are never copied
or rewritten.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core import postmortems as rules
from tocsin.core.postmortems import Annotation, PostmortemStatus, TimelineEntry
from tocsin.db import Database
from tocsin.errors import InvalidInput
from tocsin.incidents import service as incidents_service
from tocsin.postmortems.schemas import AnnotationPut, TimelineEntryOut
from tocsin.postmortems.tables import Postmortem, TimelineAnnotation
from tocsin.postmortems.workflow import load
from tocsin.statuspage import publishing as statuspage_publishing


def sources_in(session: Session, incident_id: int) -> list[TimelineEntry]:
    """Every recorded moment of the incident, unannotated."""
    entries = [
        TimelineEntry("incident", e.id, e.at, e.actor, e.kind, e.data)
        for e in incidents_service.events_in(session, incident_id=incident_id)
    ]
    for update in statuspage_publishing.public_updates_of_in(session, incident_id=incident_id):
        data = {k: update[k] for k in ("status", "body", "page_id", "name")}
        entries.append(
            TimelineEntry(
                "public", update["id"], update["at"], update["author"], "public_update", data
            )
        )
    return entries


def entries_in(session: Session, row: Postmortem) -> list[TimelineEntry]:
    """The merged timeline with the postmortem's annotations, oldest first."""
    annotations = {
        rules.entry_key(a.source, a.event_id): Annotation(a.note, a.starred, a.hidden)
        for a in session.scalars(
            select(TimelineAnnotation).where(TimelineAnnotation.postmortem_id == row.id)
        )
    }
    return rules.merge_timeline(sources_in(session, row.incident_id), annotations)


def entry_out(entry: TimelineEntry) -> TimelineEntryOut:
    return TimelineEntryOut(
        entry=entry.key,
        source=entry.source,
        event_id=entry.event_id,
        at=entry.at,
        actor=entry.actor,
        kind=entry.kind,
        data=dict(entry.data),
        note=entry.annotation.note,
        starred=entry.annotation.starred,
        hidden=entry.annotation.hidden,
    )


def get_timeline(db: Database, *, postmortem_id: int) -> list[TimelineEntryOut]:
    with db.reading() as session:
        return [entry_out(e) for e in entries_in(session, load(session, postmortem_id))]


def annotate(
    db: Database, *, postmortem_id: int, entry: str, actor: str, body: AnnotationPut
) -> TimelineEntryOut:
    """Annotate, star or hide one entry (what is left out of ``body`` is kept)."""
    source, event_id = rules.parse_entry_key(entry)
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise InvalidInput("body: give note, starred or hidden", field="body")
    with db.transaction() as session:
        row = load(session, postmortem_id, for_update=True)
        rules.check_editable(PostmortemStatus(row.status), "annotating the timeline")
        found = {e.key: e for e in entries_in(session, row)}
        if entry not in found:
            raise InvalidInput(
                f"entry: {entry} is not on this postmortem's timeline", field="entry"
            )
        annotation = session.get(TimelineAnnotation, (row.id, source, event_id))
        if annotation is None:
            annotation = TimelineAnnotation(
                postmortem_id=row.id,
                source=source,
                event_id=event_id,
                note="",
                starred=False,
                hidden=False,
            )
            session.add(annotation)
        for name, value in changes.items():
            setattr(annotation, name, value)
        annotation.updated_at, annotation.updated_by = clock.now(), actor
        session.flush()
        merged = {e.key: e for e in entries_in(session, row)}
        return entry_out(merged[entry])
