"""The plan of a configuration apply: what to create, change and delete, field by field.

Pure: it compares two configurations given as plain data, ``{section: {key: fields}}``, the
current one (read from the database) and the wanted one (read from the file), both in the
same normalized form. Nested lists of objects that carry a ``key`` (a person's contact
methods) are matched by key; other lists are compared element by element when their lengths
agree, else as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Config = Mapping[str, Mapping[str, Mapping[str, Any]]]


class Action(StrEnum):
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Change:
    section: str
    key: str
    action: Action
    fields: list[FieldChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "key": self.key,
            "action": self.action.value,
            "fields": [f.to_dict() for f in self.fields],
        }


def count(changes: Sequence[Change]) -> dict[str, int]:
    """How many changes of each action, every action named (``{"create": 0, ...}``)."""
    found = {action.value: 0 for action in Action}
    for change in changes:
        found[change.action.value] += 1
    return found


def _join(path: str, part: str | int) -> str:
    return f"{path}.{part}" if path else str(part)


def _keyed(items: Sequence[Any]) -> bool:
    return all(isinstance(item, Mapping) and "key" in item for item in items)


def diff(old: Any, new: Any, path: str = "") -> list[FieldChange]:
    """Every leaf where ``old`` and ``new`` differ, as dotted paths."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        found: list[FieldChange] = []
        for name in [*old, *(k for k in new if k not in old)]:
            found += diff(old.get(name), new.get(name), _join(path, name))
        return found
    if isinstance(old, list) and isinstance(new, list):
        if old and new and _keyed(old) and _keyed(new):
            before = {item["key"]: item for item in old}
            after = {item["key"]: item for item in new}
            found = []
            for key in [*before, *(k for k in after if k not in before)]:
                found += diff(before.get(key), after.get(key), _join(path, key))
            return found
        if len(old) == len(new):
            found = []
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                found += diff(a, b, _join(path, index))
            return found
    return [] if old == new else [FieldChange(path, old, new)]


def plan(current: Config, wanted: Config, *, sections: Sequence[str], prune: bool) -> list[Change]:
    """Creates and changes in ``sections`` order, then deletes (only with ``prune``) in reverse
    order, so that nothing is deleted while something still to be changed names it."""
    changes: list[Change] = []
    for section in sections:
        have, want = current.get(section, {}), wanted.get(section, {})
        for key, fields in want.items():
            if key not in have:
                made = [FieldChange(name, None, value) for name, value in fields.items()]
                changes.append(Change(section, key, Action.CREATE, made))
            elif found := diff(have[key], fields):
                changes.append(Change(section, key, Action.CHANGE, found))
    if prune:
        for section in reversed(sections):
            have, want = current.get(section, {}), wanted.get(section, {})
            for key in have:
                if key not in want:
                    changes.append(Change(section, key, Action.DELETE))
    return changes
