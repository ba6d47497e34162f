"""The status page's rules, as data and pure functions (no I/O).

- A component's status follows its open incidents: each open incident on one of the
  component's services asks for a status by its severity (:data:`DEFAULT_RULE`, settable),
  and the worst one wins; a status set by hand overrides it until cleared.
- A group's status is the worst of its components'.
- The page's indicator is the worst of what the components say and what the unresolved
  public incidents' impacts say, with the value sets of the Statuspage v2 API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from tocsin.core.severity import Severity


class PageVisibility(StrEnum):
    PUBLIC = "public"  # anyone
    INTERNAL = "internal"  # signed-in readers only (e.g. employees): internal components


class ComponentStatus(StrEnum):
    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"


class Impact(StrEnum):
    """An incident's impact; also the page indicator's values (with ``maintenance``)."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class Indicator(StrEnum):
    NONE = "none"
    MAINTENANCE = "maintenance"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class PublicStatus(StrEnum):
    """A public (realtime) incident's status."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


# Worst last: the order decides which of two statuses "wins".
_COMPONENT_ORDER = list(ComponentStatus)
_INDICATOR_ORDER = list(Indicator)

DEFAULT_RULE: Mapping[Severity, ComponentStatus] = {
    Severity.SEV1: ComponentStatus.MAJOR_OUTAGE,
    Severity.SEV2: ComponentStatus.PARTIAL_OUTAGE,
    Severity.SEV3: ComponentStatus.DEGRADED_PERFORMANCE,
    Severity.SEV4: ComponentStatus.OPERATIONAL,
}
"""What an open incident of each severity does to the components of its services."""

DEFAULT_IMPACT: Mapping[Severity, Impact] = {
    Severity.SEV1: Impact.CRITICAL,
    Severity.SEV2: Impact.MAJOR,
    Severity.SEV3: Impact.MINOR,
    Severity.SEV4: Impact.NONE,
}
"""The impact a public incident gets from its internal incident when none is given."""

DESCRIPTIONS: Mapping[Indicator, str] = {
    Indicator.NONE: "All Systems Operational",
    Indicator.MAINTENANCE: "Service Under Maintenance",
    Indicator.MINOR: "Minor Service Outage",
    Indicator.MAJOR: "Partial System Outage",
    Indicator.CRITICAL: "Major System Outage",
}

_FROM_COMPONENT: Mapping[ComponentStatus, Indicator] = {
    ComponentStatus.OPERATIONAL: Indicator.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Indicator.MAINTENANCE,
    ComponentStatus.DEGRADED_PERFORMANCE: Indicator.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Indicator.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Indicator.CRITICAL,
}


def worst_status(statuses: Iterable[ComponentStatus]) -> ComponentStatus:
    """The worst of ``statuses``; operational when there are none."""
    return max(statuses, key=_COMPONENT_ORDER.index, default=ComponentStatus.OPERATIONAL)


def component_status(
    severities: Iterable[Severity],
    rule: Mapping[Severity, ComponentStatus],
    *,
    override: ComponentStatus | None = None,
) -> ComponentStatus:
    """A component's status from the severities of its services' open incidents."""
    if override is not None:
        return override
    return worst_status(rule[severity] for severity in severities)


def indicator(
    components: Iterable[ComponentStatus],
    impacts: Iterable[Impact],
    *,
    maintenance: bool = False,
) -> tuple[Indicator, str]:
    """The page's indicator and its description (``maintenance``: one is in progress)."""
    found = [_FROM_COMPONENT[status] for status in components]
    found += [Indicator.MAINTENANCE] if maintenance else []
    found += [Indicator(impact.value) for impact in impacts]
    worst = max(found, key=_INDICATOR_ORDER.index, default=Indicator.NONE)
    return worst, DESCRIPTIONS[worst]


@dataclass(frozen=True)
class PublicTemplate:
    """A public update in its four parts: that we know, who is hurt and how, what we do,
    and when the next word comes."""

    acknowledgement: str
    impact: str
    action: str
    next_update_at: datetime | None = None


def compose_update(parts: PublicTemplate) -> str:
    """The public text of a templated update: one paragraph per part, the next update's
    time in UTC last (readers across time zones convert it themselves)."""
    paragraphs = [parts.acknowledgement.strip(), parts.impact.strip(), parts.action.strip()]
    if parts.next_update_at is not None:
        at = parts.next_update_at.astimezone(UTC)
        paragraphs.append(f"Next update by {at:%H:%M} UTC ({at:%Y-%m-%d}).")
    return "\n\n".join(p for p in paragraphs if p)
