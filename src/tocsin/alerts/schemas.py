"""Request and response bodies of the alerts API: integrations, alerts, silences, noise."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from tocsin.core.severity import Severity
from tocsin.fields import Id, Strict, unchanged
from tocsin.incidents.schemas import ServiceName, SeverityIn


class IntegrationKind(StrEnum):
    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    PAGERDUTY = "pagerduty"
    GENERIC = "generic"
    HEARTBEAT = "heartbeat"


LabelName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
SourceSeverity = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LegacyKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^[^\s/?#]+$"),
    Field(
        description="Write-only secret: the old tool's key (PagerDuty routing key, Grafana "
        "OnCall URL token, Opsgenie API key). Alerts sent with it reach this integration like "
        "with its own key; only a digest is stored, it is never shown back."
    ),
]


class IntegrationRules(Strict):
    """What an integration does with its alerts. Every field has a default."""

    severity_mapping: dict[SourceSeverity, SeverityIn] = Field(
        default_factory=dict,
        max_length=50,
        description="Source severity (or severity label) → SEV level; empty: "
        "critical→SEV1, error→SEV2, warning→SEV3, info→SEV4.",
    )
    default_severity: SeverityIn = Field(
        default=Severity.SEV3, description="For alerts the mapping does not cover."
    )
    auto_resolve: bool | None = Field(
        default=None,
        description="Resolve the incident when all its alerts are resolved; default: only for "
        "pagerduty integrations (others mark it on the timeline).",
    )
    group_by: list[LabelName] = Field(
        default_factory=list,
        max_length=20,
        description='Labels whose equal values put alerts in one incident; ["..."] = all.',
    )
    group_window_minutes: int = Field(
        default=60, ge=1, le=10_080, description="A group joins its incident this long."
    )
    burst_minutes: int = Field(
        default=5, ge=1, le=1440, description="Repeats show on the timeline once per burst."
    )
    rate_limit_per_minute: int = Field(default=6000, ge=1, le=10_000_000)
    heartbeat_interval_minutes: int | None = Field(
        default=None, ge=1, le=10_080, description="Expect a beat at least this often."
    )
    generic: dict[str, Any] | None = Field(
        default=None, description="Field mapping of a generic integration (dotted JSON paths)."
    )


class IntegrationCreate(IntegrationRules):
    kind: IntegrationKind
    name: Name
    service: ServiceName
    legacy_key: LegacyKey | None = None


class IntegrationPatch(Strict):
    """Change some rules; fields left out keep their value. Only
    ``heartbeat_interval_minutes`` (no heartbeat expected) and ``legacy_key`` (the old
    tool's key stops working) may be ``null``."""

    name: Name = unchanged()
    severity_mapping: dict[SourceSeverity, SeverityIn] = unchanged(max_length=50)
    default_severity: SeverityIn = unchanged()
    auto_resolve: bool = unchanged()
    group_by: list[LabelName] = unchanged(max_length=20)
    group_window_minutes: int = unchanged(ge=1, le=10_080)
    burst_minutes: int = unchanged(ge=1, le=1440)
    rate_limit_per_minute: int = unchanged(ge=1, le=10_000_000)
    heartbeat_interval_minutes: int | None = Field(default=None, ge=1, le=10_080)
    generic: dict[str, Any] = unchanged()
    legacy_key: LegacyKey | None = None


class IntegrationOut(BaseModel):
    id: int
    kind: IntegrationKind
    name: str
    service: str
    key_prefix: str
    rules: IntegrationRules
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_beat_at: datetime | None
    legacy_key_set: bool = Field(
        default=False, description="Whether an old tool's key also reaches this integration."
    )
    legacy_key_prefix: str | None = Field(
        default=None, description="The first 4 characters of that key, to tell which it is."
    )
    rate_limited_events: int = Field(
        default=0, description="Events refused with 429 by this server since it started."
    )


class IntegrationCreated(IntegrationOut):
    key: str = Field(description="The secret key (a PagerDuty routing key); shown once.")
    url: str = Field(description="Where the source sends its alerts.")
    heartbeat_url: str = Field(description="Hit it (GET or POST) to record a heartbeat.")


class AlertOut(BaseModel):
    id: int
    integration_id: int
    dedup_key: str
    name: str
    status: str
    open: bool
    summary: str
    severity: str
    labels: dict[str, Any]
    details: dict[str, Any]
    starts_at: datetime | None
    ends_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    count: int
    incident_id: int | None
    incident_reference: str | None
    silenced_by: int | None
    group_key: str | None
    trace: list[dict[str, Any]]
    verdict: str | None = Field(description="A responder's feedback: actionable or noise.")
    verdict_by: str | None
    verdict_at: datetime | None


class WeeklyIn(Strict):
    days: list[int | Annotated[str, StringConstraints(max_length=10)]] = Field(
        min_length=1, max_length=7, description="0 (Monday)–6, or mon–sun."
    )
    start: time = Field(description="Wall-clock time the window opens, e.g. 22:00.")
    duration_minutes: int = Field(ge=1, le=10_080)
    time_zone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "UTC"


class SilenceCreate(Strict):
    matchers: list[Annotated[str, StringConstraints(min_length=1, max_length=1200)]] = Field(
        min_length=1, max_length=20, description='e.g. ["alertname=DiskFull", "env=~\\"prod.*\\""]'
    )
    starts_at: AwareDatetime | None = Field(default=None, description="Defaults to now.")
    ends_at: AwareDatetime
    weekly: WeeklyIn | None = Field(
        default=None, description="Recurring window: in force only inside it, between the dates."
    )
    comment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    service: ServiceName | None = Field(
        default=None, description="The service the silence is made for (warns on others)."
    )
    integration_id: Id | None = Field(default=None, description="Only this integration.")


class SilenceOut(BaseModel):
    id: int
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    weekly: dict[str, Any] | None
    comment: str
    created_by: str
    created_at: datetime
    service: str | None
    integration_id: int | None
    active: bool
    silenced_alerts: int
    warnings: list[str]


class NoiseRow(BaseModel):
    name: str
    events: int = Field(description="Events (first and repeats) of alerts seen in the period.")
    alerts: int
    incidents_opened: int
    acknowledged_without_action: int
    share_acknowledged_without_action: float = Field(
        description="Of the incidents opened: acknowledged, then resolved with no update, note, "
        "role or severity change in between."
    )
    marked_noise: int = Field(description="Alerts of the period a responder marked noise.")
    marked_actionable: int = Field(description="Alerts a responder marked actionable.")


class Verdict(StrEnum):
    ACTIONABLE = "actionable"
    NOISE = "noise"


class FeedbackIn(Strict):
    verdict: Verdict = Field(description="actionable or noise")
