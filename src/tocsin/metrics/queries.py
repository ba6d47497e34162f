"""Set-based queries over the incidents of a window, grouped in the database.

Each query starts from :func:`base`: one row per (incident, group) with the four measures in
seconds, the group being the severity, an affected service, the team owning one, or the
period of detection. An incident detected in ``[since, until)`` belongs to the window. An
incident affecting two services is in both services' groups (and in a team's group once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    tablesample,
    text,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from tocsin.core.metrics import Deadline, Measure, Period
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.db import UTCDateTime
from tocsin.metrics import deadline_queries, percentiles, sql
from tocsin.metrics.tables import IncidentFacts as Facts
from tocsin.metrics.tables import IncidentServiceFacts as ServiceFacts
from tocsin.oncall import service as oncall_service

GROUPS = ("none", "severity", "service", "team", "period")
MEASURES = tuple(Measure)


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    group_by: str = "none"
    period: Period = Period.MONTH


def _in_window(table: Any, window: Window) -> ColumnElement[bool]:
    return and_(table.c.detected_at >= window.since, table.c.detected_at < window.until)


def _rows(table: Any, group: Any, window: Window, *, updates: bool) -> Select[Any]:
    """The base columns of ``table`` (either facts table) in the window, with ``group``."""
    names = ["severity", "created_at", "resolved_at", "public_ack_due_at", "first_public_at"]
    names += [m.value for m in MEASURES]
    if updates:
        names += ["has_updates", "first_posted", "kept", "broken", "last_due"]
    return select(
        table.c.incident_id.label("id"), group.label("grp"), *(table.c[n] for n in names)
    ).where(_in_window(table, window))


def base(
    window: Window,
    *,
    sqlite: bool,
    updates: bool = True,
    sample: float | None = None,
    firsts: bool | None = None,
) -> CTE:
    """The window's (incident, group) rows with the four durations and (with ``updates``)
    the incident's update tallies, from the facts tables. By service, an incident without
    services is in the group NULL; by team, an incident is in each team that owns one of
    its services once (NULL for a service without a team): only the rows of incidents
    affecting more than one service are numbered per (incident, group) to keep the first.
    With ``firsts`` (by default on PostgreSQL), by service or team, ``first`` marks one row
    per incident (the whole window's rows, for a total from the same pass).
    ``sample`` (PostgreSQL): read only that percentage of the tables' pages."""
    facts: Any = Facts.__table__
    each: Any = ServiceFacts.__table__
    if sample is not None:
        facts = tablesample(facts, func.system(sample), name="facts", seed=literal(1))
        each = tablesample(each, func.system(sample), name="each", seed=literal(1))
    none = null().label("grp")
    if firsts is None:
        firsts = not sqlite
    yes = [literal(True).label("first")] if firsts else []
    if window.group_by == "service" and not firsts:
        parts = [
            _rows(each, each.c.service, window, updates=updates),
            _rows(facts, none, window, updates=updates).where(facts.c.services == 0),
        ]
        return union_all(*parts).cte("base")
    if window.group_by in ("service", "team"):
        owned, grp = each, each.c.service
        if window.group_by == "team":
            teams = oncall_service.service_teams()
            owned = each.outerjoin(teams, teams.c.service == each.c.service)
            grp = teams.c.team
        numbers = []
        if firsts:
            numbers.append(
                func.row_number()
                .over(partition_by=each.c.incident_id, order_by=(grp, each.c.service))
                .label("nth_incident")
            )
        if window.group_by == "team":  # a team owning two of the services: once
            numbers.append(
                func.row_number()
                .over(partition_by=(each.c.incident_id, grp), order_by=each.c.service)
                .label("nth")
            )
        several = (
            _rows(each, grp, window, updates=updates)
            .add_columns(*numbers)
            .select_from(owned)
            .where(each.c.services > 1)
            .subquery("several")
        )
        kept = select(*(c for c in several.c if c.name not in ("nth", "nth_incident")))
        if firsts:
            kept = kept.add_columns((several.c.nth_incident == 1).label("first"))
        parts = [
            _rows(each, grp, window, updates=updates)
            .add_columns(*yes)
            .select_from(owned)
            .where(each.c.services == 1),
            kept.where(several.c.nth == 1) if "nth" in several.c else kept,
            _rows(facts, none, window, updates=updates)
            .add_columns(*yes)
            .where(facts.c.services == 0),
        ]
        return union_all(*parts).cte("base")
    group: Any = literal("all")
    if window.group_by == "severity":
        group = facts.c.severity
    elif window.group_by == "period":
        group = sql.period_start(facts.c.detected_at, window.period, sqlite=sqlite)
    return _rows(facts, group, window, updates=updates).cte("base")


_CADENCE_PARTS = ("first", "last", "settled")
WHOLE = "\x00whole window"  # the key of the whole window's row among the groups'


def durations(
    session: Session,
    cte: CTE,
    window: Window,
    *,
    sqlite: bool,
    now: datetime,
    policies: Mapping[Severity, SeverityPolicy],
    with_total: bool = False,
) -> dict[Any, dict[str, Any]]:
    """Per group, in one pass: incidents, still open, by severity, first public
    acknowledgements and internal-update deadlines kept (``public_ack``,
    ``update_cadence``), and each measure's count, mean (and, on PostgreSQL, p50 and p90:
    :mod:`tocsin.metrics.percentiles`). ``with_total`` (PostgreSQL): the whole window too,
    keyed :data:`WHOLE`, by ``GROUPING SETS`` over the same rows: ``()`` for groups that
    split the window, ``(first)`` by service or team (one row per incident)."""
    at = literal(now, UTCDateTime)
    # OFFSET 0 keeps the subquery apart: the first update's deadline is worked out once per
    # row, not once for each count that reads it
    each = (
        select(
            *(cte.c[n] for n in ("grp", "severity", "resolved_at", "public_ack_due_at")),
            *(cte.c[n] for n in ("first_public_at", "first_posted", "last_due", "kept")),
            cte.c.broken,
            *(cte.c[m.value] for m in MEASURES),
            *deadline_queries.first_deadline(cte, at, policies, sqlite=sqlite),
            *(c for c in cte.c if c.name == "first"),
        )
        .offset(0)
        .subquery("each_incident")
    )
    c = each.c
    states = {
        "ack": deadline_queries.states(c.public_ack_due_at, c.first_public_at, c.resolved_at, at),
        "first": deadline_queries.states(c.first_due, c.first_done, c.first_resolved, c.first_now),
        "last": deadline_queries.states(c.last_due, None, c.resolved_at, at),
    }
    columns: list[Any] = [
        c.grp,
        func.count().label("incidents"),
        func.count().filter(c.resolved_at.is_(None)).label("open"),
        *(func.count().filter(c.severity == s).label(f"severity {s}") for s in Severity),
        *(
            func.count().filter(condition).label(f"{n} {k.value}")
            for n, found in states.items()
            for k, condition in found.items()
        ),
        func.sum(c.kept).label(f"settled {Deadline.MET.value}"),
        func.sum(c.broken).label(f"settled {Deadline.MISSED.value}"),
    ]
    kinds = (Deadline.MET, Deadline.MISSED, Deadline.PENDING)
    grouped = window.group_by != "none"
    source: Any = each
    for m in MEASURES:
        value = c[m.value]
        columns += [func.count(value).label(f"{m}_count"), func.avg(value).label(f"{m}_mean")]
    brackets, table = percentiles.Brackets(), None
    if not sqlite:
        sampled = base(
            window, sqlite=False, updates=False, sample=percentiles.SAMPLE_PERCENT, firsts=False
        )
        brackets = percentiles.brackets_of(session, sampled, key=_key(sampled.c.grp, window))
        if grouped:
            table = percentiles.bounds_table(brackets, "brackets", dates=_dates(window))
        if table is not None:
            source = each.outerjoin(table, _key(c.grp, window) == table.c.key)
        columns += _gathered(c, brackets, table, grouped=grouped, with_total=with_total)
    query = select(*columns).select_from(source)
    if not grouped:  # one group: no sort or hash by a constant
        query = select(literal("all").label("grp"), *columns[1:]).select_from(source)
    elif with_total and "first" in c:  # the whole window: each incident's first row
        query = query.add_columns(func.grouping(c.grp).label("whole"), c.first).group_by(
            func.grouping_sets(c.grp, c.first)
        )
    elif with_total:  # the groups and the whole window from the same rows
        query = query.add_columns(func.grouping(c.grp).label("whole")).group_by(
            func.grouping_sets(c.grp, text("()"))
        )
    else:
        query = query.group_by(c.grp)
    if not sqlite:
        query = _picked(query, brackets, window, with_total=with_total)
    hashed = not sqlite and with_total and "first" not in c
    if hashed:  # hash the GROUPING SETS rather than sort the window's rows by group: the
        # planner prefers the sort, which costs more than the hashing (measured)
        session.execute(text("SET LOCAL enable_sort = off"))
    found = {}
    rows = session.execute(query).all()
    if hashed:
        session.execute(text("SET LOCAL enable_sort = on"))
    for row in rows:
        values = dict(row._mapping)
        first = values.pop("first", True)
        if values.pop("whole", 0):
            if not first:  # the incidents' other rows (by service or team): no total
                continue
            values["grp"] = WHOLE
        values["severity_counts"] = {
            s.value: int(n) for s in Severity if (n := values.pop(f"severity {s.value}"))
        }
        values["public_ack"] = {k.value: int(values.pop(f"ack {k.value}") or 0) for k in kinds}
        values["update_cadence"] = {
            k.value: sum(int(values.pop(f"{n} {k.value}", 0) or 0) for n in _CADENCE_PARTS)
            for k in kinds
        }
        found[values["grp"]] = values
    if not sqlite:
        _fill_missed(session, cte, found, grouped=grouped)
    return found


def _key(grp: Any, window: Window) -> Any:
    """The group column as the brackets are keyed: the service/team group NULL as ''."""
    return func.coalesce(grp, "") if window.group_by in ("service", "team") else grp


def _dates(window: Window) -> bool:
    return window.group_by == "period"


def _bounds(
    brackets: percentiles.Brackets, table: Any, which: Measure, percent: int, *, grouped: bool
) -> tuple[Any, Any]:
    """A group's bracket (from the joined ``table``; everything for a group the sample
    missed), or the whole window's."""
    if not grouped:
        return percentiles.constants(brackets.whole[which, percent])
    lo, hi = percentiles.constants(percentiles.EVERYTHING)
    if table is None:
        return lo, hi
    lo = func.coalesce(table.c[percentiles.name(which, percent, "lo")], lo)
    return lo, func.coalesce(table.c[percentiles.name(which, percent, "hi")], hi)


def _gathered(
    c: Any, brackets: percentiles.Brackets, table: Any, *, grouped: bool, with_total: bool
) -> list[Any]:
    """Per measure: how many values are below each bracket, and in one array the values
    inside any of them (the group's p50 and p90, and the whole window's with ``with_total``)."""
    columns: list[Any] = []
    for m in MEASURES:
        value, inside = c[m.value], []
        for p in percentiles.PERCENTS:
            lo, hi = _bounds(brackets, table, m, p, grouped=grouped)
            columns.append(func.count(value).filter(value < lo).label(f"{m}_{p}_below"))
            inside.append(and_(value >= lo, value <= hi))
            if with_total:
                lo, hi = percentiles.constants(brackets.whole[m, p])
                columns.append(func.count(value).filter(value < lo).label(f"{m}_{p}_whole_below"))
                inside.append(and_(value >= lo, value <= hi))
        columns.append(func.array_agg(value).filter(or_(*inside)).label(f"{m}_inside"))
    return columns


def _picked(
    query: Select[Any], brackets: percentiles.Brackets, window: Window, *, with_total: bool
) -> Select[Any]:
    """The aggregates of ``query`` with each percentile picked from its bracket's values
    (the whole window's bracket on the whole window's row)."""
    agg = query.subquery("aggregates")
    kept = [c for c in agg.c if not c.name.endswith(("_below", "_inside"))]
    grouped = window.group_by != "none"
    table = percentiles.bounds_table(brackets, "bounds", dates=_dates(window)) if grouped else None
    source: Any = agg
    if table is not None:
        source = agg.outerjoin(table, _key(agg.c.grp, window) == table.c.key)
    picks = []
    for m in MEASURES:
        for p in percentiles.PERCENTS:
            count, inside = agg.c[f"{m}_count"], agg.c[f"{m}_inside"]
            lo, hi = _bounds(brackets, table, m, p, grouped=grouped)
            choice = percentiles.pick(count, agg.c[f"{m}_{p}_below"], inside, lo, hi, p)
            if with_total:
                lo, hi = percentiles.constants(brackets.whole[m, p])
                whole = percentiles.pick(count, agg.c[f"{m}_{p}_whole_below"], inside, lo, hi, p)
                choice = case((agg.c.whole == 1, whole), else_=choice)
            picks.append(choice.label(f"{m}_p{p}"))
    return select(*kept, *picks).select_from(source)


def _fill_missed(
    session: Session, cte: CTE, found: dict[Any, dict[str, Any]], *, grouped: bool
) -> None:
    """Where a bracket missed its rank, the exact value by ``percentile_disc``."""
    for m in percentiles.missed(found.values()):
        exact: dict[Any, list[Any]] = {}
        for grp, values in found.items():
            if not values[f"{m}_count"] or None not in (values[f"{m}_p50"], values[f"{m}_p90"]):
                continue
            if grp == WHOLE or not grouped:
                if WHOLE not in exact:
                    exact[WHOLE] = percentiles.exact(session, cte, m, grouped=False)[None]
                values[f"{m}_p50"], values[f"{m}_p90"] = exact[WHOLE]
            else:
                if grp not in exact:
                    exact.update(percentiles.exact(session, cte, m, grouped=True))
                values[f"{m}_p50"], values[f"{m}_p90"] = exact[grp]


def percentiles_by_rank(session: Session, cte: CTE, which: Measure) -> dict[Any, dict[str, Any]]:
    """p50 and p90 by nearest rank with window functions (for SQLite, which has no
    ``percentile_disc``): the values at ranks ``ceil(p·n)``."""
    value = cte.c[which.value]
    ranked = (
        select(
            cte.c.grp,
            value.label("value"),
            func.row_number().over(partition_by=cte.c.grp, order_by=value).label("rn"),
            func.count(value).over(partition_by=cte.c.grp).label("n"),
        )
        .where(value.is_not(None))
        .subquery()
    )
    p50, p90 = sql.rank_of(50, ranked.c.n), sql.rank_of(90, ranked.c.n)
    query = select(ranked.c.grp, ranked.c.value, ranked.c.rn == p50, ranked.c.rn == p90).where(
        or_(ranked.c.rn == p50, ranked.c.rn == p90)
    )
    found: dict[Any, dict[str, Any]] = {}
    for grp, number, is_p50, is_p90 in session.execute(query):
        if is_p50:
            found.setdefault(grp, {})[f"{which}_p50"] = number
        if is_p90:
            found.setdefault(grp, {})[f"{which}_p90"] = number
    return found
