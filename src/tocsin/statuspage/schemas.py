"""Request and response bodies of the status page's management API (``/api/v1/statuspage``).

The public, Statuspage-compatible documents are not Pydantic models: they are rendered into
bytes by :mod:`tocsin.statuspage.render`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from tocsin.core.severity import Severity
from tocsin.core.statuspage import ComponentStatus, Impact, PageVisibility, PublicStatus
from tocsin.core.uptime import Uptime
from tocsin.fields import Id, Strict, unchanged
from tocsin.incidents.schemas import LongText, ServiceName, ShortText
from tocsin.statuspage.tables import DEFAULT_PAGE_ID

Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)]
Position = Annotated[int, Field(ge=0, le=100_000)]


Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$", max_length=64)
]
WebAddress = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^https?://[^\s]+$", max_length=2000)
]
PageId = Annotated[Id, Field(description="The page it is on (default: page 1, the default page).")]


class PageLink(Strict):
    label: ShortText
    url: WebAddress


class PageCreate(Strict):
    slug: Slug = Field(description="Its address: /pages/{slug}/.")
    name: ShortText
    visibility: PageVisibility = PageVisibility.PUBLIC
    description: Description | None = None
    logo_url: WebAddress | None = None
    home_url: WebAddress | None = Field(default=None, description="The logo links here.")
    links: list[PageLink] = Field(default_factory=list, max_length=20)


class PagePatch(Strict):
    slug: Slug = unchanged()
    name: ShortText | None = unchanged(description="null: the default page's setting name.")
    visibility: PageVisibility = unchanged()
    description: Description | None = unchanged()
    logo_url: WebAddress | None = unchanged()
    home_url: WebAddress | None = unchanged()
    links: list[PageLink] = unchanged(max_length=20)


class PageOut(BaseModel):
    id: int
    slug: str
    name: str
    visibility: PageVisibility
    url: str = Field(description="Where it is served.")
    description: str | None
    logo_url: str | None
    home_url: str | None
    links: list[PageLink]
    created_at: datetime
    updated_at: datetime


class ComponentCreate(Strict):
    page_id: PageId = DEFAULT_PAGE_ID
    name: ShortText
    description: Description | None = None
    group_id: Id | None = Field(default=None, description="The group it is shown in.")
    position: Position | None = Field(default=None, description="Defaults to last.")
    services: list[ServiceName] = Field(
        default_factory=list,
        max_length=50,
        description="Open incidents on these services set the component's status (the rule).",
    )
    status: ComponentStatus | None = Field(
        default=None, description="Set by hand: overrides the rule until set to null."
    )


class ComponentPatch(Strict):
    """Only the fields sent change; ``description``, ``group_id`` and ``status`` may be null."""

    name: ShortText = unchanged()
    description: Description | None = unchanged()
    group_id: Id | None = unchanged()
    position: Position = unchanged()
    services: list[ServiceName] = unchanged(max_length=50)
    status: ComponentStatus | None = unchanged(
        description="Set by hand (overrides the rule); null goes back to the rule."
    )


class GroupCreate(Strict):
    page_id: PageId = DEFAULT_PAGE_ID
    name: ShortText
    description: Description | None = None
    position: Position | None = None


class GroupPatch(Strict):
    name: ShortText = unchanged()
    description: Description | None = unchanged()
    position: Position = unchanged()


class ComponentOut(BaseModel):
    id: int
    page_id: int
    name: str
    description: str | None
    group_id: int | None
    position: int
    services: list[str]
    status: ComponentStatus = Field(description="What the page shows.")
    computed_status: ComponentStatus = Field(description="What the open incidents say.")
    override_status: ComponentStatus | None = Field(description="What a person set, if any.")
    created_at: datetime
    updated_at: datetime


class GroupOut(BaseModel):
    id: int
    page_id: int
    name: str
    description: str | None
    position: int
    status: ComponentStatus = Field(description="The worst of its components'.")
    components: list[int]
    created_at: datetime
    updated_at: datetime


class Rule(Strict):
    """What an open incident of each severity does to its services' components."""

    rule: dict[Severity, ComponentStatus]


class PublicUpdateParts(Strict):
    """The four parts of a good public update; the text is made from them."""

    acknowledgement: LongText = Field(description="That we know: 'We are aware that …'.")
    impact: LongText = Field(description="Who is affected, and how.")
    action: LongText = Field(description="What we are doing.")
    next_update_in_minutes: int | None = Field(
        default=None, ge=1, le=1440, description="When the next update comes."
    )


class PublicIncidentCreate(Strict):
    """Publish an incident: its public title, impact and first public text (never the
    internal notes: nothing internal is copied)."""

    page_id: PageId = DEFAULT_PAGE_ID
    incident_id: Id | None = Field(default=None, description="The internal incident it tells of.")
    name: ShortText = Field(description="The public title.")
    impact: Impact | None = Field(
        default=None, description="Defaults from the internal incident's severity (else none)."
    )
    status: PublicStatus = PublicStatus.INVESTIGATING
    body: LongText | None = Field(
        default=None,
        description="The first public update's text; or send ``template`` instead.",
    )
    template: PublicUpdateParts | None = Field(
        default=None, description="The first public update in its parts (instead of ``body``)."
    )
    components: list[Id] | None = Field(
        default=None,
        max_length=100,
        description="Affected component ids; defaults to those of the incident's services.",
    )


class PublicUpdateCreate(Strict):
    status: PublicStatus
    body: LongText | None = Field(default=None, description="The text; or send ``template``.")
    template: PublicUpdateParts | None = Field(
        default=None, description="The update in its parts (instead of ``body``)."
    )


class PublicIncidentPatch(Strict):
    name: ShortText = unchanged()
    impact: Impact = unchanged()
    components: list[Id] = unchanged(max_length=100)


class PublicUpdateOut(BaseModel):
    id: int
    status: PublicStatus
    body: str
    created_at: datetime
    author: str


class PublicIncidentOut(BaseModel):
    id: int
    page_id: int
    incident_id: int | None
    name: str
    status: PublicStatus
    impact: Impact
    components: list[int]
    created_at: datetime
    updated_at: datetime
    started_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    updates: list[PublicUpdateOut]


class UptimeDayOut(BaseModel):
    day: date
    uptime: float | None = Field(description="In [0, 1]; null: no data (before it existed).")
    worst_status: ComponentStatus | None = Field(description="The worst status held that day.")
    partial_outage_minutes: float
    major_outage_minutes: float
    observed_minutes: float = Field(description="How much of the day the history covers.")
    checks_passed: int
    checks_failed: int


class UptimeOut(BaseModel):
    component_id: int
    start: date
    end: date
    percentage: float | None = Field(description="The window's uptime in percent; null: no data.")
    days: list[UptimeDayOut] = Field(description="One per UTC day, oldest first.")

    @classmethod
    def of(cls, component_id: int, found: Uptime) -> UptimeOut:
        return cls(
            component_id=component_id,
            start=found.start,
            end=found.end,
            percentage=found.percentage,
            days=[
                UptimeDayOut(
                    day=d.day,
                    uptime=d.uptime,
                    worst_status=d.worst_status,
                    partial_outage_minutes=d.partial_outage_minutes,
                    major_outage_minutes=d.major_outage_minutes,
                    observed_minutes=d.observed_minutes,
                    checks_passed=d.checks_passed,
                    checks_failed=d.checks_failed,
                )
                for d in found.days
            ],
        )
