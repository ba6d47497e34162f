"""What the Opsgenie conversion steps share: keys, time parsing and the lookup tables one
step fills for the next (users for teams and schedules, schedules for escalations...)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tocsin.importers.keys import normalize_email, source_key
from tocsin.importers.report import ImportReport

PREFIX = "og"
NOBODY = f"{PREFIX}-schedule-nobody"
"""An empty schedule: the target of a level that only waits (Opsgenie's first rule at 5 min)."""

NOBODY_PERSON = f"{PREFIX}-nobody"
"""A person without contact methods: the turns of Opsgenie's ``none`` participant."""

_UNIT_MINUTES = {"minutes": 1, "hours": 60, "days": 1440}
_NOT_SLUG = re.compile(r"[^a-z0-9_.-]+")


def key(kind: str, source_id: object) -> str:
    return source_key(PREFIX, kind, str(source_id))


def slug(text: str, fallback: str, limit: int = 64) -> str:
    """``text`` in the handle/service-name alphabet: lowercase, digits, ``-_.``."""
    cleaned = _NOT_SLUG.sub("-", text.strip().lower())[:limit]
    cleaned = re.sub(r"^[^a-z0-9]+|[^a-z0-9]+$", "", cleaned)
    return cleaned or fallback


def unique(wanted: str, taken: set[str], limit: int = 64) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        tail = f"-{n}"
        candidate = wanted[: limit - len(tail)] + tail
        n += 1
    taken.add(candidate)
    return candidate


def instant(value: Any) -> datetime | None:
    """An Opsgenie time: ISO 8601 (the API), ``yyyy-MM-dd HH:mm`` in UTC (older backups) or
    epoch milliseconds. None when missing or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=value)
    if not isinstance(value, str):
        return None
    text = value.strip().replace(" ", "T", 1) if "T" not in value else value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def minutes(amount: Mapping[str, Any] | None) -> int:
    """``{timeAmount, timeUnit}`` (unit minutes when left out) as whole minutes."""
    if not amount:
        return 0
    if "timeAmount" not in amount and "minutes" in amount:
        return int(amount["minutes"] or 0)
    unit = str(amount.get("timeUnit") or "minutes").lower()
    return int(amount.get("timeAmount") or 0) * _UNIT_MINUTES.get(unit, 1)


@dataclass
class Context:
    """Lookup tables filled as the conversion goes, and the report it writes to."""

    report: ImportReport
    people_by_user: dict[str, str] = field(default_factory=dict)  # Opsgenie user id -> key
    people_by_email: dict[str, str] = field(default_factory=dict)  # normalized username -> key
    team_keys: dict[str, str] = field(default_factory=dict)
    team_names: dict[str, str] = field(default_factory=dict)  # normalized name -> team id
    team_members: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # (key, role)
    schedule_keys: dict[str, str] = field(default_factory=dict)
    schedule_names: dict[str, str] = field(default_factory=dict)  # name -> schedule id
    policy_keys: dict[str, str] = field(default_factory=dict)
    policy_names: dict[str, str] = field(default_factory=dict)  # name -> escalation id
    needs_nobody: bool = False
    needs_nobody_person: bool = False

    def person(self, ref: Mapping[str, Any] | None) -> str | None:
        """The person key of a user reference ``{id, username}``, if the import has them."""
        if not ref:
            return None
        found = self.people_by_user.get(str(ref.get("id") or ""))
        if found is None:
            email = normalize_email(ref.get("username") or ref.get("name"))
            found = self.people_by_email.get(email) if email else None
        return found

    def team(self, ref: Mapping[str, Any] | None) -> str | None:
        """The Opsgenie team id of a reference ``{id, name}``."""
        if not ref:
            return None
        team_id = str(ref.get("id") or "")
        if team_id in self.team_keys:
            return team_id
        return self.team_names.get(str(ref.get("name") or "").strip().lower())

    def schedule(self, ref: Mapping[str, Any] | None) -> str | None:
        if not ref:
            return None
        schedule_id = str(ref.get("id") or "")
        if schedule_id in self.schedule_keys:
            return self.schedule_keys[schedule_id]
        found = self.schedule_names.get(str(ref.get("name") or ""))
        return self.schedule_keys.get(found) if found else None


def label(thing: Mapping[str, Any], kind: str) -> str:
    """How the report names a source object: ``schedule 1a2b (Primary)``."""
    name = thing.get("name") or thing.get("username") or thing.get("fullName")
    return f"{kind} {thing.get('id')}" + (f" ({name})" if name else "")
