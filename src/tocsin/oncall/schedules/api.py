"""JSON routes for schedules, overrides and the on-call questions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from tocsin import clock
from tocsin.access.api import Responder, Viewer
from tocsin.config import Settings
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import Conflict, Forbidden, answers
from tocsin.fields import Id
from tocsin.oncall.schedules import calendar, service
from tocsin.oncall.schedules.schemas import (
    OnCallOut,
    OverrideCreate,
    OverrideOut,
    ScheduleIn,
    ScheduleOut,
    ShiftsOut,
)
from tocsin.oncall.teams import access

# Tagged here and again by the feature's router (tocsin.oncall.api): the API document lists
# "on-call" twice for these routes, as it always has.
router = APIRouter(tags=["on-call"])


class CalendarFeed(Response):
    """An iCalendar body, so the API document gives the feeds their real content type."""

    media_type = "text/calendar"  # Starlette adds "; charset=utf-8"


At = Annotated[AwareDatetime | None, Query(description="ISO 8601 with offset; default now.")]


def _linked(schedule: ScheduleOut, settings: Settings) -> ScheduleOut:
    url = calendar.calendar_url(settings, "schedule", schedule.id)
    return schedule.model_copy(update={"calendar_url": url})


@router.post("/schedules", status_code=201, responses=answers(Forbidden))
def create_schedule(
    body: ScheduleIn, db: DbDep, settings: SettingsDep, principal: Responder
) -> ScheduleOut:
    """Admins, or a team admin for their own team (``team_id``)."""
    access.require_change(db, principal, body.team_id)
    return _linked(service.create_schedule(db, body=body), settings)


@router.get("/schedules")
def list_schedules(db: DbDep, settings: SettingsDep, _: Viewer) -> list[ScheduleOut]:
    return [_linked(s, settings) for s in service.list_schedules(db)]


@router.get("/schedules/{schedule_id}")
def get_schedule(schedule_id: Id, db: DbDep, settings: SettingsDep, _: Viewer) -> ScheduleOut:
    return _linked(service.get_schedule(db, schedule_id=schedule_id), settings)


@router.put("/schedules/{schedule_id}", responses=answers(Forbidden))
def replace_schedule(
    schedule_id: Id, body: ScheduleIn, db: DbDep, settings: SettingsDep, principal: Responder
) -> ScheduleOut:
    """Replace name, zone, team and all layers; overrides are kept. Moving the schedule to
    another team needs the right to change both teams' configuration."""
    old_team = service.schedule_team(db, schedule_id=schedule_id)
    access.require_change(db, principal, old_team, body.team_id)
    return _linked(service.replace_schedule(db, schedule_id=schedule_id, body=body), settings)


@router.delete("/schedules/{schedule_id}", status_code=204, responses=answers(Conflict, Forbidden))
def delete_schedule(schedule_id: Id, db: DbDep, principal: Responder) -> None:
    """Refused (409) while an escalation policy targets the schedule."""
    access.require_change(db, principal, service.schedule_team(db, schedule_id=schedule_id))
    service.delete_schedule(db, schedule_id=schedule_id)


@router.get("/schedules/{schedule_id}/on-call")
def on_call(schedule_id: Id, db: DbDep, _: Viewer, at: At = None) -> OnCallOut:
    return service.on_call(db, schedule_id=schedule_id, at=at or clock.now())


@router.get("/schedules/{schedule_id}/shifts")
def shifts(
    schedule_id: Id,
    db: DbDep,
    _: Viewer,
    since: At = None,
    until: Annotated[
        AwareDatetime | None, Query(description="Default since + 7 days; at most 60 days.")
    ] = None,
) -> ShiftsOut:
    """Final shifts (layers and overrides merged) across [since, until)."""
    since = since or clock.now()
    until = until or since + service.DEFAULT_SPAN
    return service.shifts(db, schedule_id=schedule_id, since=since, until=until)


@router.get(
    "/schedules/{schedule_id}/calendar.ics",
    response_class=CalendarFeed,
    responses=answers(Forbidden),
)
def schedule_calendar(
    schedule_id: Id,
    db: DbDep,
    settings: SettingsDep,
    sig: Annotated[str, Query(max_length=100, description="From the calendar_url.")] = "",
) -> CalendarFeed:
    """The schedule's shifts for the next 60 days, for calendar apps (no token: a signed link)."""
    calendar.check_signature(settings.secret_box, "schedule", schedule_id, sig)
    body = calendar.schedule_feed(db, schedule_id=schedule_id, now=clock.now())
    return CalendarFeed(content=body)


@router.post("/schedules/{schedule_id}/overrides", status_code=201)
def create_override(
    schedule_id: Id, body: OverrideCreate, db: DbDep, principal: Responder
) -> OverrideOut:
    return service.create_override(db, schedule_id=schedule_id, body=body, actor=principal.actor)


@router.get("/schedules/{schedule_id}/overrides")
def list_overrides(
    schedule_id: Id, db: DbDep, _: Viewer, include_past: bool = False
) -> list[OverrideOut]:
    return service.list_overrides(db, schedule_id=schedule_id, include_past=include_past)


@router.delete("/schedules/{schedule_id}/overrides/{override_id}", status_code=204)
def delete_override(schedule_id: Id, override_id: Id, db: DbDep, _: Responder) -> None:
    service.delete_override(db, schedule_id=schedule_id, override_id=override_id)


@router.get("/oncall")
def on_call_everywhere(db: DbDep, _: Viewer, at: At = None) -> list[OnCallOut]:
    """Every schedule's on-call person at ``at`` (default now)."""
    return service.on_call_everywhere(db, at=at or clock.now())
