"""Request and response bodies of the checks API.

Bounds that concern one field live on the field (so a bad value is a 422 naming it); rules
that tie fields to the check's kind are in :func:`tocsin.checks.service.checked`, which a
PATCH passes through too, after merging.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from tocsin.fields import Id, Strict, unchanged

MIN_INTERVAL = 30
MAX_INTERVAL = 86_400
MAX_TIMEOUT = 30.0
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Host = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Needle = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class CheckKind(StrEnum):
    HTTP = "http"
    TCP = "tcp"


class CheckSettings(Strict):
    """What a check does; every field but the name, kind, target and integration has a default."""

    url: Url | None = Field(default=None, description="http: the http:// or https:// URL to GET.")
    host: Host | None = Field(default=None, description="tcp: the host name or address.")
    port: int | None = Field(default=None, ge=1, le=65535, description="tcp: the port.")
    interval_seconds: int = Field(default=60, ge=MIN_INTERVAL, le=MAX_INTERVAL)
    timeout_seconds: float = Field(
        default=10.0, gt=0, le=MAX_TIMEOUT, description="Each run gives up after this long."
    )
    expected_status: int | None = Field(
        default=None, ge=100, le=599, description="http: the status expected; default any 2xx."
    )
    body_contains: Needle | None = Field(
        default=None, description="http: text the body must contain (case-sensitive)."
    )
    latency_threshold_ms: int | None = Field(
        default=None, ge=1, le=int(MAX_TIMEOUT * 1000), description="Slower than this fails."
    )
    failures_before_alert: int = Field(
        default=2, ge=1, le=20, description="Consecutive failed runs before the alert fires."
    )
    enabled: bool = True


class CheckCreate(CheckSettings):
    name: Name
    kind: CheckKind
    integration_id: Id = Field(description="The integration the check's alert is raised on.")
    component_id: Id | None = Field(
        default=None, description="The status page component whose uptime its results feed."
    )


class CheckPatch(Strict):
    """Change some fields; fields left out keep their value. ``url``, ``host``, ``port``,
    ``expected_status``, ``body_contains``, ``latency_threshold_ms`` and ``component_id`` may be
    ``null``."""

    name: Name = unchanged()
    integration_id: Id = unchanged()
    component_id: Id | None = None
    url: Url | None = None
    host: Host | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    interval_seconds: int = unchanged(ge=MIN_INTERVAL, le=MAX_INTERVAL)
    timeout_seconds: float = unchanged(gt=0, le=MAX_TIMEOUT)
    expected_status: int | None = Field(default=None, ge=100, le=599)
    body_contains: Needle | None = None
    latency_threshold_ms: int | None = Field(default=None, ge=1, le=int(MAX_TIMEOUT * 1000))
    failures_before_alert: int = unchanged(ge=1, le=20)
    enabled: bool = unchanged()


class CheckOut(BaseModel):
    id: int
    name: str
    kind: CheckKind
    integration_id: int
    component_id: int | None
    url: str | None
    host: str | None
    port: int | None
    interval_seconds: int
    timeout_seconds: float
    expected_status: int | None
    body_contains: str | None
    latency_threshold_ms: int | None
    failures_before_alert: int
    enabled: bool
    next_run_at: datetime
    consecutive_failures: int
    alerting: bool = Field(description="Its alert has been raised and not yet resolved.")
    last_run_at: datetime | None
    last_ok: bool | None
    created_at: datetime
    created_by: str
    updated_at: datetime


class CheckResultOut(BaseModel):
    id: int
    check_id: int
    at: datetime
    ok: bool
    latency_ms: float | None
    status_code: int | None = Field(description="http: the response's status, if one came.")
    error: str | None = Field(description="Why the run failed; null when it passed.")
