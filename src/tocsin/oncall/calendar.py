"""iCalendar feeds of shifts, per schedule and per person.

Calendar apps cannot send an Authorization header, so a feed URL carries a signature of
``calendar:<kind>:<id>`` made with the server's secret key instead of a token. Each shift is
one VEVENT whose UID depends only on the schedule, the person and the shift's start, so a
calendar app updates an event in place when the shift's end moves.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from icalendar import Calendar, Event
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tocsin import __version__
from tocsin.config import Settings
from tocsin.crypto import SecretBox
from tocsin.db import Database
from tocsin.errors import Forbidden
from tocsin.oncall import tables
from tocsin.oncall.lookup import get_or_404
from tocsin.oncall.queries import shifts_in
from tocsin.oncall.schedule_schemas import ShiftOut

FeedKind = Literal["schedule", "person"]
AHEAD = timedelta(days=60)
# A shift under way started before now; looking back lets its event keep its real start.
BEHIND = timedelta(days=31)
_PLURAL = {"schedule": "schedules", "person": "people"}


def calendar_url(settings: Settings, kind: FeedKind, object_id: int) -> str:
    signature = settings.secret_box.sign(f"calendar:{kind}:{object_id}")
    return f"{settings.base_url}/api/v1/{_PLURAL[kind]}/{object_id}/calendar.ics?sig={signature}"


def check_signature(box: SecretBox, kind: FeedKind, object_id: int, signature: str) -> None:
    if not signature or not box.verify(f"calendar:{kind}:{object_id}", signature):
        raise Forbidden("this calendar link is not valid; copy it again from Tocsin", field="sig")


def _event(schedule: tables.Schedule, shift: ShiftOut, summary: str, now: datetime) -> Event:
    event = Event()
    stamp = shift.start.strftime("%Y%m%dT%H%M%SZ")
    event.add("uid", f"shift-{schedule.id}-{shift.person.id}-{stamp}@tocsin")
    event.add("dtstamp", now)
    event.add("dtstart", shift.start)
    event.add("dtend", shift.end)
    event.add("summary", summary)
    event.add("description", f"Schedule {schedule.name} ({schedule.time_zone})")
    return event


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//Tocsin//{__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _upcoming(session: Session, schedule: tables.Schedule, now: datetime) -> list[ShiftOut]:
    found = shifts_in(session, schedule, now - BEHIND, now + AHEAD)
    return [shift for shift in found if shift.end > now]


def schedule_feed(db: Database, *, schedule_id: int, now: datetime) -> bytes:
    with db.reading() as session:
        schedule = get_or_404(session, tables.Schedule, schedule_id, "schedule")
        calendar = _calendar(f"On call: {schedule.name}")
        for shift in _upcoming(session, schedule, now):
            summary = f"On call: {shift.person.name} ({schedule.name})"
            calendar.add_component(_event(schedule, shift, summary, now))
        feed: bytes = calendar.to_ical()
        return feed


def person_feed(db: Database, *, person_id: int, now: datetime) -> bytes:
    """The person's shifts in every schedule where a layer or an override names them."""
    with db.reading() as session:
        person = get_or_404(session, tables.Person, person_id, "person")
        in_layer = (
            select(tables.Layer.schedule_id)
            .join(tables.LayerParticipant)
            .where(tables.LayerParticipant.person_id == person_id)
        )
        overriding = select(tables.Override.schedule_id).where(
            tables.Override.person_id == person_id, tables.Override.end > now - BEHIND
        )
        schedules = session.scalars(
            select(tables.Schedule)
            .where(or_(tables.Schedule.id.in_(in_layer), tables.Schedule.id.in_(overriding)))
            .order_by(tables.Schedule.id)
        ).all()
        calendar = _calendar(f"On call: {person.name}")
        for schedule in schedules:
            for shift in _upcoming(session, schedule, now):
                if shift.person.id == person_id:
                    summary = f"On call: {schedule.name}"
                    calendar.add_component(_event(schedule, shift, summary, now))
        feed: bytes = calendar.to_ical()
        return feed
