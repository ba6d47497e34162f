"""Stable keys for imported objects, and matching the source's users to Tocsin's people.

A key is derived from the source's own id (``pd-user-pxyz123``), so a re-import names the
same objects and ``tocsin apply`` updates them instead of making copies. A user whose
normalized email matches a person Tocsin already has takes that person's key instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tocsin.alerts.schemas import LegacyKey

_NOT_KEY = re.compile(r"[^a-z0-9_.-]+")
_LEGACY_KEY: TypeAdapter[str] = TypeAdapter(LegacyKey)
KEPT = "the old URL keeps working on Tocsin's host"


def usable_secret(value: Any) -> str | None:
    """The source's exported secret if an integration can keep it (``legacy_key``), else None."""
    if not isinstance(value, str):
        return None
    try:
        return _LEGACY_KEY.validate_python(value.strip())
    except ValidationError:
        return None


def normalize_email(email: str | None) -> str | None:
    """Emails compare case-insensitively and without surrounding blanks."""
    if not email:
        return None
    cleaned = email.strip().lower()
    return cleaned or None


def source_key(prefix: str, kind: str, source_id: str) -> str:
    """``<prefix>-<kind>-<id>`` in the file's key alphabet (lowercase, digits, ``-_.``)."""
    slug = _NOT_KEY.sub("-", str(source_id).strip().lower()).strip("-")
    return f"{prefix}-{kind}-{slug}"[:100]


class PeopleDirectory:
    """The people Tocsin already has, by normalized email (from ``tocsin export``)."""

    def __init__(self, people: Iterable[Mapping[str, Any]] = ()) -> None:
        self._by_email: dict[str, Mapping[str, Any]] = {}
        for person in people:
            email = normalize_email(person.get("email"))
            if email is not None:
                self._by_email.setdefault(email, person)

    def existing(self, email: str | None) -> Mapping[str, Any] | None:
        """The exported person with this email, if Tocsin has one."""
        normalized = normalize_email(email)
        return None if normalized is None else self._by_email.get(normalized)

    def key_for(self, email: str | None, fallback: str) -> str:
        found = self.existing(email)
        return str(found["key"]) if found is not None else fallback
