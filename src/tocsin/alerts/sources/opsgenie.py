"""Opsgenie's Alert API, for senders moved from Opsgenie that keep their API key.

``POST /v2/alerts`` creates (``message`` required; ``alias`` is the dedup key, else one is
derived from the message), ``POST /v2/alerts/{alias}/close`` and ``.../acknowledge`` with
``identifierType=alias`` resolve and acknowledge. ``priority`` (P1–P5, default P3) is the
source severity: the integration's ``severity_mapping`` turns it into a SEV level. Answers
keep Opsgenie's shape: ``{"result": "Request will be processed", "took", "requestId"}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import msgspec

from tocsin.alerts.sources._common import decode
from tocsin.core.alerts import (
    MAX_DEDUP_KEY,
    MAX_SUMMARY,
    AlertAction,
    InvalidAlert,
    NormalizedAlert,
    derive_dedup_key,
    name_from_summary,
    truncate,
)
from tocsin.core.text import find_problem

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
DEFAULT_PRIORITY = "P3"
MAX_ALIAS = min(512, MAX_DEDUP_KEY)
_TEXT_FIELDS = ("description", "entity", "source", "user", "note")
_DECODER: msgspec.json.Decoder[Any] = msgspec.json.Decoder()
_ENCODE = msgspec.json.encode


def _load(body: bytes) -> dict[str, Any]:
    data = decode(_DECODER, body) if body.strip() else {}
    if not isinstance(data, dict):
        raise InvalidAlert("body", "must be a JSON object")
    if problem := find_problem(data):
        raise InvalidAlert(problem.field or "body", problem.message)
    return data


def _text(data: Mapping[str, Any], field: str, limit: int) -> str | None:
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidAlert(field, "must be a string")
    if len(value) > limit:
        raise InvalidAlert(field, f"over {limit} characters")
    return value


def _strings(data: Mapping[str, Any], field: str) -> list[str]:
    value = data.get(field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidAlert(field, "must be an array of strings")
    return value


def _labels(data: Mapping[str, Any]) -> dict[str, str]:
    """``details`` (string to string in Opsgenie) become the alert's labels."""
    value = data.get("details")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidAlert("details", "must be an object of strings")
    labels = {}
    for key, item in value.items():
        if isinstance(item, bool):
            labels[key] = "true" if item else "false"
        elif isinstance(item, str | int | float):
            labels[key] = str(item)
        else:
            raise InvalidAlert(f"details.{key}", "must be a string")
    return labels


def parse_create(body: bytes) -> NormalizedAlert:
    """The alert of a ``POST /v2/alerts`` body; :class:`InvalidAlert` names the field."""
    data = _load(body)
    message = _text(data, "message", 1_000_000)
    if message is None or not message.strip():
        raise InvalidAlert("message", "required (the alert's text)")
    summary = truncate(message.strip(), MAX_SUMMARY)
    alias = _text(data, "alias", MAX_ALIAS)
    priority = data.get("priority") or DEFAULT_PRIORITY
    if priority not in PRIORITIES:
        raise InvalidAlert("priority", f"must be one of {', '.join(PRIORITIES)}")
    details: dict[str, Any] = {}
    for field in _TEXT_FIELDS:
        text = _text(data, field, 15_000)
        if text:
            details[field] = text
    tags = _strings(data, "tags")
    if tags:
        details["tags"] = tags
    for field in ("actions", "responders", "visibleTo"):
        if data.get(field) is not None:
            details[field] = data[field]
    labels = _labels(data)
    return NormalizedAlert(
        AlertAction.TRIGGER,
        alias or derive_dedup_key({"message": summary}),
        summary,
        str(priority),
        labels,
        details,
        None,
        None,
        name_from_summary(summary),
    )


def parse_action(body: bytes, alias: str, action: AlertAction) -> NormalizedAlert:
    """A close (resolve) or acknowledge of the alert with ``alias``; the body is optional."""
    data = _load(body)
    if not alias or len(alias) > MAX_ALIAS:
        raise InvalidAlert("identifier", f"an alias of 1 to {MAX_ALIAS} characters")
    details = {f: data[f] for f in ("note", "user", "source") if isinstance(data.get(f), str)}
    return NormalizedAlert(action, alias, "", None, {}, details, None, None, "")


def accepted_body(took: float) -> bytes:
    """The 202 body, as Opsgenie words it."""
    answer = {"result": "Request will be processed", "took": round(took, 3)}
    return _ENCODE({**answer, "requestId": str(uuid.uuid4())})


def error_body(message: str, field: str | None = None, took: float = 0.0) -> bytes:
    """An error in Opsgenie's shape (``message``, ``took``, ``requestId``), naming the field."""
    answer: dict[str, Any] = {"message": message}
    if field is not None:
        answer["errors"] = {field: message}
        answer["field"] = field
    answer["took"] = round(took, 3)
    answer["requestId"] = str(uuid.uuid4())
    return _ENCODE(answer)
