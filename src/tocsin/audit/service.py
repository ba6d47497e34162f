"""Reading the audit log (filtered, paged, as CSV) and the entries features add themselves.

Entries are written by :mod:`tocsin.audit.recorder` in the transaction of each change; this
module never updates or deletes one (the database refuses it anyway).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from tocsin.access.hooks import SignedIn
from tocsin.audit import recorder
from tocsin.audit.schemas import AuditEntryOut
from tocsin.audit.tables import AuditEntry
from tocsin.core import audit as rules
from tocsin.db import Database
from tocsin.storage import Page, keyset_page

CSV_COLUMNS = tuple(AuditEntryOut.model_fields)
CSV_PAGE = 1000


@dataclass(frozen=True)
class Filters:
    actor: str | None = None
    kind: str | None = None
    object: str | None = None  # the object's id or its label (a handle, a name)
    action: str | None = None
    since: datetime | None = None  # at or after
    until: datetime | None = None  # before


def _query(filters: Filters) -> Select[AuditEntry]:
    query = select(AuditEntry)
    if filters.actor is not None:
        query = query.where(AuditEntry.actor == filters.actor)
    if filters.kind is not None:
        query = query.where(AuditEntry.object_kind == filters.kind)
    if filters.object is not None:
        query = query.where(
            or_(AuditEntry.object_id == filters.object, AuditEntry.object_label == filters.object)
        )
    if filters.action is not None:
        query = query.where(AuditEntry.action == filters.action)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    return query


def _out(rows: Sequence[AuditEntry]) -> list[AuditEntryOut]:
    return [AuditEntryOut.model_validate(row) for row in rows]


def list_entries(
    db: Database, *, filters: Filters, limit: int, cursor: str | None
) -> Page[AuditEntryOut]:
    """The entries that match, newest first."""
    with db.reading() as session:
        return keyset_page(
            session,
            _query(filters),
            AuditEntry.id,
            limit=limit,
            cursor=cursor,
            descending=True,
            out=_out,
        )


def csv_line(entry: AuditEntryOut) -> list[str]:
    cells = entry.model_dump(mode="json")
    for side in ("before", "after"):
        cells[side] = json.dumps(cells[side], ensure_ascii=False, sort_keys=True)
    return [rules.csv_cell(cells[column]) for column in CSV_COLUMNS]


def csv_text(db: Database, *, filters: Filters) -> Iterator[str]:
    """Every entry that matches, newest first, as CSV: a header, then a page of lines at a
    time, each page read in its own short transaction (the log only grows, so the pages
    neither skip nor repeat an entry). The first page is read now, so a database that cannot
    answer is an error answer, not a cut file."""
    first = list_entries(db, filters=filters, limit=CSV_PAGE, cursor=None)
    return _csv_pages(db, filters, first)


def _csv_pages(db: Database, filters: Filters, page: Page[AuditEntryOut]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    while True:
        writer.writerows(csv_line(entry) for entry in page.items)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        if page.next_cursor is None:
            return
        page = list_entries(db, filters=filters, limit=CSV_PAGE, cursor=page.next_cursor)


def on_signed_in(session: Session, signed_in: SignedIn) -> None:
    """A sign-in is an entry of its own, in the sign-in's transaction."""
    recorder.note(
        session,
        action=rules.SIGN_IN,
        kind=signed_in.principal_kind,
        object_id=signed_in.principal_id,
        label=signed_in.principal_name,
        who=signed_in.acting,
    )
