"""The metrics dashboard: the report of a window as charts and tables, server-rendered."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.access.pages import PagePrincipal
from tocsin.deps import DbDep, PoliciesDep
from tocsin.errors import InvalidInput
from tocsin.metrics import charts, service
from tocsin.metrics.schemas import rows_with_total
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)


def _time(value: str, field: str) -> datetime | None:
    """A form date (``2026-03-01``) or an ISO time with offset; empty: the default."""
    if not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text if "T" in text else f"{text}T00:00:00+00:00")
    except ValueError:
        raise InvalidInput(
            f"{field}: not a date (YYYY-MM-DD) or an ISO time", field=field
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{field}: give a UTC offset", field=field)
    return parsed


@router.get("/metrics", response_class=HTMLResponse)
def dashboard(
    request: Request,
    db: DbDep,
    policies: PoliciesDep,
    principal: PagePrincipal,
    since: Annotated[str, Query(alias="from", max_length=40)] = "",
    until: Annotated[str, Query(alias="to", max_length=40)] = "",
    group_by: Annotated[str, Query(max_length=20)] = "severity",
    period: Annotated[str, Query(max_length=20)] = "month",
) -> Response:
    window = service.window_of(_time(since, "from"), _time(until, "to"), group_by, period)
    report = service.report(db, window=window, policies=policies)
    query = urlencode(
        {
            "from": window.since.isoformat(),
            "to": window.until.isoformat(),
            "group_by": window.group_by,
            "period": window.period.value,
        }
    )
    context = {
        "principal": principal,
        "report": report,
        "rows": rows_with_total(report),
        "charts": charts.all_charts(report),
        "query": query,
        "form": {"from": since, "to": until, "group_by": group_by, "period": period},
        "measures": ("mttd", "mtta", "mttm", "mttr"),
    }
    return templates.TemplateResponse(request, "metrics.html", context)
