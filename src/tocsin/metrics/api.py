"""Metrics routes: the report as JSON and as CSV, over the same parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from tocsin.access.api import Viewer
from tocsin.deps import DbDep, PoliciesDep
from tocsin.metrics import csvfile, service
from tocsin.metrics.schemas import GroupBy, MetricsReport, PeriodName

router = APIRouter(prefix="/api/v1", tags=["metrics"])

From = Annotated[
    AwareDatetime | None,
    Query(alias="from", description="Window start (incidents detected from); default to − 90 days"),
]
To = Annotated[AwareDatetime | None, Query(alias="to", description="Window end; default now")]


@router.get("/metrics", response_model_by_alias=True)
def metrics(
    db: DbDep,
    policies: PoliciesDep,
    _: Viewer,
    since: From = None,
    until: To = None,
    group_by: GroupBy = "none",
    period: PeriodName = "month",
) -> MetricsReport:
    """MTTD, MTTA, MTTM, MTTR (mean, p50, p90 in seconds), frequency, severity mix, deadline
    compliance, on-call load and alert noise of the incidents detected in the window."""
    window = service.window_of(since, until, group_by, period)
    return service.report(db, window=window, policies=policies)


@router.get("/metrics.csv", response_class=Response)
def metrics_csv(
    db: DbDep,
    policies: PoliciesDep,
    _: Viewer,
    since: From = None,
    until: To = None,
    group_by: GroupBy = "none",
    period: PeriodName = "month",
) -> Response:
    """The report's groups as CSV (``text/csv``), one line per group and one for all."""
    window = service.window_of(since, until, group_by, period)
    found = service.report(db, window=window, policies=policies)
    return Response(
        csvfile.render(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tocsin-metrics.csv"'},
    )
