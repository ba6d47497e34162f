"""Generic JSON webhooks, read through a field mapping set on the integration.

Paths are dotted (``alert.labels.host``); a numeric segment indexes an array (``items.0.id``).
With ``root`` set, each element of the array at that path is one alert; without it the body is
one alert, or, when the body is an array, each element is one. See docs/alert-sources.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

import msgspec
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from tocsin.alerts.sources._common import decode, future_limit, parse_timestamp
from tocsin.core.alerts import (
    MAX_DEDUP_KEY,
    MAX_NAME,
    MAX_SUMMARY,
    AlertAction,
    InvalidAlert,
    NormalizedAlert,
    derive_dedup_key,
    name_from_summary,
    truncate,
)

Path = Annotated[str, Field(min_length=1, max_length=200)]
Value = Annotated[str, Field(min_length=1, max_length=100)]
_DECODER: msgspec.json.Decoder[Any] = msgspec.json.Decoder()
_MISSING = object()
_PATH_FIELDS = (
    *("root", "summary", "dedup_key", "severity", "status"),
    *("labels", "name", "starts_at", "details"),
)


class GenericMapping(BaseModel):
    """Where a generic webhook keeps each part of an alert (dotted JSON paths)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    summary: Path
    root: Path | None = None
    dedup_key: Path | None = None
    severity: Path | None = None
    status: Path | None = None
    resolve_values: list[Value] = Field(
        default=["resolved", "resolve", "ok", "closed", "recovered"], max_length=20
    )
    acknowledge_values: list[Value] = Field(
        default=["acknowledged", "acknowledge", "ack"], max_length=20
    )
    labels: Path | None = None
    name: Path | None = None
    starts_at: Path | None = None
    details: Path | None = None

    _paths: dict[str, tuple[str, ...]] = PrivateAttr(default_factory=dict)
    _actions: dict[str, AlertAction] = PrivateAttr(default_factory=dict)

    @field_validator(*_PATH_FIELDS)
    @classmethod
    def _check_path(cls, value: str | None) -> str | None:
        if value is not None and any(not part for part in value.split(".")):
            raise ValueError("a dotted path without empty segments, such as alert.labels")
        return value

    def model_post_init(self, context: Any, /) -> None:
        for name in _PATH_FIELDS:
            path = getattr(self, name)
            if path is not None:
                self._paths[name] = tuple(path.split("."))
        for value in self.acknowledge_values:
            self._actions[value.lower()] = AlertAction.ACKNOWLEDGE
        for value in self.resolve_values:
            self._actions[value.lower()] = AlertAction.RESOLVE


def _walk(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part, _MISSING)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
        if data is _MISSING:
            return _MISSING
    return data


def _scalar(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


class _Reader:
    """Reads the mapped parts of one alert object, naming the JSON path of any problem."""

    def __init__(self, mapping: GenericMapping, element: Any, prefix: str) -> None:
        self.paths = mapping._paths
        self.element = element
        self.prefix = prefix

    def field(self, name: str) -> str:
        path = self.prefix + ".".join(self.paths[name])
        return path.lstrip(".") or "body"

    def get(self, name: str) -> Any:
        path = self.paths.get(name)
        return _MISSING if path is None else _walk(self.element, path)

    def text(self, name: str, limit: int) -> str | None:
        value = self.get(name)
        if value is _MISSING or value is None:
            return None
        text = _scalar(value)
        if text is None:
            raise InvalidAlert(self.field(name), "must be a string or a number")
        if len(text) > limit:
            raise InvalidAlert(self.field(name), f"over {limit} characters")
        return text

    def labels(self) -> dict[str, str]:
        value = self.get("labels")
        if value is _MISSING or value is None:
            return {}
        if not isinstance(value, dict):
            raise InvalidAlert(self.field("labels"), "must be an object")
        labels = {}
        for key, item in value.items():
            text = _scalar(item)
            if text is not None:
                labels[key] = text
        return labels


def _normalize(
    mapping: GenericMapping, element: Any, prefix: str, limit: datetime
) -> NormalizedAlert:
    if not isinstance(element, dict):
        raise InvalidAlert(prefix.rstrip(".") or "body", "each alert must be a JSON object")
    read = _Reader(mapping, element, prefix)
    summary = read.text("summary", 1_000_000)
    if summary is None or not summary.strip():
        raise InvalidAlert(read.field("summary"), "required (the mapped summary is missing)")
    summary = truncate(summary, MAX_SUMMARY)
    labels = read.labels()
    status = read.text("status", 1000)
    action = mapping._actions.get(status.lower(), AlertAction.TRIGGER) if status else None
    dedup_key = read.text("dedup_key", MAX_DEDUP_KEY)
    if not dedup_key:
        dedup_key = derive_dedup_key(labels or {"summary": summary})
    name = read.text("name", 100_000) or labels.get("alertname")
    starts_at = None
    when = read.get("starts_at")
    if when is not _MISSING:
        starts_at = parse_timestamp(when, read.field("starts_at"), limit)
    details = element if mapping.details is None else read.get("details")
    return NormalizedAlert(
        action or AlertAction.TRIGGER,
        dedup_key,
        summary,
        read.text("severity", 1000),
        labels,
        {} if details is _MISSING or details is None else {"data": details},
        starts_at,
        None,
        truncate(name, MAX_NAME) if name else name_from_summary(summary),
    )


def _elements(data: Any, mapping: GenericMapping) -> tuple[list[Any], str]:
    """The alert objects and the JSON-path prefix their fields are named under."""
    root = mapping._paths.get("root")
    if root is None:
        return (data, "") if isinstance(data, list) else ([data], "")
    found = _walk(data, root)
    if not isinstance(found, list):
        raise InvalidAlert(".".join(root), "must be an array (the mapped list of alerts)")
    return found, ".".join(root)


def parse(
    body: bytes, *, now: datetime, mapping: GenericMapping, **config: Any
) -> list[NormalizedAlert]:
    """Alerts of a generic webhook body read through ``mapping``."""
    data = decode(_DECODER, body)
    elements, prefix = _elements(data, mapping)
    limit = future_limit(now)
    if prefix or (isinstance(data, list) and mapping.root is None):
        return [
            _normalize(mapping, element, f"{prefix}[{index}].", limit)
            for index, element in enumerate(elements)
        ]
    return [_normalize(mapping, elements[0], "", limit)]


def mapping_from(settings: Mapping[str, Any]) -> GenericMapping:
    """Build a mapping from stored settings, naming a bad key as ``mapping.<key>``."""
    try:
        return GenericMapping.model_validate(settings)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidAlert(f"mapping.{where}", first["msg"]) from None
