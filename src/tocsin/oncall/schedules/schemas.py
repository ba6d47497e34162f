"""Request and response bodies of schedules, overrides and the on-call questions."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from tocsin.core.schedule import RotationKind
from tocsin.fields import Id, Strict
from tocsin.oncall.people.schemas import Description, Name, PersonBrief, TimeZone


def _local(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("must be a local time without an offset, e.g. 09:00")
    return value


LocalTime = Annotated[time, AfterValidator(_local), Field(description="Local time, e.g. 09:00.")]


class DailyWindow(Strict):
    kind: Literal["daily"]
    start_time: LocalTime
    duration_minutes: int = Field(ge=1, le=1440)


class WeeklyWindow(Strict):
    kind: Literal["weekly"]
    weekday: int = Field(ge=0, le=6, description="0 is Monday.")
    start_time: LocalTime
    duration_minutes: int = Field(ge=1, le=7 * 1440)


Window = Annotated[DailyWindow | WeeklyWindow, Field(discriminator="kind")]


class LayerIn(Strict):
    position: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description="Higher layers sit on top. Defaults to the layer's place in the list.",
    )
    name: Annotated[str, Field(max_length=200)] = ""
    kind: RotationKind = Field(description="daily, weekly, days (N days) or hours.")
    length: int = Field(ge=1, le=10_000, description="Shift length in units of the kind.")
    start: AwareDatetime = Field(
        description="First hand-off; later ones happen at its local time in the schedule zone."
    )
    participants: list[Id] = Field(min_length=1, max_length=100, description="Person ids.")
    restrictions: list[Window] = Field(
        default_factory=list,
        max_length=50,
        description="Windows where this layer covers; outside them the layer below shows.",
    )
    end: AwareDatetime | None = None


class ScheduleIn(Strict):
    name: Name
    description: Description = ""
    time_zone: TimeZone
    team_id: Id | None = None
    layers: list[LayerIn] = Field(default_factory=list, max_length=20)


class LayerOut(BaseModel):
    position: int
    name: str
    kind: RotationKind
    length: int
    start: datetime
    end: datetime | None
    participants: list[PersonBrief]
    restrictions: list[Window]


class ScheduleOut(BaseModel):
    id: int
    name: str
    description: str
    time_zone: str
    team_id: int | None
    layers: list[LayerOut]
    created_at: datetime
    updated_at: datetime
    calendar_url: str | None = Field(
        default=None, description="iCalendar feed of this schedule; keep it private."
    )


class OverrideCreate(Strict):
    person_id: Id
    start: AwareDatetime
    end: AwareDatetime


class OverrideOut(BaseModel):
    id: int
    schedule_id: int
    person: PersonBrief
    start: datetime
    end: datetime
    created_at: datetime
    created_by: str


class OnCallOut(BaseModel):
    schedule_id: int
    schedule_name: str
    time_zone: str
    at: datetime
    person: PersonBrief | None = Field(description="null when nobody is on call.")
    until: datetime | None = Field(
        description="When this person's shift ends (null if nobody, or beyond 14 days)."
    )


class ShiftOut(BaseModel):
    start: datetime
    end: datetime
    person: PersonBrief


class ShiftsOut(BaseModel):
    schedule_id: int
    time_zone: str
    since: datetime
    until: datetime
    shifts: list[ShiftOut]


class LayerShiftsOut(BaseModel):
    position: int
    name: str
    shifts: list[ShiftOut]


class TimelineOut(BaseModel):
    """Each layer's own shifts (restrictions applied, overrides not) and the final shifts."""

    schedule_id: int
    time_zone: str
    since: datetime
    until: datetime
    layers: list[LayerShiftsOut]
    final: list[ShiftOut]
