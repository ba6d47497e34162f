"""Full-text search across postmortems (``GET /api/v1/postmortems/search``), and the title
look-up recurrence uses: each database's own engine on the index of
:mod:`~tocsin.postmortems.index`.

The query is read by :func:`tocsin.core.search.parse` first, so a bad one is refused the same
way on both databases; SQLite gets it as an FTS5 expression of quoted words (never a syntax
error), PostgreSQL as ``websearch_to_tsquery``. Hits come best first (BM25 on SQLite,
``ts_rank`` on PostgreSQL; a hit in the title weighs more) with a snippet whose text is
escaped and whose matched words are in ``<mark>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tocsin.core import search as rules
from tocsin.core.visibility import Reader
from tocsin.db import Database
from tocsin.errors import InvalidInput
from tocsin.incidents import service as incidents_service
from tocsin.postmortems.actions import items_in, items_out
from tocsin.postmortems.index import TABLE
from tocsin.postmortems.schemas import ActionItemOut, PostmortemOut, SearchHit
from tocsin.postmortems.tables import Postmortem
from tocsin.postmortems.workflow import to_out

_SQLITE_SEARCH = f"""
SELECT rowid AS id, title, -bm25({TABLE}, 4.0, 1.0) AS score,
       snippet({TABLE}, -1, :start, :end, '…', 24) AS snippet
FROM {TABLE} WHERE {TABLE} MATCH :match ORDER BY bm25({TABLE}, 4.0, 1.0) LIMIT :limit
"""
_POSTGRES_SEARCH = f"""
SELECT hit.id, s.title, hit.score,
       ts_headline('english', s.body, hit.q,
                   'StartSel=' || :start || ', StopSel=' || :end
                   || ', MaxWords=30, MinWords=10, MaxFragments=2') AS snippet
FROM (
    SELECT s.postmortem_id AS id, ts_rank(s.document, q.q) AS score, q.q
    FROM {TABLE} s, websearch_to_tsquery('english', :q) AS q(q)
    WHERE s.document @@ q.q
    ORDER BY score DESC, s.postmortem_id DESC
    LIMIT :limit
) AS hit JOIN {TABLE} s ON s.postmortem_id = hit.id
ORDER BY hit.score DESC, hit.id DESC
"""
_SQLITE_TITLES = f"""
SELECT rowid AS id, title FROM {TABLE} WHERE {TABLE} MATCH :match
ORDER BY bm25({TABLE}, 1.0, 0.0) LIMIT :limit
"""
_POSTGRES_TITLES = f"""
SELECT s.postmortem_id AS id, s.title FROM {TABLE} s, to_tsquery('english', :q) AS q(q)
WHERE s.title_document @@ q.q ORDER BY ts_rank(s.title_document, q.q) DESC LIMIT :limit
"""


@dataclass(frozen=True)
class _Raw:
    id: int
    title: str
    score: float
    snippet: str


def search(db: Database, *, q: str, reader: Reader, limit: int = 20) -> list[SearchHit]:
    """The postmortems matching ``q``, best first; a bad ``q`` is a 422 naming it."""
    try:
        query = rules.parse(q)
    except rules.BadQuery as error:
        raise InvalidInput(f"q: {error}", field="q") from error
    with db.reading() as session:
        raws = _run(session, q, query, limit)
        return _hits(session, raws, reader)


def _run(session: Session, q: str, query: rules.Query, limit: int) -> list[_Raw]:
    marks = {"start": rules.MARK_START, "end": rules.MARK_END, "limit": limit}
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(text(_POSTGRES_SEARCH), {**marks, "q": q.strip()})
    else:
        rows = session.execute(text(_SQLITE_SEARCH), {**marks, "match": rules.to_fts5(query)})
    return [_Raw(int(r.id), str(r.title), float(r.score), str(r.snippet or "")) for r in rows]


def _hits(session: Session, raws: Sequence[_Raw], reader: Reader) -> list[SearchHit]:
    """The hits, with their postmortem's status and incident (one query: the incident's
    title is the index's, kept in step with it); none of a private incident hidden from
    ``reader``."""
    query = select(Postmortem.id, Postmortem.incident_id, Postmortem.status).where(
        Postmortem.id.in_([x.id for x in raws]),
        Postmortem.incident_id.not_in(incidents_service.hidden_ids(reader)),
    )
    rows = {int(i): (int(incident), str(status)) for i, incident, status in session.execute(query)}
    hits: list[SearchHit] = []
    for rank, raw in enumerate((x for x in raws if x.id in rows), start=1):
        incident_id, status = rows[raw.id]
        hits.append(
            SearchHit(
                rank=rank,
                score=round(raw.score, 6),
                postmortem_id=raw.id,
                status=status,
                url=f"/postmortems/{raw.id}",
                snippet=rules.escape_snippet(raw.snippet),
                incident_id=incident_id,
                incident_reference=incidents_service.reference(incident_id),
                incident_title=raw.title,
            )
        )
    return hits


def similar_titles_in(session: Session, title: str, *, limit: int = 20) -> list[tuple[int, str]]:
    """``(incident_id, title)`` of the postmortems whose incident title shares words with
    ``title`` (stemmed by the database), best first; the caller decides how close is close."""
    words = rules.title_words(title)
    if not words:
        return []
    params: dict[str, Any] = {"limit": limit}
    if session.get_bind().dialect.name == "postgresql":
        params["q"] = " | ".join(words)  # words are letters and digits only
        rows = session.execute(text(_POSTGRES_TITLES), params).all()
    else:
        params["match"] = rules.any_of_fts5(words, "title")
        rows = session.execute(text(_SQLITE_TITLES), params).all()
    ids = {int(r.id): str(r.title) for r in rows}
    query = select(Postmortem.id, Postmortem.incident_id).where(Postmortem.id.in_(list(ids)))
    incidents = {int(pm): int(incident) for pm, incident in session.execute(query)}
    return [(incidents[i], t) for i, t in ids.items() if i in incidents]


def of_incidents_in(
    session: Session, incident_ids: Sequence[int]
) -> dict[int, tuple[PostmortemOut, list[ActionItemOut]]]:
    """The postmortem and action items of each of ``incident_ids`` that has one."""
    rows = session.scalars(select(Postmortem).where(Postmortem.incident_id.in_(incident_ids)))
    return {
        row.incident_id: (to_out(session, row), items_out(session, items_in(session, row.id)))
        for row in rows
    }
