"""Building blocks every feature's request models and route parameters share.

- :data:`Id`: a row id as a client may send it, in a path, a query string or a body. Ids are
  bounded by PostgreSQL's ``integer`` (SQLite's 64-bit range is wider; one limit for both),
  so an id no row can have is a 422 naming the field, never a database error.
- :class:`Strict`: request bodies refuse fields they do not know.
- :func:`unchanged`: the default of a PATCH field that may be left out but not sent as
  ``null``; its schema says so, and a ``null`` is a 422 naming the field. A field that may
  be cleared is typed ``X | None`` instead.
"""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Interval
from pydantic import BaseModel, ConfigDict, Field

from tocsin.errors import InvalidInput

MAX_ID = 2**31 - 1
"""Largest id: the largest value of an ``integer`` column on both databases."""

Id = Annotated[int, Interval(ge=1, le=MAX_ID)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def unchanged(**field: Any) -> Any:
    """A PATCH field's default: left out means "keep the current value".

    The default is not validated, so the field's type (and its schema) stays non-nullable.
    """
    return Field(default=None, **field)


def parse_cursor(cursor: str) -> int:
    """The row id a ``next_cursor`` of this API stands for."""
    if cursor.isascii() and cursor.isdigit() and 0 < int(cursor) <= MAX_ID:
        return int(cursor)
    raise InvalidInput(f"cursor: {cursor!r} is not a cursor from this API", field="cursor")
