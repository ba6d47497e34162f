"""Small readers of PagerDuty's objects shared by the converters."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from tocsin.importers.keys import source_key
from tocsin.importers.source import SourceError

PREFIX = "pd"
_NOT_SLUG = re.compile(r"[^a-z0-9_.-]+")


def key(kind: str, source_id: str) -> str:
    return source_key(PREFIX, kind, source_id)


def ref_id(reference: Mapping[str, Any] | None) -> str | None:
    """The id of a reference (``{"id": "P1", "type": "user_reference"}``) or object."""
    if not reference:
        return None
    value = reference.get("id")
    return str(value) if value else None


def ref_type(reference: Mapping[str, Any]) -> str:
    """``user_reference`` and ``user`` both read as ``user``."""
    return str(reference.get("type", "")).removesuffix("_reference")


def label(obj: Mapping[str, Any]) -> str:
    """How the report names an object: its id and name."""
    name = obj.get("name") or obj.get("summary") or ""
    return f"{obj.get('id', '?')} ({name})" if name else str(obj.get("id", "?"))


def instant(text: str) -> datetime:
    """PagerDuty's ISO 8601 times (``2026-03-02T09:00:00+01:00`` or ``...Z``), aware."""
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise SourceError(f"PagerDuty time {text!r} is not ISO 8601") from None
    if value.tzinfo is None:
        raise SourceError(f"PagerDuty time {text!r} has no offset")
    return value


def slug(text: str, limit: int = 64) -> str:
    """Lowercase, digits and ``-_.``, starting and ending with a letter or digit."""
    cleaned = _NOT_SLUG.sub("-", text.strip().lower())[:limit]
    return cleaned.strip("-_.")


def unique(wanted: str, taken: set[str], source_id: str, limit: int = 64) -> str:
    """``wanted``, or ``wanted-<id>`` when another object already has it."""
    choice = wanted or slug(source_id, limit) or "x"
    if choice in taken:
        tail = "-" + slug(source_id, limit)
        choice = choice[: limit - len(tail)].rstrip("-_.") + tail
    taken.add(choice)
    return choice


def items(body: Any, name: str) -> list[dict[str, Any]]:
    """The objects of a list answer or saved file: ``{"users": [...]}``, a list of such pages,
    or a bare list."""
    if body is None:
        return []
    if isinstance(body, Mapping):
        found = body.get(name, [])
        return [dict(each) for each in found if isinstance(each, Mapping)]
    if isinstance(body, list):
        out: list[dict[str, Any]] = []
        for page in body:
            if isinstance(page, Mapping) and name in page:
                out += items(page, name)
            elif isinstance(page, Mapping):
                out.append(dict(page))
        return out
    return []


def teams_of(obj: Mapping[str, Any]) -> Iterable[str]:
    for team in obj.get("teams") or ():
        found = ref_id(team)
        if found:
            yield found
