"""PagerDuty Events API v2: ``/v2/enqueue`` alert events and ``/v2/change/enqueue`` changes.

Validation follows PagerDuty's documented rules and collects every problem, worded the way
PagerDuty words its 400 ``errors`` list. A trigger without ``dedup_key`` gets a generated one
(returned to the sender in the 202 body, as PagerDuty does).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from tocsin.alerts.sources._common import SKEW_TEXT, decode, future_limit, parse_timestamp
from tocsin.core.alerts import (
    MAX_DEDUP_KEY,
    MAX_SUMMARY,
    AlertAction,
    InvalidAlert,
    NormalizedAlert,
    name_from_summary,
)
from tocsin.core.text import find_problem

MAX_ROUTING_KEY = 64
SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS: Mapping[str, AlertAction] = {action.value: action for action in AlertAction}
_LABEL_KEYS = ("source", "component", "group", "class")
_DECODER: msgspec.json.Decoder[Any] = msgspec.json.Decoder()
_ENCODE = msgspec.json.encode
_ACCEPTED_PREFIX = b'{"status":"success","message":"Event processed","dedup_key":'
_UNRECOGNIZED = _ENCODE(
    {
        "status": "Unrecognized object",
        "message": "Event object format is unrecognized",
        "errors": ["JSON parse error"],
    }
)


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    routing_key: str
    summary: str
    source: str | None
    timestamp: datetime | None
    custom_details: Any
    links: list[dict[str, str]]
    images: list[dict[str, str]]


class _Errors:
    """PagerDuty-style problems, each with the field it names."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []

    def add(self, field: str, text: str) -> None:
        self.found.append((field, text))

    def text(self, data: Mapping[str, Any], field: str, *, required: bool, limit: int) -> str:
        value = data.get(field.rpartition(".")[2])
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(field, f"'{field}' is missing or blank")
            return ""
        if not isinstance(value, str):
            self.add(field, f"'{field}' must be a string")
            return ""
        if len(value) > limit:
            self.add(field, f"'{field}' is too long (maximum is {limit} characters)")
        return value

    def raise_any(self) -> None:
        if self.found:
            field, first = self.found[0]
            raise InvalidAlert(field, first, [text for _, text in self.found])


def _load(body: bytes) -> dict[str, Any]:
    try:
        data = decode(_DECODER, body)
    except InvalidAlert:
        raise InvalidAlert("body", "JSON parse error", ["JSON parse error"]) from None
    if not isinstance(data, dict):
        raise InvalidAlert("body", "Event object format is unrecognized", ["JSON parse error"])
    if problem := find_problem(data):
        field = problem.field or "body"
        raise InvalidAlert(field, problem.message, [f"'{field}' {problem.message}"])
    return data


def _objects(
    data: Mapping[str, Any], key: str, required: str, errors: _Errors
) -> list[dict[str, str]]:
    """``links`` or ``images``: arrays of objects with a ``required`` string member."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(key, f"'{key}' must be an array")
        return []
    for index, item in enumerate(value):
        field = f"{key}[{index}]"
        if not isinstance(item, dict):
            errors.add(field, f"'{field}' must be an object")
            continue
        for member, member_value in item.items():
            if member_value is not None and not isinstance(member_value, str):
                errors.add(f"{field}.{member}", f"'{field}.{member}' must be a string")
        if not isinstance(item.get(required), str) or not item[required].strip():
            errors.add(f"{field}.{required}", f"'{field}.{required}' is missing or blank")
    return value


def _timestamp(payload: Mapping[str, Any], limit: datetime, errors: _Errors) -> datetime | None:
    try:
        return parse_timestamp(payload.get("timestamp"), "payload.timestamp", limit)
    except InvalidAlert as error:
        if "future" in error.message:
            text = f"'payload.timestamp' is too far in the future (more than {SKEW_TEXT})"
        else:
            text = "'payload.timestamp' is not a valid ISO 8601 timestamp"
        errors.add("payload.timestamp", text)
        return None


def _payload(data: Mapping[str, Any], errors: _Errors) -> Mapping[str, Any] | None:
    payload = data.get("payload")
    if isinstance(payload, dict):
        return payload
    errors.add("payload", "'payload' is missing or not an object")
    return None


def _trigger_parts(
    data: Mapping[str, Any], limit: datetime, errors: _Errors
) -> tuple[str, str, dict[str, str], dict[str, Any], datetime | None]:
    payload = _payload(data, errors)
    if payload is None:
        return "", "", {}, {}, None
    summary = errors.text(payload, "payload.summary", required=True, limit=MAX_SUMMARY)
    labels = {}
    for key in _LABEL_KEYS:
        value = errors.text(payload, f"payload.{key}", required=key == "source", limit=255)
        if value:
            labels[key] = value
    severity = payload.get("severity")
    if severity is None or severity == "":
        errors.add("payload.severity", "'payload.severity' is missing or blank")
    elif severity not in SEVERITIES:
        errors.add(
            "payload.severity",
            f"'payload.severity' is invalid (must be one of {', '.join(SEVERITIES)})",
        )
    details: dict[str, Any] = {}
    if payload.get("custom_details") is not None:
        details["custom_details"] = payload["custom_details"]
    for key in ("client", "client_url"):
        if errors.text(data, key, required=False, limit=1024):
            details[key] = data[key]
    return summary, str(severity), labels, details, _timestamp(payload, limit, errors)


def parse_event(body: bytes, now: datetime) -> tuple[str, NormalizedAlert]:
    """The routing key and the alert of one ``/v2/enqueue`` event.

    Raises :class:`InvalidAlert` with ``errors`` in PagerDuty's wording; ``field == "body"``
    means the JSON itself is unusable (answer with :func:`unrecognized_body`).
    """
    data = _load(body)
    errors = _Errors()
    routing_key = errors.text(data, "routing_key", required=True, limit=MAX_ROUTING_KEY)
    action_text = data.get("event_action")
    action = ACTIONS.get(action_text) if isinstance(action_text, str) else None
    if action_text is None or action_text == "":
        errors.add("event_action", "'event_action' is missing or blank")
    elif action is None:
        errors.add(
            "event_action",
            "'event_action' is invalid (must be one of trigger, acknowledge, resolve)",
        )
    required = action is not None and action is not AlertAction.TRIGGER
    dedup_key = errors.text(data, "dedup_key", required=required, limit=MAX_DEDUP_KEY)
    if action is not AlertAction.TRIGGER:
        errors.raise_any()
        assert action is not None
        return routing_key, NormalizedAlert(action, dedup_key, "", None, {}, {}, None, None, "")
    summary, severity, labels, details, starts_at = _trigger_parts(data, future_limit(now), errors)
    links = _objects(data, "links", "href", errors)
    images = _objects(data, "images", "src", errors)
    errors.raise_any()
    if links:
        details["links"] = links
    if images:
        details["images"] = images
    alert = NormalizedAlert(
        action,
        dedup_key or uuid.uuid4().hex,
        summary,
        severity,
        labels,
        details,
        starts_at,
        None,
        name_from_summary(summary),
    )
    return routing_key, alert


def parse(body: bytes, *, now: datetime, **config: Any) -> list[NormalizedAlert]:
    return [parse_event(body, now)[1]]


def parse_change_event(body: bytes, now: datetime) -> ChangeEvent:
    """One ``/v2/change/enqueue`` change event (validated; nothing is stored here)."""
    data = _load(body)
    errors = _Errors()
    routing_key = errors.text(data, "routing_key", required=True, limit=MAX_ROUTING_KEY)
    payload = _payload(data, errors)
    summary = source = ""
    timestamp = None
    if payload is not None:
        summary = errors.text(payload, "payload.summary", required=True, limit=MAX_SUMMARY)
        source = errors.text(payload, "payload.source", required=False, limit=255)
        timestamp = _timestamp(payload, future_limit(now), errors)
    links = _objects(data, "links", "href", errors)
    images = _objects(data, "images", "src", errors)
    errors.raise_any()
    return ChangeEvent(
        routing_key=routing_key,
        summary=summary,
        source=source or None,
        timestamp=timestamp,
        custom_details=payload.get("custom_details") if payload else None,
        links=links,
        images=images,
    )


def accepted_body(dedup_key: str) -> bytes:
    """The 202 body: ``{"status":"success","message":"Event processed","dedup_key":...}``."""
    return _ACCEPTED_PREFIX + _ENCODE(dedup_key) + b"}"


def change_accepted_body() -> bytes:
    return b'{"status":"success","message":"Change event processed"}'


def invalid_body(errors: list[str]) -> bytes:
    """The 400 body for a well-formed JSON object that is not a valid event."""
    return _ENCODE(
        {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
    )


def unrecognized_body() -> bytes:
    """The 400 body for a body that is not a JSON object."""
    return _UNRECOGNIZED


def error_body(error: InvalidAlert) -> bytes:
    """The 400 body PagerDuty would send for ``error``."""
    return unrecognized_body() if error.field == "body" else invalid_body(error.errors)


def throttled_body() -> bytes:
    """A 429 body (PagerDuty does not document one; clients only read the status)."""
    return b'{"status":"throttle event","message":"Too many events for this routing key"}'
