"""Severity levels SEV1–SEV4 and the policy each one carries.

Every number here is the default of a setting: deployments override policies through
``TOCSIN_SEVERITY_POLICIES`` (see ``tocsin.config``), and admins at run time over that
(``tocsin.incidents.severity_policies``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @property
    def rank(self) -> int:
        """1 is the most severe."""
        return int(self.value[-1])


ALIASES: dict[str, Severity] = {
    "P0": Severity.SEV1,
    "P1": Severity.SEV2,
    "P2": Severity.SEV3,
    "P3": Severity.SEV4,
}


class UnknownSeverity(ValueError):
    def __init__(self, value: object) -> None:
        accepted = ", ".join([*Severity, *ALIASES])
        super().__init__(f"unknown severity {value!r}; accepted: {accepted}")


def parse_severity(value: object) -> Severity:
    """Accept SEV1–SEV4 and the P0–P3 aliases, case-insensitively."""
    if isinstance(value, Severity):
        return value
    if not isinstance(value, str):
        raise UnknownSeverity(value)
    key = value.strip().upper().replace("-", "")
    if key in ALIASES:
        return ALIASES[key]
    try:
        return Severity(key)
    except ValueError:
        raise UnknownSeverity(value) from None


@dataclass(frozen=True)
class SeverityPolicy:
    severity: Severity
    name: str
    definition: str
    update_cadence_minutes: int | None
    public_ack_minutes: int | None  # first public acknowledgement (status page) due within
    postmortem_required: bool
    postmortem_draft_hours: int
    postmortem_review_business_days: int
    page_on_call: bool
    notify_executives: bool

    @property
    def alias(self) -> str:
        return next(alias for alias, sev in ALIASES.items() if sev is self.severity)

    def next_update_due(self, after: datetime) -> datetime | None:
        """When the next internal update is due, counting from ``after``."""
        if self.update_cadence_minutes is None:
            return None
        return after + timedelta(minutes=self.update_cadence_minutes)

    def public_ack_due(self, after: datetime) -> datetime | None:
        """When the first public acknowledgement is due, counting from ``after``."""
        if self.public_ack_minutes is None:
            return None
        return after + timedelta(minutes=self.public_ack_minutes)


DEFAULT_POLICIES: dict[Severity, SeverityPolicy] = {
    Severity.SEV1: SeverityPolicy(
        severity=Severity.SEV1,
        name="Critical",
        definition=(
            "Complete outage or core function unavailable for most users, data loss, "
            "or a security breach. All hands, executive communication, act now."
        ),
        update_cadence_minutes=15,
        public_ack_minutes=15,
        postmortem_required=True,
        postmortem_draft_hours=48,
        postmortem_review_business_days=5,
        page_on_call=True,
        notify_executives=True,
    ),
    Severity.SEV2: SeverityPolicy(
        severity=Severity.SEV2,
        name="High",
        definition=(
            "Significant degradation for a substantial share of users. "
            "Urgent response, actively managed."
        ),
        update_cadence_minutes=30,
        public_ack_minutes=30,
        postmortem_required=True,
        postmortem_draft_hours=48,
        postmortem_review_business_days=5,
        page_on_call=True,
        notify_executives=False,
    ),
    Severity.SEV3: SeverityPolicy(
        severity=Severity.SEV3,
        name="Medium",
        definition=(
            "Partial impact on a subset of users, or a workaround exists. "
            "Prioritized investigation, no emergency."
        ),
        update_cadence_minutes=60,
        public_ack_minutes=None,
        postmortem_required=False,
        postmortem_draft_hours=48,
        postmortem_review_business_days=5,
        page_on_call=True,
        notify_executives=False,
    ),
    Severity.SEV4: SeverityPolicy(
        severity=Severity.SEV4,
        name="Low",
        definition="Minor issue with limited user impact; fixed through normal work queues.",
        update_cadence_minutes=None,
        public_ack_minutes=None,
        postmortem_required=False,
        postmortem_draft_hours=48,
        postmortem_review_business_days=5,
        page_on_call=False,
        notify_executives=False,
    ),
}


class PolicyOverrideError(ValueError):
    pass


def merge_policies(
    overrides: dict[str, dict[str, Any]],
) -> dict[Severity, SeverityPolicy]:
    """Apply per-severity overrides (keys like ``SEV1`` or ``P0``) on the defaults."""
    merged = dict(DEFAULT_POLICIES)
    known = set(SeverityPolicy.__dataclass_fields__) - {"severity"}
    for key, changes in overrides.items():
        try:
            severity = parse_severity(key)
        except UnknownSeverity as exc:
            raise PolicyOverrideError(str(exc)) from None
        unknown = set(changes) - known
        if unknown:
            raise PolicyOverrideError(
                f"{key}: unknown policy field(s) {sorted(unknown)}; known: {sorted(known)}"
            )
        merged[severity] = replace(merged[severity], **changes)
    return merged
