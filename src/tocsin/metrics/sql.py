"""The expressions each database spells its own way: seconds between two times, the start
of a UTC week, month or quarter, and the nearest-rank percentile."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, Integer, String, cast, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

from tocsin.core.metrics import Period


def seconds(start: Any, end: Any, *, sqlite: bool) -> ColumnElement[float]:
    """``end - start`` in seconds (NULL when either is NULL)."""
    if sqlite:
        return cast((func.julianday(end) - func.julianday(start)) * 86400.0, Float)
    # date_part is double precision; extract() is numeric (slow arithmetic) since PG 14
    return func.date_part("epoch", end - start, type_=Float)


def period_start(column: Any, period: Period, *, sqlite: bool) -> ColumnElement[Any]:
    """The first day (UTC) of the week (ISO, from Monday), month or quarter of ``column``."""
    if not sqlite:
        return func.date_trunc(period.value, func.timezone("UTC", column))
    if period is Period.WEEK:
        back = (cast(func.strftime("%w", column), Integer) + 6) % 7
        return func.date(column, "-" + cast(back, String) + " days")
    if period is Period.MONTH:
        return func.strftime("%Y-%m-01", column)
    month = (cast(func.strftime("%m", column), Integer) - 1) // 3 * 3 + 1
    year = func.strftime("%Y-", column, type_=String)
    return year + func.printf("%02d", month, type_=String) + "-01"


def as_date(value: Any) -> date:
    """A period start as a database returns it (a date, a timestamp or ISO text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def rank_of(percent: int, count: Any) -> ColumnElement[int]:
    """``ceil(percent/100 · count)`` in integers: the nearest rank."""
    return cast((count * percent + 99) // 100, Integer)


def percentiles_disc(percents: tuple[int, ...], column: Any) -> ColumnElement[list[float]]:
    """PostgreSQL's ordered-set aggregate, one sort for all ``percents``: the nearest rank
    over non-NULL values, as an array."""
    fractions = ", ".join(str(p / 100) for p in percents)
    return func.percentile_disc(literal_column(f"ARRAY[{fractions}]")).within_group(column)
