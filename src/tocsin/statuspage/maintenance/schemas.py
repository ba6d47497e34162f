"""Request and response bodies of ``/api/v1/statuspage/maintenances``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from tocsin.core.maintenance import MaintenanceStatus
from tocsin.fields import Id, Strict, unchanged
from tocsin.incidents.schemas import LongText, ShortText
from tocsin.statuspage.schemas import PageId
from tocsin.statuspage.tables import DEFAULT_PAGE_ID

RemindMinutes = Annotated[int, Field(ge=0, le=30 * 24 * 60, description="0: no reminder.")]
ComponentIds = Annotated[list[Id], Field(max_length=100)]


class MaintenanceCreate(Strict):
    """Announce a maintenance: its public name, window, components and first public text."""

    page_id: PageId = DEFAULT_PAGE_ID
    name: ShortText = Field(description="The public title.")
    body: LongText = Field(description="The announcement: what, why, and what users will see.")
    components: ComponentIds = Field(default_factory=list, description="Affected component ids.")
    scheduled_for: AwareDatetime
    scheduled_until: AwareDatetime
    auto_start: bool = Field(default=True, description="Start by itself at scheduled_for.")
    auto_complete: bool = Field(
        default=True, description="Complete by itself at scheduled_until (once started)."
    )
    remind_before_minutes: RemindMinutes = 60
    silence_alerts: bool = Field(
        default=False, description="While it runs, alerts of its components' services open nothing."
    )


class MaintenancePatch(Strict):
    """Only the fields sent change. Times move while scheduled; once it runs, only the end."""

    name: ShortText = unchanged()
    components: ComponentIds = unchanged()
    scheduled_for: AwareDatetime = unchanged()
    scheduled_until: AwareDatetime = unchanged()
    auto_start: bool = unchanged()
    auto_complete: bool = unchanged()
    remind_before_minutes: RemindMinutes = unchanged()
    silence_alerts: bool = unchanged()


class MaintenanceUpdateCreate(Strict):
    body: LongText
    status: MaintenanceStatus | None = Field(
        default=None, description="The new status (as start/complete would); default: unchanged."
    )


class TransitionBody(Strict):
    body: LongText | None = Field(default=None, description="The public update's text.")


class MaintenanceUpdateOut(BaseModel):
    id: int
    status: MaintenanceStatus
    body: str
    created_at: datetime
    author: str


class MaintenanceOut(BaseModel):
    id: int
    page_id: int
    name: str
    status: MaintenanceStatus
    cancelled: bool
    components: list[int]
    scheduled_for: datetime
    scheduled_until: datetime
    auto_start: bool
    auto_complete: bool
    remind_before_minutes: int
    silence_alerts: bool
    created_at: datetime
    updated_at: datetime
    reminded_at: datetime | None
    started_at: datetime | None
    verifying_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    updates: list[MaintenanceUpdateOut] = Field(description="Newest first.")
