"""Exact nearest-rank p50 and p90 on PostgreSQL without sorting a whole window.

Sorting every value of a window (``percentile_disc``) was most of a report's time. Instead:

1. a page sample of the facts (``TABLESAMPLE SYSTEM``, a few percent of the pages) gives,
   per group and measure, a *bracket* ``[lo, hi]`` likely to hold the percentile
   (:func:`tocsin.core.metrics.bracket`);
2. the report's one pass counts, per group, the values below ``lo`` and gathers the few
   inside the brackets (``count(..) FILTER``, one ``array_agg(..) FILTER`` per measure);
3. the value at rank ``ceil(p·n)`` is then the one at rank ``rank - below`` among those
   inside, picked in SQL (:func:`pick`); when the bracket missed the rank (an unlucky
   sample), that measure is computed again with ``percentile_disc``.

So the answer is always the exact nearest-rank value; the sample only decides how much is
sorted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import DateTime, Float, String, bindparam, case, column, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from tocsin.core.metrics import Measure, bracket
from tocsin.metrics import sql

PERCENTS = (50, 90)
SAMPLE_PERCENT = 5.0  # of the facts tables' pages
MEASURES = tuple(Measure)
EVERYTHING = (float("-inf"), float("inf"))

Bounds = dict[tuple[Measure, int], tuple[float, float]]


@dataclass
class Brackets:
    """Per group (by its key) and for the whole window, each (measure, percent)'s bracket."""

    groups: dict[Any, Bounds] = field(default_factory=dict)
    whole: Bounds = field(default_factory=dict)


def name(which: Measure, percent: int, part: str) -> str:
    return f"{which}_{percent}_{part}"


def brackets_of(session: Session, sampled: Any, *, key: Any) -> Brackets:
    """The brackets from the sampled rows ``sampled`` (a base CTE over a page sample):
    per group, keyed by ``key`` (the join key of the group column), and whole. Each
    group's values come sorted, one array per measure."""
    arrays = [
        func.array_agg(aggregate_order_by(v, v)).filter(v.is_not(None))
        for v in (sampled.c[m.value] for m in MEASURES)
    ]
    rows = session.execute(select(key.label("key"), *arrays).group_by(key))
    by_group: dict[Any, dict[Measure, list[float]]] = {}
    for k, *found in rows:
        by_group[k] = {m: list(v or ()) for m, v in zip(MEASURES, found, strict=True)}
    whole = {m: [v for g in by_group.values() for v in g[m]] for m in MEASURES}
    return Brackets(
        groups={k: _bounds(v) for k, v in by_group.items()},
        whole=_bounds(whole),
    )


def _bounds(sample: Mapping[Measure, list[float]]) -> Bounds:
    out: Bounds = {}
    for m, numbers in sample.items():
        numbers.sort()
        for p in PERCENTS:
            out[m, p] = bracket(numbers, p)
    return out


def bounds_table(brackets: Brackets, label: str, *, dates: bool) -> Any | None:
    """The groups' brackets as a table to join on ``key`` (None for none): ``unnest`` of
    one array per column, so a statement has 17 parameters however many groups."""
    if not brackets.groups:
        return None
    names = [name(m, p, end) for m in MEASURES for p in PERCENTS for end in ("lo", "hi")]
    keys = list(brackets.groups)
    key_type: Any = DateTime() if dates else String()
    arrays = [bindparam(f"{label}_key", keys, type_=ARRAY(key_type))]
    for n, (m, p, i) in zip(
        names, ((m, p, i) for m in MEASURES for p in PERCENTS for i in (0, 1)), strict=True
    ):
        bounds = [brackets.groups[k][m, p][i] for k in keys]
        arrays.append(bindparam(f"{label}_{n}", bounds, type_=ARRAY(Float())))
    columns = [column("key", key_type), *(column(n, Float()) for n in names)]
    return func.unnest(*arrays).table_valued(*columns).render_derived(name=label)


def pick(
    count: Any, below: Any, inside: Any, lo: Any, hi: Any, percent: int
) -> ColumnElement[float]:
    """The nearest-rank value: the ``rank - below``-th of the values ``inside`` that are in
    ``[lo, hi]`` (NULL when the rank is not inside the bracket)."""
    at = sql.rank_of(percent, count) - below
    x = func.unnest(inside).column_valued("x")
    chosen = select(x).where(x >= lo, x <= hi).order_by(x).offset(at - 1).limit(1)
    return case((at >= 1, chosen.scalar_subquery()))


def constants(bounds: tuple[float, float]) -> tuple[Any, Any]:
    return literal(bounds[0], Float()), literal(bounds[1], Float())


def exact(session: Session, cte: Any, which: Measure, *, grouped: bool) -> dict[Any, list[Any]]:
    """The fallback: ``percentile_disc`` over every value of ``which`` (per group; else
    over the whole window, each incident once: by service or team, its ``first`` row)."""
    value = sql.percentiles_disc(PERCENTS, cte.c[which.value])
    if not grouped:
        whole = select(value).where(cte.c.first) if "first" in cte.c else select(value)
        return {None: list(session.execute(whole).scalar_one() or ())}
    rows = session.execute(select(cte.c.grp, value).group_by(cte.c.grp))
    return {grp: list(found or ()) for grp, found in rows}


def missed(rows: Iterable[Mapping[str, Any]]) -> set[Measure]:
    """The measures whose bracket missed in one of ``rows``: a count but no value."""
    return {
        m
        for row in rows
        for m in MEASURES
        for p in PERCENTS
        if row.get(f"{m}_count") and row.get(f"{m}_p{p}") is None
    }
