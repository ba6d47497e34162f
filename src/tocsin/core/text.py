"""What text and free-form JSON Tocsin stores: the one rule both databases can keep.

PostgreSQL cannot store a NUL character in ``text`` or ``jsonb``, and neither database can
store a lone UTF-16 surrogate (``"\\ud800"`` in JSON), so such text is refused where it comes
in, naming the field, rather than failing later inside a transaction. Free-form JSON (alert
details, custom details, mappings) is bounded in nesting, so a hostile body cannot make
every later read of it recurse too deep.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_JSON_DEPTH = 32
"""Deepest nesting of objects and arrays accepted in a stored JSON value."""

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class TextProblem:
    """Where a value breaks the rule and how: ``field`` is a dotted path from the value
    judged, empty for the value itself."""

    field: str
    message: str

    def within(self, parent: str) -> TextProblem:
        """The same problem, with its path starting at ``parent``."""
        if not self.field:
            return TextProblem(parent, self.message)
        joiner = "" if self.field.startswith("[") else "."
        return TextProblem(parent + joiner + self.field, self.message)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "text may not contain NUL (\\u0000) characters"
    return "text may not contain unpaired surrogates (invalid Unicode)"


def escaped(text: str) -> str:
    """``text`` with each unstorable character written as ``\\uXXXX``: safe to echo back."""
    return _UNSTORABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _join(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    name = escaped(key) if isinstance(key, str) else str(key)
    return f"{path}.{name}" if path else name


def find_problem(
    value: Any,
    path: str = "",
    *,
    max_depth: int = MAX_JSON_DEPTH,
    max_chars: int | None = None,
) -> TextProblem | None:
    """The first string (key or value) that cannot be stored, nesting deeper than
    ``max_depth``, or more than ``max_chars`` characters of text in all, in a JSON-like
    ``value``; None when all of it can be stored.

    Iterative, so a value nested far deeper than Python's recursion limit is still judged.
    """
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    chars = 0
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            if reason := unstorable(item):
                return TextProblem(where, reason)
            chars += len(item)
            if max_chars is not None and chars > max_chars:
                return TextProblem(path, f"more than {max_chars} characters of text")
        elif isinstance(item, Mapping | list | tuple):
            if depth >= max_depth:
                return TextProblem(where, f"nested deeper than {max_depth} levels")
            entries = item.items() if isinstance(item, Mapping) else enumerate(item)
            children = []
            for key, child in entries:
                if isinstance(key, str) and (reason := unstorable(key)):
                    return TextProblem(_join(where, key), f"name: {reason}")
                children.append((child, _join(where, key), depth + 1))
            stack.extend(reversed(children))
    return None
