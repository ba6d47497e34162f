"""Read a configuration file, knowing the line and column of every value.

PyYAML composes the file into nodes that carry their marks; we build plain Python values from
them ourselves (safe: no tags beyond the core schema), remembering where each path begins. A
validation error then names the file, the line and column, and the field path, e.g.
``tocsin.yaml:12:7: schedules.0.layers.1.length: Input should be greater than or equal to 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from tocsin.config_as_code.document import Document

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    source: str
    line: int  # 1-based
    column: int  # 1-based
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}:{self.column}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
        }


class FileError(Exception):
    """The file cannot be read or is invalid; ``problems`` lists each place."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


MAX_VALUES = 200_000
"""Values a file may hold once aliases are expanded (a YAML "billion laughs" stops here)."""
MAX_DEPTH = 64


_PLAIN = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class _TooBig(Exception):
    pass


def _build(
    node: yaml.Node, path: Path, marks: dict[Path, yaml.Mark], loader: yaml.SafeLoader
) -> Any:
    if len(marks) >= MAX_VALUES or len(path) > MAX_DEPTH:
        raise _TooBig(node.start_mark)
    marks[path] = node.start_mark
    if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"could not determine a constructor for the tag {node.tag!r}",
            node.start_mark,
        )
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain text", key_node.start_mark
                )
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            result[key] = _build(value_node, (*path, key), marks, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), marks, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _problem(source: str, mark: yaml.Mark | None, field: str, message: str) -> Problem:
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return Problem(source=source, line=line, column=column, field=field, message=message)


def load(text: str, source: str) -> tuple[Any, dict[Path, yaml.Mark]]:
    """The file's data and the mark of each path; a YAML error is a :class:`FileError`."""
    marks: dict[Path, yaml.Mark] = {}
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = {} if node is None else _build(node, (), marks, loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(part for part in (error.context, error.problem) if part)
        raise FileError([_problem(source, mark, "", message or "not YAML")]) from None
    except yaml.YAMLError as error:
        raise FileError([_problem(source, None, "", str(error))]) from None
    except _TooBig as error:
        message = f"the file nests deeper than {MAX_DEPTH} or holds over {MAX_VALUES} values"
        raise FileError([_problem(source, error.args[0], "", message)]) from None
    except RecursionError:
        message = "the file nests too deeply to read"
        raise FileError([_problem(source, None, "", message)]) from None
    finally:
        loader.dispose()
    return data, marks


def _mark_of(marks: dict[Path, yaml.Mark], loc: Path) -> yaml.Mark | None:
    """The mark of ``loc``, or of its nearest ancestor in the file (a missing field's parent)."""
    for end in range(len(loc), -1, -1):
        found = marks.get(tuple(loc[:end]))
        if found is not None:
            return found
    return None


def parse(text: str, source: str) -> Document:
    """The validated document; every problem (YAML or value) is a :class:`FileError`."""
    data, marks = load(text, source)
    if not isinstance(data, dict):
        raise FileError([_problem(source, marks.get(()), "", "the file must be a mapping")])
    try:
        return Document.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            # pydantic adds the tag of a discriminated union to the path; the file has no such key
            loc = _in_file(data, item["loc"])
            field = ".".join(str(part) for part in loc)
            problems.append(_problem(source, _mark_of(marks, loc), field, item["msg"]))
        raise FileError(problems) from None


def _in_file(data: Any, loc: tuple[str | int, ...]) -> Path:
    """``loc`` without the parts pydantic adds that the file has no key for (a union's tag)."""
    kept: list[str | int] = []
    here: Any = data
    for index, part in enumerate(loc):
        inside = (isinstance(here, dict) and part in here) or (
            isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here)
        )
        if inside:
            here = here[part]
        elif index < len(loc) - 1:
            continue  # a tag such as "daily" or "function-after[...]"
        kept.append(part)
    return tuple(kept)


def problem_at(source: str, text: str, path: str, message: str) -> Problem:
    """A problem the plan found at a dotted ``path`` of the file (an unknown key, say)."""
    try:
        _, marks = load(text, source)
    except FileError:
        marks = {}
    loc = tuple(int(p) if p.isdigit() else p for p in path.split(".")) if path else ()
    return _problem(source, _mark_of(marks, loc), path, message)
