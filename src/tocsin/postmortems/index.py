"""The full-text index of postmortems, kept in step by the write path.

One row per postmortem in ``postmortem_search``: ``title`` (the incident's title) and
``body`` (every section's text, the 5 Whys, the impact's components, the action items'
titles). Each database uses its own engine:

- **SQLite**: an FTS5 virtual table (porter stemming), ``rowid`` = the postmortem's id; a
  trigger drops the row when its postmortem is deleted.
- **PostgreSQL**: a plain table with generated ``tsvector`` columns (``document``: the title
  weighted A, the body B; ``title_document``) under GIN indexes.

The table is created by migration ``0007_search`` and is deliberately not in the ORM metadata
(an FTS5 table and its shadow tables cannot be declared as models):
:data:`tocsin.schema.UNMAPPED_TABLES` names it for the schema comparison. :func:`refresh_in`
rewrites a postmortem's row in the transaction of the change that alters its text, so the index is
never behind a committed write.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tocsin.incidents import service as incidents_service
from tocsin.incidents.hooks import IncidentChanged
from tocsin.postmortems.tables import ActionItem, Postmortem, PostmortemSection

TABLE = "postmortem_search"


def section_text(content: dict[str, Any]) -> Iterable[str]:
    """The searchable words of one section's content."""
    yield str(content.get("text") or "")
    for why in content.get("whys") or ():
        if isinstance(why, dict):
            yield str(why.get("why") or "")
            yield str(why.get("because") or "")
    for component in content.get("components") or ():
        yield str(component)


def body_of(session: Session, postmortem_id: int) -> str:
    sections = session.scalars(
        select(PostmortemSection.content)
        .where(PostmortemSection.postmortem_id == postmortem_id)
        .order_by(PostmortemSection.key)
    )
    items = session.scalars(
        select(ActionItem.title)
        .where(ActionItem.postmortem_id == postmortem_id)
        .order_by(ActionItem.id)
    )
    parts = [t for content in sections for t in section_text(content or {}) if t]
    return "\n".join([*parts, *items])


def refresh_in(session: Session, postmortem_id: int) -> None:
    """Rewrite the index row of one postmortem, in the caller's transaction."""
    session.flush()
    incident_id = session.scalar(
        select(Postmortem.incident_id).where(Postmortem.id == postmortem_id)
    )
    if incident_id is None:
        return
    title = incidents_service.snapshot(session, incident_id=incident_id).title
    write_in(session, [(postmortem_id, title, body_of(session, postmortem_id))])


def write_in(session: Session, rows: list[tuple[int, str, str]]) -> None:
    """Put ``(postmortem_id, title, body)`` rows into the index, replacing older ones."""
    if not rows:
        return
    values = [{"id": i, "title": t, "body": b} for i, t, b in rows]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                f"INSERT INTO {TABLE} (postmortem_id, title, body) VALUES (:id, :title, :body)"
                " ON CONFLICT (postmortem_id) DO UPDATE"
                " SET title = excluded.title, body = excluded.body"
            ),
            values,
        )
        return
    session.execute(text(f"DELETE FROM {TABLE} WHERE rowid = :id"), values)
    session.execute(
        text(f"INSERT INTO {TABLE} (rowid, title, body) VALUES (:id, :title, :body)"), values
    )


def refresh_incident_in(session: Session, incident_id: int) -> None:
    """Re-index the postmortem of an incident whose title changed (if it has one)."""
    postmortem_id = session.scalar(
        select(Postmortem.id).where(Postmortem.incident_id == incident_id)
    )
    if postmortem_id is not None:
        refresh_in(session, postmortem_id)


def on_incident_changed(session: Session, change: IncidentChanged) -> None:
    """An incident retitled: its postmortem's index row follows, in the same transaction."""
    if change.kind == "details_changed" and "title" in (change.data.get("to") or {}):
        refresh_incident_in(session, change.incident_id)
