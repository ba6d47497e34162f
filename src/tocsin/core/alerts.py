"""Alert rules shared by every source: the normalized alert, dedup and group keys, severity
mapping and repeat bursts.

Sources (``tocsin.alerts.sources``) turn a payload into :class:`NormalizedAlert` values; the
alerts feature decides what each one does to incidents with the functions here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tocsin.core.severity import Severity, UnknownSeverity, parse_severity
from tocsin.core.text import TextProblem, find_problem

__all__ = [
    "DEFAULT_SEVERITY_MAPPING",
    "FUTURE_SKEW",
    "GROUP_ALL",
    "MAX_ALERT_TEXT",
    "MAX_DEDUP_KEY",
    "MAX_NAME",
    "MAX_SUMMARY",
    "AlertAction",
    "AlertStatus",
    "InvalidAlert",
    "NormalizedAlert",
    "alert_problem",
    "check_severity_mapping",
    "derive_dedup_key",
    "group_key",
    "group_labels",
    "in_group_window",
    "map_severity",
    "name_from_summary",
    "repeat_is_new_burst",
    "truncate",
]

FUTURE_SKEW = timedelta(minutes=10)
MAX_SUMMARY = 1024
MAX_DEDUP_KEY = 255
MAX_NAME = 255
MAX_ALERT_TEXT = 65_536
"""Most characters of text (labels, annotations, details) one stored alert may carry."""
GROUP_ALL = "..."
"""A ``group_by`` of ``["..."]`` groups by every label, as in Alertmanager."""

DEFAULT_SEVERITY_MAPPING: Mapping[str, str] = {
    "critical": "SEV1",
    "error": "SEV2",
    "warning": "SEV3",
    "info": "SEV4",
}


class AlertAction(StrEnum):
    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class AlertStatus(StrEnum):
    """What the source last said about an alert. Silencing is apart: a silenced alert fires."""

    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class InvalidAlert(ValueError):
    """A payload or rule input that cannot be accepted; ``field`` names the culprit.

    ``errors`` lists every problem found, each a sentence naming its field (PagerDuty answers
    with such a list); ``str(error)`` is ``"<field>: <message>"``.
    """

    def __init__(self, field: str, message: str, errors: Sequence[str] | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.errors: list[str] = list(errors) if errors else [f"{field}: {message}"]


@dataclass(frozen=True, slots=True)
class NormalizedAlert:
    action: AlertAction
    dedup_key: str
    """Always set: given by the source, or :func:`derive_dedup_key` of the labels."""
    summary: str
    """At most :data:`MAX_SUMMARY` characters; empty for PagerDuty acknowledge/resolve."""
    source_severity: str | None
    labels: Mapping[str, str]
    details: Mapping[str, Any]
    starts_at: datetime | None
    """Aware UTC, or None when the source did not say."""
    ends_at: datetime | None
    name: str
    """Alert name for noise figures, at most :data:`MAX_NAME` characters."""


def alert_problem(alert: NormalizedAlert) -> TextProblem | None:
    """Why ``alert`` cannot be stored (unstorable text, too deep or too large), or None."""
    parts = {  # where the sender put the text first: a summary is taken from annotations
        "labels": alert.labels,
        "details": alert.details,
        "dedup_key": alert.dedup_key,
        "summary": alert.summary,
        "severity": alert.source_severity or "",
        "name": alert.name,
    }
    return find_problem(parts, max_chars=MAX_ALERT_TEXT)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def _digest(parts: Iterable[str]) -> str:
    # Length-prefixing every part makes the encoding unambiguous whatever the labels hold.
    blob = "".join(f"{len(part)}:{part}" for part in parts)
    return hashlib.blake2b(blob.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def derive_dedup_key(labels: Mapping[str, str]) -> str:
    """A stable 32-hex-digit key for a label set, independent of label order.

    Sources that give a fingerprint (Alertmanager, Grafana: 16 hex digits) use theirs, so a
    derived key never collides with a given one by shape.
    """
    return _digest(part for item in sorted(labels.items()) for part in item)


def group_labels(labels: Mapping[str, str], group_by: Sequence[str]) -> dict[str, str]:
    """The labels an alert is grouped on (missing ones read as empty, as in Alertmanager)."""
    if GROUP_ALL in group_by:
        return dict(labels)
    return {name: labels.get(name, "") for name in group_by}


def group_key(labels: Mapping[str, str], group_by: Sequence[str]) -> str | None:
    """Key shared by alerts that group together; None when ``group_by`` is empty."""
    if not group_by:
        return None
    return derive_dedup_key(group_labels(labels, group_by))


def in_group_window(started_at: datetime, now: datetime, window: timedelta) -> bool:
    """Whether a new alert may join the group whose first alert opened an incident at
    ``started_at``: no later than ``window`` after it (the bound included). A clock that went
    backwards (``now`` before ``started_at``) joins nothing, so the alert opens its own incident.
    """
    return timedelta(0) <= now - started_at <= window


def check_severity_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """Validate a severity mapping; keys are lower-cased, values become ``SEV1``–``SEV4``."""
    checked: dict[str, str] = {}
    for raw, target in mapping.items():
        key = raw.strip().lower()
        if not key or len(key) > 100:
            raise InvalidAlert("severity_mapping", f"source severity {raw!r} must be 1–100 chars")
        try:
            checked[key] = parse_severity(target).value
        except UnknownSeverity as error:
            raise InvalidAlert(f"severity_mapping.{raw}", str(error)) from None
    return checked


def map_severity(raw: str | None, mapping: Mapping[str, str] | None, default: Severity) -> Severity:
    """The incident severity for a source severity.

    Only the mapping decides (keys compared case-insensitively, values like ``SEV2`` or
    ``P1``); an empty or missing mapping means :data:`DEFAULT_SEVERITY_MAPPING`. A raw value
    the mapping does not know, or a mapping value that is not a severity, gives ``default``.
    """
    if raw is None:
        return default
    table = mapping or DEFAULT_SEVERITY_MAPPING
    target = table.get(raw)
    if target is None:
        wanted = raw.strip().lower()
        target = next((v for k, v in table.items() if k.strip().lower() == wanted), None)
        if target is None:
            return default
    try:
        return parse_severity(target)
    except UnknownSeverity:
        return default


def repeat_is_new_burst(
    last_logged_at: datetime | None, now: datetime, burst_window: timedelta
) -> bool:
    """Whether a repeat of an open alert gets its own timeline entry.

    A repeat is logged when nothing was logged yet or the last logged repeat is at least
    ``burst_window`` old; a clock that went backwards logs nothing.
    """
    if last_logged_at is None:
        return True
    return now - last_logged_at >= burst_window


_MASK_DIGITS = str.maketrans(dict.fromkeys("0123456789", "#"))


def name_from_summary(summary: str) -> str:
    """An alert name for sources without one: the summary with digits masked.

    ``"CPU at 93% on web12"`` and ``"CPU at 97% on web14"`` both become
    ``"CPU at ##% on web##"``, so noise figures count them together.
    """
    return truncate(summary.strip().translate(_MASK_DIGITS), MAX_NAME)
