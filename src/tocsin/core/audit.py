"""The audit log's rules: what of a change is written down, and how secrets are hidden.

An entry keeps the changed fields only, before and after. A secret field (a token's or an
integration key's digest, a sealed contact address, later a password hash) shows that it was
set, replaced or cleared, never its value: :func:`hide`. Rows that belong to an object (a
schedule's layers, a policy's levels, a team's members) are written on their owner's entry as
the rows removed and added, a row removed and added unchanged cancelling out: :func:`parts`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

SECRET = "<secret>"
"""A secret field's value as the log shows it."""
ROTATED = "<rotated>"
"""A secret field that was replaced by another value (a rotated key)."""

CREATE, UPDATE, DELETE, SIGN_IN = "create", "update", "delete", "sign_in"
ACTIONS = (CREATE, UPDATE, DELETE, SIGN_IN)

Fields = dict[str, Any]


def plain(value: Any) -> Any:
    """``value`` as JSON can hold it: times in ISO 8601 (aware ones in UTC, so a time read
    back from the database equals the same time as a client sent it), enums by value,
    tuples as lists."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # anything else (a time of day, a decimal) as its text


def hide(before: Any, after: Any) -> tuple[Any, Any]:
    """A secret field's before and after as the log shows them."""
    shown_before = None if before is None else SECRET
    if after is None:
        return shown_before, None
    return shown_before, ROTATED if before is not None else SECRET


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[Fields, Fields]:
    """The fields whose value differs (a field on one side only counts as ``None`` on the
    other), each side holding those fields only."""
    names = [*before, *(name for name in after if name not in before)]
    old, new = {}, {}
    for name in names:
        was, now = plain(before.get(name)), plain(after.get(name))
        if was != now:
            old[name], new[name] = was, now
    return old, new


def masked(
    before: Mapping[str, Any], after: Mapping[str, Any], secret: Iterable[str]
) -> tuple[Fields, Fields]:
    """:func:`changed`, with every ``secret`` field hidden (:func:`hide`)."""
    old, new = changed(before, after)
    for name in secret:
        if name in old or name in new:
            old[name], new[name] = hide(old.get(name), new.get(name))
    return old, new


def parts(removed: Iterable[Any], added: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    """The parts removed and added, less those removed and added again unchanged (each
    cancels once: two equal parts removed and one added leave one removed)."""
    gone = [plain(part) for part in removed]
    came: list[Any] = []
    for part in (plain(part) for part in added):
        if part in gone:
            gone.remove(part)
        else:
            came.append(part)
    return sorted(gone, key=_order), sorted(came, key=_order)


def _order(part: Any) -> tuple[Any, str]:
    """Parts in their ``position`` order, else by their text: the same every time."""
    position = part.get("position") if isinstance(part, dict) else None
    return (position if isinstance(position, int) else -1, json.dumps(part, sort_keys=True))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One CSV cell: empty for ``None``; text a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@``…) starts with an apostrophe, so an actor or a name an
    attacker chose cannot run in the reader's spreadsheet."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value
