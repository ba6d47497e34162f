"""Uptime of a status page component, per UTC day, from its status history and check tallies.

The rule (pure; :mod:`tocsin.statuspage.uptime` feeds it from the database):

- **Status history.** A component's shown status (set by hand, or else computed from the open
  incidents) is a list of changes, each holding from its instant until the next change, the
  last one until ``now``. The part of a day before the first change (the component did not
  exist, or its history was not kept yet) is not observed; a day with nothing observed and no
  check sample is *no data*. The future part of today is not observed either.
- **Weighting.** A minute of ``major_outage`` is a minute down; a minute of
  ``partial_outage`` counts :data:`PARTIAL_OUTAGE_WEIGHT` (0.3) of a minute down, as
  Atlassian Statuspage weighs it. ``degraded_performance`` and ``under_maintenance`` are not
  downtime. The status uptime of a day is ``1 - weighted down minutes / observed minutes``.
- **Checks.** The synthetic checks mapped to a component leave per-day tallies of passed and
  failed runs; their uptime for the day is ``passed / (passed + failed)`` (each run stands for
  its interval). A day's uptime is the lower of the two (whichever exists): the page never
  claims more than either source saw.
- **Overall.** The window's percentage is the mean of its days' uptime, each day weighted by
  its observed minutes (a day observed only by checks weighs a full day), so today's half
  day counts half; ``None`` if no day has data.
- **Worst status** of a day is the worst status held for some time in it (an instant between
  two changes made at the same moment does not count); check failures do not change it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tocsin.core.statuspage import ComponentStatus, worst_status

PARTIAL_OUTAGE_WEIGHT = 0.3
"""How much of a minute of partial outage counts as down (Statuspage's weight)."""
MAJOR_OUTAGE_WEIGHT = 1.0
DAY_SECONDS = 86_400.0
_WEIGHTS: Mapping[ComponentStatus, float] = {
    ComponentStatus.PARTIAL_OUTAGE: PARTIAL_OUTAGE_WEIGHT,
    ComponentStatus.MAJOR_OUTAGE: MAJOR_OUTAGE_WEIGHT,
}


@dataclass(frozen=True)
class StatusChange:
    """From ``at`` on (until the next change), the component showed ``status``."""

    at: datetime
    status: ComponentStatus


@dataclass(frozen=True)
class Tally:
    """One day's runs of the checks mapped to a component."""

    passed: int = 0
    failed: int = 0


@dataclass(frozen=True)
class DayUptime:
    day: date
    uptime: float | None
    """The day's uptime fraction in [0, 1]; ``None``: no data (before the component existed)."""
    worst_status: ComponentStatus | None
    partial_outage_minutes: float
    major_outage_minutes: float
    observed_minutes: float
    checks_passed: int
    checks_failed: int

    @property
    def has_data(self) -> bool:
        return self.uptime is not None


@dataclass(frozen=True)
class Uptime:
    """A component's uptime over a window of whole UTC days, oldest day first."""

    days: tuple[DayUptime, ...]
    percentage: float | None
    """The window's uptime in percent (0–100), weighted as the module says; None: no data."""

    @property
    def start(self) -> date:
        return self.days[0].day

    @property
    def end(self) -> date:
        return self.days[-1].day


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def window(today: date, days: int) -> tuple[date, ...]:
    """The ``days`` UTC days ending with ``today``, oldest first."""
    if days < 1:
        raise ValueError("a window has at least one day")
    return tuple(today - timedelta(days=n) for n in range(days - 1, -1, -1))


@dataclass
class _Held:
    """What the status history says about one day, accumulated interval by interval."""

    seconds: dict[ComponentStatus, float]

    def add(self, status: ComponentStatus, seconds: float) -> None:
        self.seconds[status] = self.seconds.get(status, 0.0) + seconds


def _split(
    changes: Sequence[StatusChange], first: date, last: date, now: datetime
) -> dict[date, _Held]:
    """Seconds held per status per day, for the days ``first``..``last`` (intervals split at
    midnight, cut at ``now``)."""
    ordered = sorted(changes, key=lambda c: c.at)  # stable: same-instant changes keep order
    held: dict[date, _Held] = {}
    lower, upper = day_start(first), min(day_start(last) + timedelta(days=1), now)
    for n, change in enumerate(ordered):
        begin = max(change.at, lower)
        end = min(ordered[n + 1].at if n + 1 < len(ordered) else now, upper)
        while begin < end:
            cut = min(day_start(begin.astimezone(UTC).date()) + timedelta(days=1), end)
            day = begin.astimezone(UTC).date()
            held.setdefault(day, _Held({})).add(change.status, (cut - begin).total_seconds())
            begin = cut
    return held


def _day(day: date, held: _Held | None, tally: Tally | None) -> DayUptime:
    seconds = held.seconds if held else {}
    observed = sum(seconds.values())
    runs = (tally.passed + tally.failed) if tally else 0
    fractions = []
    if observed > 0:
        down = sum(_WEIGHTS.get(status, 0.0) * s for status, s in seconds.items())
        fractions.append(max(0.0, 1.0 - down / observed))
    if tally is not None and runs > 0:
        fractions.append(tally.passed / runs)
    statuses = [status for status, s in seconds.items() if s > 0]
    return DayUptime(
        day=day,
        uptime=min(fractions) if fractions else None,
        worst_status=worst_status(statuses) if statuses else None,
        partial_outage_minutes=seconds.get(ComponentStatus.PARTIAL_OUTAGE, 0.0) / 60,
        major_outage_minutes=seconds.get(ComponentStatus.MAJOR_OUTAGE, 0.0) / 60,
        observed_minutes=observed / 60,
        checks_passed=tally.passed if tally else 0,
        checks_failed=tally.failed if tally else 0,
    )


def _percentage(days: Sequence[DayUptime]) -> float | None:
    total = weight = 0.0
    for day in days:
        if day.uptime is None:
            continue
        minutes = day.observed_minutes if day.observed_minutes > 0 else DAY_SECONDS / 60
        total += day.uptime * minutes
        weight += minutes
    return 100.0 * total / weight if weight > 0 else None


def uptime(
    changes: Sequence[StatusChange],
    tallies: Mapping[date, Tally],
    *,
    today: date,
    now: datetime,
    days: int = 90,
) -> Uptime:
    """The uptime of each of the ``days`` UTC days ending with ``today``, and overall.

    ``changes`` is the component's status history: every change made in the window and the
    last one before it (earlier ones are ignored). Changes at one instant apply in the
    order given. ``now`` cuts the last status off (nothing after it is observed).
    """
    dates = window(today, days)
    held = _split(changes, dates[0], dates[-1], now)
    result = tuple(_day(d, held.get(d), tallies.get(d)) for d in dates)
    return Uptime(days=result, percentage=_percentage(result))
