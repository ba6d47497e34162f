"""Incident metrics as pure functions: the definitions every query must agree with.

Durations are in seconds. A percentile is the *nearest rank*: the p-th percentile of ``n``
values sorted ascending is the value at 1-based rank ``ceil(p/100 · n)`` (so p50 of
``[10, 20]`` is 10, p90 of ten values is the 9th). PostgreSQL's ``percentile_disc`` and
the window-function form used on SQLite compute the same. An incident enters a measure only
when both its ends are recorded: an incident still open has no MTTR yet, and is counted as
pending, never as zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Measure(StrEnum):
    MTTD = "mttd"  # impact start → detected
    MTTA = "mtta"  # opened → acknowledged
    MTTM = "mttm"  # detected → mitigated
    MTTR = "mttr"  # detected → resolved


SPANS: dict[Measure, tuple[str, str]] = {
    Measure.MTTD: ("impact_started_at", "detected_at"),
    Measure.MTTA: ("created_at", "acknowledged_at"),
    Measure.MTTM: ("detected_at", "mitigated_at"),
    Measure.MTTR: ("detected_at", "resolved_at"),
}
"""Each measure's (start, end) fields of an incident."""


class Period(StrEnum):
    WEEK = "week"  # ISO 8601 weeks, Monday to Monday, UTC
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True)
class IncidentTimes:
    """What the measures read of one incident. ``impact_started_at`` is None when no impact
    start was recorded apart from detection (see :func:`known_impact_start`)."""

    severity: str
    created_at: datetime
    detected_at: datetime
    impact_started_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class Summary:
    """One measure over a group: how many incidents it covers, and its statistics."""

    count: int  # incidents with both ends recorded
    pending: int  # incidents of the group without the end yet (or without the start)
    mean: float | None
    p50: float | None
    p90: float | None


def known_impact_start(impact_started_at: datetime, detected_at: datetime) -> datetime | None:
    """The impact start, or None when none was given: the lifecycle then records the
    detection time as the impact start, and an MTTD of 0 would be a made-up number."""
    return impact_started_at if impact_started_at < detected_at else None


def nearest_rank(ordered: Sequence[float], percent: float) -> float | None:
    """The nearest-rank percentile of values sorted ascending; None for no values."""
    if not ordered:
        return None
    if not 0 < percent <= 100:
        raise ValueError(f"percent: {percent} is not in (0, 100]")
    rank = math.ceil(percent / 100 * len(ordered))
    return ordered[rank - 1]


BRACKET_Z = 4.0  # standard deviations of a sample quantile's rank each side
BRACKET_MIN_SAMPLE = 40


def bracket(
    sample: Sequence[float], percent: float, *, z: float = BRACKET_Z
) -> tuple[float, float]:
    """Bounds ``(lo, hi)`` likely to hold the nearest-rank ``percent`` of the values a
    random ``sample`` (sorted ascending) was drawn from: the sample's values ``z`` standard
    deviations of the quantile's rank (and one more) either side of rank ``p·s``. Infinite
    where the sample runs out, and everything for a sample under
    :data:`BRACKET_MIN_SAMPLE`. Only a guess: the caller counts what is below and inside,
    and computes the exact value another way when the rank is not inside."""
    count = len(sample)
    if count < BRACKET_MIN_SAMPLE:
        return (-math.inf, math.inf)
    share = percent / 100
    middle = share * count
    margin = z * math.sqrt(count * share * (1 - share)) + 1
    low, high = math.floor(middle - margin), math.ceil(middle + margin)
    return (
        sample[low] if low >= 0 else -math.inf,
        sample[high] if high < count else math.inf,
    )


def summarize(durations: Iterable[float], *, pending: int = 0) -> Summary:
    ordered = sorted(durations)
    mean = sum(ordered) / len(ordered) if ordered else None
    return Summary(
        count=len(ordered),
        pending=pending,
        mean=mean,
        p50=nearest_rank(ordered, 50),
        p90=nearest_rank(ordered, 90),
    )


def duration(incident: IncidentTimes, measure: Measure) -> float | None:
    """The measure of one incident in seconds; None while an end is not recorded."""
    start_field, end_field = SPANS[measure]
    start: datetime | None = getattr(incident, start_field)
    end: datetime | None = getattr(incident, end_field)
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def measure(incidents: Sequence[IncidentTimes], which: Measure) -> Summary:
    values = [duration(i, which) for i in incidents]
    known = [v for v in values if v is not None]
    return summarize(known, pending=len(values) - len(known))


def period_start(at: datetime, period: Period) -> date:
    """The first day (UTC) of the week, month or quarter that ``at`` falls in."""
    day = at.astimezone(UTC).date()
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_label(start: date, period: Period) -> str:
    """``2026-W05`` (ISO week-numbering year), ``2026-01``, ``2026-Q1``."""
    if period is Period.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period is Period.MONTH:
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def share(part: int, whole: int) -> float | None:
    """``part / whole``, or None when there is nothing to divide (never a made-up 0 or 1)."""
    return part / whole if whole else None


def severity_mix(counts: Mapping[str, int]) -> dict[str, float]:
    """Each severity's share of the incidents."""
    total = sum(counts.values())
    return {s: n / total for s, n in sorted(counts.items())} if total else {}


def frequency_per_week(count: int, since: datetime, until: datetime) -> float:
    """Incidents per 7 days over ``[since, until)``."""
    days = (until - since).total_seconds() / 86_400
    if days <= 0:
        raise ValueError("until: must be after since")
    return count / days * 7


class Deadline(StrEnum):
    MET = "met"
    MISSED = "missed"
    PENDING = "pending"  # not passed yet, not met yet
    NOT_DUE = "not_due"  # no deadline, or the incident resolved before it came


def deadline(
    due: datetime | None, done_at: datetime | None, *, resolved_at: datetime | None, now: datetime
) -> Deadline:
    """Was a deadline (an internal update, the first public acknowledgement) kept?

    Met when done at or before ``due``; missed when done later, or not done and the due time
    passed while the incident was still unresolved.
    """
    if due is None:
        return Deadline.NOT_DUE
    if done_at is not None:
        return Deadline.MET if done_at <= due else Deadline.MISSED
    if resolved_at is not None and resolved_at <= due:
        return Deadline.NOT_DUE
    return Deadline.MISSED if (resolved_at or now) > due else Deadline.PENDING


def update_deadlines(
    first_due: datetime | None,
    updates: Sequence[tuple[datetime, datetime | None]],
    *,
    resolved_at: datetime | None,
    now: datetime,
) -> list[Deadline]:
    """The deadlines of one incident's internal updates, each met or not by the next update.

    ``first_due`` is the first update's deadline (set at open); ``updates`` are
    ``(posted_at, next_update_due_at)`` in posting order, each promising the next.
    """
    dues = [first_due, *(due for _, due in updates)]
    posted = [at for at, _ in updates] + [None]
    return [
        deadline(d, p, resolved_at=resolved_at, now=now) for d, p in zip(dues, posted, strict=True)
    ]


@dataclass(frozen=True)
class Compliance:
    met: int
    missed: int
    pending: int

    @property
    def share(self) -> float | None:
        """Deadlines met over deadlines decided (met + missed)."""
        return share(self.met, self.met + self.missed)


def compliance(outcomes: Iterable[Deadline]) -> Compliance:
    found = list(outcomes)
    return Compliance(
        met=found.count(Deadline.MET),
        missed=found.count(Deadline.MISSED),
        pending=found.count(Deadline.PENDING),
    )


NIGHT_START = time(22)
NIGHT_END = time(7)


def is_night(at: datetime, zone: str) -> bool:
    """22:00 to 07:00 in ``zone`` (the person's time zone)."""
    local = at.astimezone(ZoneInfo(zone)).time()
    return local >= NIGHT_START or local < NIGHT_END


# --- learning: recurrence and action items (the inputs come from the postmortems feature) ---


def recurrence_rate(incidents: int, recurrences: int) -> float | None:
    """Share of the incidents opened in a window that recur: a similar past incident
    (same service and alert, or a similar title) was found for them when they opened."""
    if recurrences > incidents:
        raise ValueError("recurrences: more than the incidents counted")
    return share(recurrences, incidents)


class ItemStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_DO = "wont_do"


@dataclass(frozen=True)
class ActionItemFacts:
    created_at: datetime
    status: ItemStatus
    due_at: datetime | None = None
    done_at: datetime | None = None


@dataclass(frozen=True)
class ItemCompletion:
    quarter: str  # of the item's creation, e.g. 2026-Q1
    total: int
    done: int
    wont_do: int
    done_on_time: int  # done at or before their due date (items without one count as on time)

    @property
    def rate(self) -> float | None:
        """Done over the items that still need doing or were done (won't do left out)."""
        return share(self.done, self.total - self.wont_do)


def action_item_completion(items: Iterable[ActionItemFacts]) -> list[ItemCompletion]:
    """Per quarter of creation (UTC): how many action items were carried to done."""
    by_quarter: dict[date, list[ActionItemFacts]] = {}
    for item in items:
        by_quarter.setdefault(period_start(item.created_at, Period.QUARTER), []).append(item)
    rows = []
    for start in sorted(by_quarter):
        group = by_quarter[start]
        done = [i for i in group if i.status is ItemStatus.DONE]
        on_time = [i for i in done if i.due_at is None or (i.done_at and i.done_at <= i.due_at)]
        rows.append(
            ItemCompletion(
                quarter=period_label(start, Period.QUARTER),
                total=len(group),
                done=len(done),
                wont_do=sum(1 for i in group if i.status is ItemStatus.WONT_DO),
                done_on_time=len(on_time),
            )
        )
    return rows
