"""Metrics use cases: the report of a window (what the API, the CSV and the dashboard show)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.alerts import service as alerts_service
from tocsin.core import metrics as core
from tocsin.core.oncall_load import first_deliveries, load_report
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.db import Database
from tocsin.errors import InvalidInput
from tocsin.metrics import learning, queries, sql
from tocsin.metrics.schemas import (
    ComplianceOut,
    GroupOut,
    MeasureOut,
    MetricsReport,
    PersonLoadOut,
)
from tocsin.notify.tables import OutboxMessage
from tocsin.oncall import service as oncall_service
from tocsin.recurrence import service as recurrence_service

MAX_SPAN = timedelta(days=3 * 366)
# PostgreSQL: the groupings whose whole-window total is a pass of its own, run alongside the
# groups' on a second connection (by service or team an incident may be in several groups:
# a total from the groups' pass aggregates each row twice; by severity or period the two
# passes on two cores take less time than one pass computing both)
TOTAL_APART = frozenset({"service", "team", "severity", "period"})
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")
DEFAULT_SPAN = timedelta(days=90)
PAGE_GROUP = "escalation:%"  # paging's outbox groups (tocsin.paging.service)


def window_of(
    since: datetime | None, until: datetime | None, group_by: str, period: str
) -> queries.Window:
    """The window asked for; bad input names its parameter."""
    until = (until or clock.now()).astimezone(UTC)
    since = (since or until - DEFAULT_SPAN).astimezone(UTC)
    if until <= since:
        raise InvalidInput("to: must be after from", field="to")
    if until - since > MAX_SPAN:
        raise InvalidInput(f"to: at most {MAX_SPAN.days} days after from", field="to")
    if group_by not in queries.GROUPS:
        raise InvalidInput(f"group_by: one of {', '.join(queries.GROUPS)}", field="group_by")
    try:
        chosen = core.Period(period)
    except ValueError:
        raise InvalidInput("period: one of week, month, quarter", field="period") from None
    return queries.Window(since, until, group_by, chosen)


def _round(value: Any, places: int = 1) -> float | None:
    return None if value is None else round(float(value), places)


def _measure(row: Mapping[str, Any], which: core.Measure) -> MeasureOut:
    count = int(row.get(f"{which}_count") or 0)
    return MeasureOut(
        count=count,
        pending=int(row.get("incidents") or 0) - count,
        mean=_round(row.get(f"{which}_mean")),
        p50=_round(row.get(f"{which}_p50")),
        p90=_round(row.get(f"{which}_p90")),
    )


def _compliance(counts: Mapping[str, int]) -> ComplianceOut:
    found = core.Compliance(
        met=counts.get(core.Deadline.MET, 0),
        missed=counts.get(core.Deadline.MISSED, 0),
        pending=counts.get(core.Deadline.PENDING, 0),
    )
    share = found.share
    return ComplianceOut(
        met=found.met,
        missed=found.missed,
        pending=found.pending,
        share=None if share is None else round(share, 4),
    )


def _key_label(grp: Any, window: queries.Window) -> tuple[str | None, str]:
    if grp is None:
        return None, "(none)"
    if window.group_by == "period":
        start = sql.as_date(grp)
        return start.isoformat(), core.period_label(start, window.period)
    return str(grp), str(grp)


def _groups(
    session: Session,
    window: queries.Window,
    now: datetime,
    policies: Mapping[Severity, SeverityPolicy],
    *,
    sqlite: bool,
    with_total: bool,
) -> tuple[list[GroupOut], GroupOut | None]:
    """The groups of the window, in one pass over its (incident, group) rows; with
    ``with_total`` (PostgreSQL) the whole window too, from the same pass (else None)."""
    with_total = with_total and window.group_by != "none"
    cte = queries.base(window, sqlite=sqlite, firsts=with_total)
    rows = queries.durations(
        session, cte, window, sqlite=sqlite, now=now, policies=policies, with_total=with_total
    )
    whole = rows.pop(queries.WHOLE, None)
    if sqlite:
        plain = queries.base(window, sqlite=sqlite, updates=False)
        for which in core.Measure:
            for grp, values in queries.percentiles_by_rank(session, plain, which).items():
                rows[grp].update(values)
    out = [_group_out(grp, row, window) for grp, row in rows.items()]
    out.sort(key=lambda g: (g.key is None, g.key or ""))
    return out, None if whole is None else _group_out("all", whole, window)


def _group_out(grp: Any, row: Mapping[str, Any], window: queries.Window) -> GroupOut:
    key, label = _key_label(grp, window) if grp != "all" else ("all", "all")
    return GroupOut(
        key=key,
        label=label,
        incidents=int(row["incidents"]),
        open=int(row["open"] or 0),
        severity_counts=row["severity_counts"],
        mttd=_measure(row, core.Measure.MTTD),
        mtta=_measure(row, core.Measure.MTTA),
        mttm=_measure(row, core.Measure.MTTM),
        mttr=_measure(row, core.Measure.MTTR),
        update_cadence=_compliance(row["update_cadence"]),
        public_ack=_compliance(row["public_ack"]),
    )


def _empty_group() -> GroupOut:
    empty = MeasureOut(count=0, pending=0, mean=None, p50=None, p90=None)
    none = ComplianceOut(met=0, missed=0, pending=0, share=None)
    return GroupOut(
        key="all",
        label="all",
        incidents=0,
        open=0,
        severity_counts={},
        mttd=empty,
        mtta=empty,
        mttm=empty,
        mttr=empty,
        update_cadence=none,
        public_ack=none,
    )


def page_deliveries(session: Session, since: datetime, until: datetime) -> list[tuple[Any, ...]]:
    """``(incident, person, first delivery)`` of each person paged in the window."""
    query = (
        select(
            OutboxMessage.incident_id,
            OutboxMessage.person_id,
            func.min(OutboxMessage.finished_at),
        )
        .where(
            and_(
                OutboxMessage.group.like(PAGE_GROUP),
                OutboxMessage.status == "delivered",
                OutboxMessage.person_id.is_not(None),
                OutboxMessage.incident_id.is_not(None),
                OutboxMessage.finished_at >= since,
                OutboxMessage.finished_at < until,
            )
        )
        .group_by(OutboxMessage.incident_id, OutboxMessage.person_id)
    )
    return [tuple(row) for row in session.execute(query)]


def oncall_load(session: Session, since: datetime, until: datetime) -> list[PersonLoadOut]:
    rows = page_deliveries(session, since, until)
    pages = first_deliveries((int(i), int(p), at) for i, p, at in rows)
    shifts = oncall_service.shifts_between_in(session, since, until)
    people = oncall_service.zones_in(
        session, {p.person_id for p in pages} | {s.person_id for s in shifts}
    )
    return [
        PersonLoadOut.model_validate(row, from_attributes=True)
        for row in load_report(pages, shifts, people)
    ]


def _settle(session: Session, snapshot: str | None = None) -> None:
    """A PostgreSQL report's transaction: one snapshot for all its statements (``snapshot``:
    another transaction's, exported), its sorts in memory, no JIT for one query."""
    session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    if snapshot is not None:
        if not _SNAPSHOT_ID.fullmatch(snapshot):  # a statement that takes no parameter
            raise ValueError(f"not a snapshot id: {snapshot!r}")
        session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
    session.execute(text("SET LOCAL work_mem = '128MB'"))
    session.execute(text("SET LOCAL jit = off"))


def _whole_apart(
    db: Database,
    snapshot: str,
    window: queries.Window,
    now: datetime,
    policies: Mapping[Severity, SeverityPolicy],
) -> list[GroupOut]:
    """The whole window as the ungrouped report, on a connection of its own that reads
    the report's ``snapshot``."""
    with db.reading() as session:
        _settle(session, snapshot)
        total, _ = _groups(session, window, now, policies, sqlite=False, with_total=False)
        return total


def report(
    db: Database,
    *,
    window: queries.Window,
    policies: Mapping[Severity, SeverityPolicy],
) -> MetricsReport:
    now = clock.now()
    whole = queries.Window(window.since, window.until, "none", window.period)
    sqlite = db.is_sqlite
    # PostgreSQL, grouped: the total on a second connection while this one
    # passes over the groups (each row aggregated once), both in one snapshot
    apart = not sqlite and window.group_by in TOTAL_APART
    with db.reading() as session, ThreadPoolExecutor(1) as pool:
        if not sqlite:
            _settle(session)
        pending: Future[list[GroupOut]] | None = None
        if apart:
            snapshot = str(session.scalar(text("SELECT pg_export_snapshot()")))
            pending = pool.submit(_whole_apart, db, snapshot, whole, now, policies)
        groups, whole_row = _groups(
            session, window, now, policies, sqlite=sqlite, with_total=not sqlite and not apart
        )
        if window.group_by == "none":
            total = groups
        elif pending is not None:
            total = pending.result()
        elif whole_row is not None:
            total = [whole_row]
        else:
            total, _ = _groups(session, whole, now, policies, sqlite=sqlite, with_total=False)
        load = oncall_load(session, window.since, window.until)
        items = learning.completion_in(session, window.since, window.until)
        recurring = recurrence_service.recurrences_in(session, window.since, window.until)
    overall = total[0] if total else _empty_group()
    noise = alerts_service.noise(db, since=window.since, until=window.until)
    return MetricsReport(
        since=window.since,
        until=window.until,
        group_by=window.group_by,
        period=window.period.value,
        generated_at=now,
        total=overall,
        groups=groups,
        frequency_per_week=round(
            core.frequency_per_week(overall.incidents, window.since, window.until), 4
        ),
        recurrences=min(recurring, overall.incidents),
        recurrence_rate=learning.recurrence_rate(
            overall.incidents, min(recurring, overall.incidents)
        ),
        severity_mix={
            s: round(v, 4) for s, v in core.severity_mix(overall.severity_counts).items()
        },
        oncall_load=load,
        alert_noise=noise,
        action_items=items,
    )
