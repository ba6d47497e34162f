"""The demo's year of incidents, drawn from a seeded random source (no database).

Realistic shape: many SEV3/SEV4 and few SEV1; more incidents in working hours on weekdays;
durations log-normal; two recurring problems on one service (``payments-api``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SEVERITIES = (("SEV1", 0.03), ("SEV2", 0.10), ("SEV3", 0.37), ("SEV4", 0.50))
MEDIAN_MINUTES = {"SEV1": 95.0, "SEV2": 70.0, "SEV3": 45.0, "SEV4": 30.0}
RECURRING_SERVICE = "payments-api"
RECURRING = (
    ("Card authorisations time out", "PaymentGatewayLatencyHigh"),
    ("Refund queue backs up", "RefundQueueDepthHigh"),
)
TROUBLES = (
    ("Elevated error rate", "HighErrorRate"),
    ("Slow responses", "LatencyP99High"),
    ("Database connections exhausted", "DBConnectionsSaturated"),
    ("Disk almost full", "DiskSpaceLow"),
    ("Certificate about to expire", "TLSCertExpiring"),
    ("Pods restarting in a loop", "CrashLoopBackOff"),
    ("Queue consumers stalled", "ConsumerLagHigh"),
    ("Cache hit rate dropped", "CacheHitRateLow"),
)


@dataclass
class PlannedIncident:
    n: int
    title: str
    alert_name: str
    severity: str
    services: list[str]
    impact_started_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    source: str  # alert | customer_report | person
    alert_repeats: int
    recurring: bool
    commander: int  # index into the people
    responder: int
    update_gaps: list[float] = field(default_factory=list)  # minutes between updates

    @property
    def public(self) -> bool:
        return self.severity in ("SEV1", "SEV2")


def _lognormal_minutes(rng: random.Random, median: float, sigma: float = 0.9) -> timedelta:
    return timedelta(minutes=min(rng.lognormvariate(math.log(median), sigma), 24 * 60))


def _start(rng: random.Random, since: datetime, span: timedelta) -> datetime:
    """A moment in the span, twice as likely in working hours (09–18 UTC, weekdays)."""
    while True:
        at = since + span * rng.random()
        working = at.weekday() < 5 and 9 <= at.hour < 18
        if working or rng.random() < 0.35:
            return at


def _severity(rng: random.Random) -> str:
    return rng.choices([s for s, _ in SEVERITIES], [w for _, w in SEVERITIES])[0]


def plan_year(
    rng: random.Random, *, now: datetime, services: list[str], people: int, count: int = 600
) -> list[PlannedIncident]:
    """``count`` incidents over the year that ends at ``now``, in time order; the last few
    are still open (one triggered, one being worked on)."""
    since = now - timedelta(days=365)
    span = timedelta(days=363)  # the newest ones are placed by hand, below
    starts = sorted(_start(rng, since, span) for _ in range(count))
    planned = [_one(rng, n + 1, at, services, people) for n, at in enumerate(starts)]
    _open_last(planned, now)
    return planned


def _trouble(rng: random.Random, services: list[str]) -> tuple[str, str, list[str], bool]:
    if rng.random() < 0.08:
        title, alert = rng.choice(RECURRING)
        return title, alert, [RECURRING_SERVICE], True
    title, alert = rng.choice(TROUBLES)
    chosen = [rng.choice(services)]
    if rng.random() < 0.1:
        chosen.append(rng.choice([s for s in services if s != chosen[0]]))
    return title, alert, chosen, False


def _one(
    rng: random.Random, n: int, impact: datetime, services: list[str], people: int
) -> PlannedIncident:
    severity = _severity(rng)
    title, alert, chosen, recurring = _trouble(rng, services)
    if recurring and severity == "SEV4":
        severity = "SEV3"
    source = rng.choices(["alert", "customer_report", "person"], [0.8, 0.08, 0.12])[0]
    detected = impact + _lognormal_minutes(rng, 4 if source == "alert" else 15, 0.8)
    acked = detected + _lognormal_minutes(rng, 3, 0.8)
    duration = _lognormal_minutes(rng, MEDIAN_MINUTES[severity])
    resolved = max(detected + duration, acked + timedelta(minutes=2))
    mitigated = acked + (resolved - acked) * rng.uniform(0.4, 0.9)
    gaps = [rng.choice((18.0, 25.0, 28.0, 35.0, 45.0, 70.0)) for _ in range(rng.randint(1, 4))]
    return PlannedIncident(
        n=n,
        title=f"{title} on {chosen[0]}",
        alert_name=alert,
        severity=severity,
        services=chosen,
        impact_started_at=impact,
        detected_at=detected,
        acknowledged_at=acked,
        mitigated_at=mitigated,
        resolved_at=resolved,
        source=source,
        alert_repeats=rng.choice((0, 0, 1, 2, 5, 12)),
        recurring=recurring,
        commander=rng.randrange(people),
        responder=rng.randrange(people),
        update_gaps=gaps,
    )


def _open_last(planned: list[PlannedIncident], now: datetime) -> None:
    """Two incidents still open at ``now``: one nobody has yet, one mitigated."""
    if len(planned) < 2:
        return
    waiting, working = planned[-2], planned[-1]
    waiting.impact_started_at = now - timedelta(minutes=9)
    waiting.detected_at = now - timedelta(minutes=6)
    waiting.acknowledged_at = waiting.mitigated_at = waiting.resolved_at = None
    waiting.update_gaps = []
    working.impact_started_at = now - timedelta(minutes=75)
    working.detected_at = now - timedelta(minutes=70)
    working.acknowledged_at = now - timedelta(minutes=66)
    working.mitigated_at = now - timedelta(minutes=20)
    working.resolved_at = None
    working.update_gaps = [20.0, 25.0]
