"""The on-call page: each schedule with who is on call now and the next 7 days of shifts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tocsin import clock
from tocsin.access.pages import PagePrincipal
from tocsin.core.schedule import load_zone
from tocsin.deps import DbDep
from tocsin.oncall.schedules import service
from tocsin.oncall.schedules.schemas import OnCallOut, ScheduleOut, ShiftOut
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class LocalShift:
    start: str
    end: str
    person: str
    handle: str


@dataclass(frozen=True)
class Roster:
    schedule: ScheduleOut
    now: OnCallOut
    until: str | None
    shifts: list[LocalShift]


def _local(value: datetime, zone_name: str) -> str:
    return value.astimezone(load_zone(zone_name)).strftime("%a %d %b %H:%M %Z")


def _shift(shift: ShiftOut, zone: str) -> LocalShift:
    return LocalShift(
        start=_local(shift.start, zone),
        end=_local(shift.end, zone),
        person=shift.person.name,
        handle=shift.person.handle,
    )


@router.get("/oncall", response_class=HTMLResponse)
def oncall_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    now = clock.now()
    current = {c.schedule_id: c for c in service.on_call_everywhere(db, at=now)}
    rosters = []
    for schedule in service.list_schedules(db):
        if schedule.id not in current:
            continue  # created between the two reads
        week = service.shifts(
            db, schedule_id=schedule.id, since=now, until=now + service.DEFAULT_SPAN
        )
        on_call = current[schedule.id]
        until = _local(on_call.until, schedule.time_zone) if on_call.until else None
        shifts = [_shift(s, schedule.time_zone) for s in week.shifts]
        rosters.append(Roster(schedule=schedule, now=on_call, until=until, shifts=shifts))
    context = {"principal": principal, "rosters": rosters, "now": now}
    return templates.TemplateResponse(request, "oncall_list.html", context)
