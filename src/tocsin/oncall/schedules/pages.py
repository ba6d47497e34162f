"""The on-call page (each schedule with who is on call now and the next 7 days of shifts),
and the schedule pages: the list, the form of a schedule's layers, one schedule's layered
timeline with its overrides, and "Take this shift". Changes go through the API's use cases
with the API's bodies (``ScheduleIn``, ``OverrideCreate``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tocsin import clock
from tocsin.access.api import check_role
from tocsin.access.pages import PagePrincipal
from tocsin.access.service import Principal
from tocsin.core.roles import AccessRole
from tocsin.core.schedule import RotationKind, load_zone
from tocsin.db import Database
from tocsin.deps import DbDep
from tocsin.errors import InvalidInput
from tocsin.fields import Id
from tocsin.oncall.people import service as people_service
from tocsin.oncall.schedules import console, service
from tocsin.oncall.schedules.schemas import OnCallOut, OverrideCreate, ScheduleOut, ShiftOut
from tocsin.oncall.teams import access
from tocsin.oncall.teams import service as teams_service
from tocsin.page_forms import Form, attempt, back, in_zone, text
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


# ---------------------------------------------------------------- schedule pages

SPANS = (7, 14)
NOT_LINKED = "your user is not linked to an on-call person; an admin links it on the Users page"


def may_override(principal: Principal) -> bool:
    """Overrides and "Take this shift": the API's role for them (a responder)."""
    return principal.role.allows(AccessRole.RESPONDER)


def _responder(principal: Principal) -> None:
    """The role every changing route of the API asks first (a viewer is refused before
    the form is read); schedules also need the right on their team (``require_change``)."""
    check_role(principal, AccessRole.RESPONDER)


def _page(
    request: Request, db: Database, principal: Principal, name: str, **values: Any
) -> Response:
    """A page; its forms show as the API would allow: ``rights`` (per schedule, its team)
    and ``can_override``."""
    context = {
        "principal": principal,
        "rights": access.rights(db, principal),
        "can_override": may_override(principal),
        "error": request.query_params.get("error"),
        "notice": request.query_params.get("notice", "")[:200],
        **values,
    }
    return templates.TemplateResponse(request, name, context)


def _handles(db: Database) -> dict[str, int]:
    return {p.handle: p.id for p in people_service.list_people(db)}


def _form_page(
    request: Request, db: Database, principal: Principal, schedule: ScheduleOut | None
) -> Response:
    return _page(
        request,
        db,
        principal,
        "schedules_form.html",
        schedule=schedule,
        layers=console.form_layers(schedule),
        kinds=[k.value for k in RotationKind],
        teams=access.rights(db, principal).teams(teams_service.list_teams(db)),
        people=people_service.list_people(db),
    )


@router.get("/schedules", response_class=HTMLResponse)
def schedules_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    current = {c.schedule_id: c for c in service.on_call_everywhere(db, at=clock.now())}
    schedules = service.list_schedules(db)
    return _page(request, db, principal, "schedules_list.html", schedules=schedules, now=current)


@router.get("/schedules/new", response_class=HTMLResponse)
def new_schedule_page(request: Request, db: DbDep, principal: PagePrincipal) -> Response:
    if not access.rights(db, principal).any:
        access.require_change(db, principal, None)
    return _form_page(request, db, principal, None)


@router.post("/schedules")
def create_schedule_from_form(db: DbDep, principal: PagePrincipal, form: Form) -> Response:
    _responder(principal)
    access.require_new(db, principal, text(form, "team_id"))

    def create() -> ScheduleOut:  # its team is the one require_new checked
        body = console.schedule_body(form, _handles(db))
        return service.create_schedule(db, body=body)

    return attempt(
        "/schedules/new", create, notice="Schedule created.", then=lambda s: f"/schedules/{s.id}"
    )


def _window(schedule: ScheduleOut, start: str, days: int) -> tuple[datetime, datetime]:
    """From local midnight of ``start`` (YYYY-MM-DD) in the schedule's zone, else from now."""
    if not start:
        since = clock.now()
    else:
        try:
            day = date.fromisoformat(start)
        except ValueError:
            problem = f"from: {start!r} is not a date (YYYY-MM-DD)"
            raise InvalidInput(problem, field="from") from None
        local = in_zone(day.isoformat() + "T00:00", schedule.time_zone)
        assert isinstance(local, datetime)
        since = local
    return since, since + timedelta(days=days if days in SPANS else SPANS[0])


@router.get("/schedules/{schedule_id}", response_class=HTMLResponse)
def schedule_page(
    request: Request,
    schedule_id: Id,
    db: DbDep,
    principal: PagePrincipal,
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    days: Annotated[int, Query(ge=1, le=60)] = SPANS[0],
) -> Response:
    schedule = service.get_schedule(db, schedule_id=schedule_id)
    since, until = _window(schedule, start, days)
    timeline = service.timeline(db, schedule_id=schedule_id, since=since, until=until)
    return _page(
        request,
        db,
        principal,
        "schedules_detail.html",
        schedule=schedule,
        timeline=timeline,
        rows=console.rows(timeline),
        days=(until - since).days,
        start=start,
        spans=SPANS,
        overrides=service.list_overrides(db, schedule_id=schedule_id),
        people=people_service.list_people(db),
        not_linked=NOT_LINKED if principal.person_id is None else None,
    )


@router.get("/schedules/{schedule_id}/edit", response_class=HTMLResponse)
def edit_schedule_page(
    request: Request, schedule_id: Id, db: DbDep, principal: PagePrincipal
) -> Response:
    schedule = service.get_schedule(db, schedule_id=schedule_id)
    access.require_change(db, principal, schedule.team_id)
    return _form_page(request, db, principal, schedule)


@router.post("/schedules/{schedule_id}")
def replace_schedule_from_form(
    schedule_id: Id, db: DbDep, principal: PagePrincipal, form: Form
) -> Response:
    _responder(principal)
    old_team = service.schedule_team(db, schedule_id=schedule_id)
    access.require_change(db, principal, old_team)

    def replace() -> None:
        body = console.schedule_body(form, _handles(db))
        access.require_change(db, principal, old_team, body.team_id)
        service.replace_schedule(db, schedule_id=schedule_id, body=body)

    at = f"/schedules/{schedule_id}"
    return attempt(f"{at}/edit", replace, notice="Saved.", then=at)


@router.post("/schedules/{schedule_id}/delete")
def delete_schedule_from_form(schedule_id: Id, db: DbDep, principal: PagePrincipal) -> Response:
    _responder(principal)
    access.require_change(db, principal, service.schedule_team(db, schedule_id=schedule_id))
    return attempt(
        f"/schedules/{schedule_id}",
        lambda: service.delete_schedule(db, schedule_id=schedule_id),
        notice="Schedule deleted.",
        then="/schedules",
    )


def _override(
    db: Database, schedule_id: int, principal: Principal, person: object, start: str, end: str
) -> None:
    zone = service.get_schedule(db, schedule_id=schedule_id).time_zone
    body = {"person_id": person, "start": in_zone(start, zone), "end": in_zone(end, zone)}
    service.create_override(
        db,
        schedule_id=schedule_id,
        body=OverrideCreate.model_validate(body),
        actor=principal.actor,
    )


@router.post("/schedules/{schedule_id}/overrides")
def override_from_form(
    schedule_id: Id, db: DbDep, principal: PagePrincipal, form: Form
) -> Response:
    _responder(principal)
    person, start, end = text(form, "person_id"), text(form, "start"), text(form, "end")
    return attempt(
        f"/schedules/{schedule_id}",
        lambda: _override(db, schedule_id, principal, person, start, end),
        notice="Override added.",
    )


@router.post("/schedules/{schedule_id}/take")
def take_shift_from_form(
    schedule_id: Id, db: DbDep, principal: PagePrincipal, form: Form
) -> Response:
    """An override of the shift ``start``–``end`` for the signed-in user's own person."""
    _responder(principal)
    if principal.person_id is None:
        return back(f"/schedules/{schedule_id}", error=NOT_LINKED)
    person, start, end = principal.person_id, text(form, "start"), text(form, "end")
    return attempt(
        f"/schedules/{schedule_id}",
        lambda: _override(db, schedule_id, principal, person, start, end),
        notice="The shift is yours.",
    )


@router.post("/schedules/{schedule_id}/overrides/{override_id}/delete")
def delete_override_from_form(
    schedule_id: Id, override_id: Id, db: DbDep, principal: PagePrincipal
) -> Response:
    _responder(principal)
    return attempt(
        f"/schedules/{schedule_id}",
        lambda: service.delete_override(db, schedule_id=schedule_id, override_id=override_id),
        notice="Override deleted.",
    )
