"""The metrics report: one row per group, the whole window, on-call load and alert noise."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tocsin.alerts.schemas import NoiseRow

GroupBy = Literal["none", "severity", "service", "team", "period"]
PeriodName = Literal["week", "month", "quarter"]


class MeasureOut(BaseModel):
    """Seconds, rounded to 0.1 s; null when no incident of the group has both ends."""

    count: int = Field(description="Incidents with both ends recorded.")
    pending: int = Field(description="Incidents of the group without one of the ends (yet).")
    mean: float | None
    p50: float | None = Field(description="Nearest rank: the value at rank ceil(0.5·count).")
    p90: float | None = Field(description="Nearest rank: the value at rank ceil(0.9·count).")


class ComplianceOut(BaseModel):
    met: int
    missed: int
    pending: int
    share: float | None = Field(description="met / (met + missed), rounded to 4 places.")


class GroupOut(BaseModel):
    key: str | None = Field(description="Severity, service, team or period start; null: none.")
    label: str
    incidents: int
    open: int = Field(description="Not resolved (yet).")
    severity_counts: dict[str, int]
    mttd: MeasureOut
    mtta: MeasureOut
    mttm: MeasureOut
    mttr: MeasureOut
    update_cadence: ComplianceOut
    public_ack: ComplianceOut


class PersonLoadOut(BaseModel):
    person_id: int
    name: str
    time_zone: str
    shifts: int
    on_call_hours: float
    pages: int
    pages_in_shifts: int
    night_pages: int
    most_pages_in_a_shift: int
    pages_per_shift: float | None
    share_of_pages: float | None
    share_of_on_call_hours: float | None


class ItemCompletionOut(BaseModel):
    """Action items created in one quarter (UTC) of the window."""

    quarter: str
    total: int
    done: int
    wont_do: int
    done_on_time: int
    rate: float | None


class MetricsReport(BaseModel):
    since: datetime = Field(serialization_alias="from")
    until: datetime = Field(serialization_alias="to")
    group_by: GroupBy
    period: PeriodName
    generated_at: datetime
    percentile_method: Literal["nearest-rank"] = "nearest-rank"
    total: GroupOut = Field(description="The whole window, ungrouped.")
    groups: list[GroupOut]
    frequency_per_week: float
    recurrences: int = Field(
        description="Incidents opened in the window for which a similar past incident was found."
    )
    recurrence_rate: float | None = Field(description="recurrences / incidents; null for none.")
    severity_mix: dict[str, float]
    oncall_load: list[PersonLoadOut]
    alert_noise: list[NoiseRow]
    action_items: list[ItemCompletionOut] = Field(
        description="Per quarter of creation: done / (all - won't do), and done by the due date."
    )


def rows_with_total(report: MetricsReport) -> list[GroupOut]:
    """The groups, then the whole window as ``all`` (the dashboard's and the CSV's lines)."""
    total = report.total.model_copy(update={"label": "all", "key": "all"})
    if report.group_by == "none":
        return [total] if report.total.incidents else []
    return [*report.groups, total]
