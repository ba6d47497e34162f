"""Prometheus Alertmanager webhook payloads (``version: "4"``).

One :class:`NormalizedAlert` per element of ``alerts``: ``firing`` triggers, ``resolved``
resolves; the alert's ``fingerprint`` is its dedup key (else a hash of its labels). Top-level
keys other than ``alerts`` are ignored, so newer senders and other versions with the same
shape are accepted. Grafana's payload is a superset; :mod:`.grafana` reuses this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from tocsin.alerts.sources._common import decode, future_limit, to_utc
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

Time = Annotated[datetime, msgspec.Meta(tz=True)]
_SUMMARY_KEYS = ("summary", "description", "title")


class Alert(msgspec.Struct, rename="camel"):
    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] | None = None
    starts_at: Time | None = None
    ends_at: Time | None = None
    generator_url: str = msgspec.field(default="", name="generatorURL")
    fingerprint: str = ""


class Payload(msgspec.Struct):
    alerts: list[Alert]


_DECODER = msgspec.json.Decoder(Payload)


def label_summary(labels: dict[str, str]) -> str:
    """``DiskFull (instance=db1:9100, severity=critical)`` for alerts without a summary."""
    rest = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "alertname")
    name = labels.get("alertname", "")
    if name and rest:
        return f"{name} ({rest})"
    return name or rest


def normalize(
    alert: Alert, index: int, limit: datetime, details: dict[str, Any], name: str | None
) -> NormalizedAlert:
    """The normalized alert for ``alerts[index]``; ``name`` None derives it from the summary."""
    labels = alert.labels
    if not labels:
        raise InvalidAlert(f"alerts[{index}].labels", "at least one label is required")
    annotations = alert.annotations
    summary = ""
    if annotations:
        details["annotations"] = annotations
        summary = next((annotations[k] for k in _SUMMARY_KEYS if annotations.get(k)), "")
    summary = truncate(summary or label_summary(labels), MAX_SUMMARY)
    fingerprint = alert.fingerprint
    if len(fingerprint) > MAX_DEDUP_KEY:
        raise InvalidAlert(f"alerts[{index}].fingerprint", f"over {MAX_DEDUP_KEY} characters")
    if alert.generator_url:
        details["generatorURL"] = alert.generator_url
    resolved = alert.status == "resolved"
    try:
        starts_at = None if alert.starts_at is None else to_utc(alert.starts_at, "startsAt", limit)
        ends_at = None
        if resolved and alert.ends_at is not None:
            ends_at = to_utc(alert.ends_at, "endsAt", limit)
    except InvalidAlert as error:
        raise InvalidAlert(f"alerts[{index}].{error.field}", error.message) from None
    return NormalizedAlert(
        AlertAction.RESOLVE if resolved else AlertAction.TRIGGER,
        fingerprint or derive_dedup_key(labels),
        summary,
        labels.get("severity"),
        labels,
        details,
        starts_at,
        ends_at,
        truncate(name, MAX_NAME) if name else name_from_summary(summary),
    )


def parse(body: bytes, *, now: datetime, **config: Any) -> list[NormalizedAlert]:
    """Alerts of an Alertmanager webhook body; raises :class:`InvalidAlert` naming the field."""
    limit = future_limit(now)
    return [
        normalize(alert, index, limit, {}, alert.labels.get("alertname"))
        for index, alert in enumerate(decode(_DECODER, body).alerts)
    ]
