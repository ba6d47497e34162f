"""iCalendar feeds of shifts, per schedule and per person.

Calendar apps cannot send an Authorization header, so a feed URL carries a signature of
``calendar:<kind>:<id>`` made with the server's secret key instead of a token. Each shift is
one VEVENT whose UID depends only on the schedule, the person and the shift's real start
(the shift under way keeps the start it had, however long ago), so a calendar app updates
an event in place when the shift's end moves.

Names are stored text: each one is made a single line (a CR/LF or other control character
becomes a space) and every text value goes in as ``vText``, which escapes ``\\ ; ,`` and
newlines, so no name can end a content line or start a component.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from icalendar import Calendar, Event, vText
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tocsin import __version__
from tocsin.config import Settings
from tocsin.crypto import SecretBox
from tocsin.db import Database
from tocsin.errors import Forbidden
from tocsin.notify.render import one_line
from tocsin.oncall.people.tables import Person
from tocsin.oncall.schedules import rosters, tables
from tocsin.oncall.schedules.schemas import ShiftOut
from tocsin.oncall.schedules.service import shifts_in
from tocsin.storage import get_or_404

FeedKind = Literal["schedule", "person"]
AHEAD = timedelta(days=60)
_LONGEST_TEXT = 1000
_PLURAL = {"schedule": "schedules", "person": "people"}


def calendar_url(settings: Settings, kind: FeedKind, object_id: int) -> str:
    signature = settings.secret_box.sign(f"calendar:{kind}:{object_id}")
    return f"{settings.base_url}/api/v1/{_PLURAL[kind]}/{object_id}/calendar.ics?sig={signature}"


def check_signature(box: SecretBox, kind: FeedKind, object_id: int, signature: str) -> None:
    if not signature or not box.verify(f"calendar:{kind}:{object_id}", signature):
        raise Forbidden("this calendar link is not valid; copy it again from Tocsin", field="sig")


def _text(value: str) -> vText:
    return vText(one_line(value, _LONGEST_TEXT))


def _event(schedule: tables.Schedule, shift: ShiftOut, summary: str, now: datetime) -> Event:
    event = Event()
    stamp = shift.start.strftime("%Y%m%dT%H%M%SZ")
    event.add("uid", f"shift-{schedule.id}-{shift.person.id}-{stamp}@tocsin")
    event.add("dtstamp", now)
    event.add("dtstart", shift.start)
    event.add("dtend", shift.end)
    event.add("summary", _text(summary))
    event.add("description", _text(f"Schedule {schedule.name} ({schedule.time_zone})"))
    return event


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//Tocsin//{__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _text(name))  # an X- property: escaped only as vText
    return calendar


def _upcoming(session: Session, schedule: tables.Schedule, now: datetime) -> list[ShiftOut]:
    """The shift under way (with its real start) and those of the next ``AHEAD``."""
    found = shifts_in(session, schedule, now, now + AHEAD)
    if found and found[0].start == now:
        began = rosters.run_start(session, schedule, now, str(found[0].person.id))
        found[0] = found[0].model_copy(update={"start": began})
    return found


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
        person = get_or_404(session, Person, person_id, "person")
        in_layer = (
            select(tables.Layer.schedule_id)
            .join(tables.LayerParticipant)
            .where(tables.LayerParticipant.person_id == person_id)
        )
        overriding = select(tables.Override.schedule_id).where(
            tables.Override.person_id == person_id, tables.Override.end > now
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
