"""Query helpers every feature shares: load a row or 404, keyset pages, a row's columns, a
flush that turns a unique-constraint race into a 409.

:mod:`tocsin.db` owns engines and transactions; this module holds the small, reusable pieces
of the queries run inside them, so each storage job is written once.

A page of a list is cut by id (keyset pagination), never by offset: a page stays the same
while rows are added, and a deep page costs no more than the first. The cursor a client gets
back is the id of the last row it saw, as a string (:func:`tocsin.fields.parse_cursor`
reads it back).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Select, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from tocsin.db import Base
from tocsin.errors import Conflict, NotFound
from tocsin.fields import parse_cursor

ModelT = TypeVar("ModelT", bound=Base)
RowT = TypeVar("RowT")
ItemT = TypeVar("ItemT")


def get_or_404(
    session: Session, model: type[ModelT], row_id: int, what: str, *, for_update: bool = False
) -> ModelT:
    """The ``model`` row with ``row_id``, else ``NotFound`` ("no <what> with id N").

    The error names the field ``<what>_id`` (spaces become underscores). ``for_update``
    locks the row until the transaction ends.
    """
    row = session.get(model, row_id, with_for_update=for_update)
    if row is None:
        raise NotFound(f"no {what} with id {row_id}", field=f"{what.replace(' ', '_')}_id")
    return row


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def keyset_page(
    session: Session,
    query: Select[RowT],
    key: InstrumentedAttribute[int],
    *,
    limit: int,
    cursor: str | None,
    descending: bool,
    out: Callable[[Sequence[RowT]], list[ItemT]],
) -> Page[ItemT]:
    """One page of ``query`` ordered by the integer column ``key``.

    ``cursor`` (from an earlier page's ``next_cursor``) starts the page after that row; a
    cursor this API did not hand out is ``InvalidInput``. ``out`` turns the page's rows into
    its items, all at once, so it can load what they refer to in one query per kind.
    ``next_cursor`` is ``None`` on the last page.
    """
    if cursor is not None:
        after = parse_cursor(cursor)
        query = query.where(key < after if descending else key > after)
    query = query.order_by(key.desc() if descending else key.asc()).limit(limit + 1)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    last = str(getattr(rows[-1], key.key)) if more and rows else None
    return Page(items=out(rows), next_cursor=last)


def column_values(row: Base) -> dict[str, Any]:
    """The row's mapped columns by attribute name.

    The input of an output schema's ``model_validate`` when the schema adds computed fields
    to the row's own: ``Out.model_validate({**column_values(row), "extra": ...})``.
    """
    return {column.key: getattr(row, column.key) for column in inspect(row).mapper.column_attrs}


def flush_unique(session: Session, *, field: str, message: str) -> None:
    """Flush, turning a unique-constraint race into a 409 naming ``field``."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(message, field=field) from None
