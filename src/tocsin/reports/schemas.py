"""Request and response bodies of customer reports (``/api/v1/reports``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from tocsin.fields import Id, Strict
from tocsin.incidents.schemas import ServiceName, ShortText
from tocsin.statuspage.tables import DEFAULT_PAGE_ID

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=320,
        pattern=r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$",
    ),
]
ReportText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Source = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^\S.*$")
]


class ReportState(StrEnum):
    TRIAGE = "triage"  # waiting for a person
    ATTACHED = "attached"  # to an incident
    MERGED = "merged"  # a duplicate of another report
    DISMISSED = "dismissed"


class ReportCreate(Strict):
    name: ShortText = Field(description="Who reports it.")
    contact: Email = Field(description="Their e-mail address: told once the incident resolves.")
    text: ReportText = Field(description="What they see.")
    started_at: AwareDatetime | None = Field(
        default=None, description="When it started for them (default: now)."
    )
    component_id: Id | None = Field(default=None, description="A status page component.")
    service: ServiceName | None = Field(default=None, description="Or a service, by name.")
    page_id: Id = Field(default=DEFAULT_PAGE_ID, description="The status page it is about.")
    source: Source = Field(
        default="api", description="Where it came from: the support tool's name, say."
    )


class AttachBody(Strict):
    incident_id: Id


class MergeBody(Strict):
    into_report_id: Id = Field(description="The report this one duplicates.")


class DismissBody(Strict):
    reason: ReportText


class ReportOut(BaseModel):
    id: int
    page_id: int
    name: str
    contact: str
    text: str
    started_at: datetime
    component_id: int | None
    service: str | None
    source: str
    state: ReportState
    incident_id: int | None
    merged_into_id: int | None
    reason: str | None = Field(description="Why it was attached, or why it was dismissed.")
    decided_by: str | None
    created_at: datetime
    updated_at: datetime


class IncidentReports(BaseModel):
    incident_id: int
    affected_customers: int = Field(description="Distinct contacts among its reports.")
    reports: list[ReportOut]
