"""JSON routes for people, their contact methods and notification rules.

A person's iCalendar feed takes a signed link instead of a token, because calendar apps
cannot send headers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tocsin import clock
from tocsin.access.api import Responder, Viewer
from tocsin.config import Settings
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import Conflict, Forbidden, answers
from tocsin.fields import Id
from tocsin.oncall.people import contacts, service
from tocsin.oncall.people.schemas import (
    ContactMethodCreate,
    ContactMethodCreated,
    ContactMethodOut,
    NotificationRuleCreate,
    NotificationRuleOut,
    PersonCreate,
    PersonOut,
    PersonPatch,
    PlannedContactOut,
)
from tocsin.oncall.schedules import calendar
from tocsin.oncall.schedules.api import CalendarFeed

router = APIRouter()  # the feature's router (tocsin.oncall.api) adds the prefix and the tag
Signature = Annotated[str, Query(max_length=100, description="From the calendar_url.")]


def _linked(person: PersonOut, settings: Settings) -> PersonOut:
    return person.model_copy(
        update={"calendar_url": calendar.calendar_url(settings, "person", person.id)}
    )


@router.post("/people", status_code=201, responses=answers(Conflict))
def create_person(body: PersonCreate, db: DbDep, settings: SettingsDep, _: Responder) -> PersonOut:
    return _linked(service.create_person(db, body=body), settings)


@router.get("/people")
def list_people(db: DbDep, settings: SettingsDep, _: Viewer) -> list[PersonOut]:
    return [_linked(p, settings) for p in service.list_people(db)]


@router.get("/people/{person_id}")
def get_person(person_id: Id, db: DbDep, settings: SettingsDep, _: Viewer) -> PersonOut:
    return _linked(service.get_person(db, person_id=person_id), settings)


@router.patch("/people/{person_id}", responses=answers(Conflict))
def edit_person(
    person_id: Id, body: PersonPatch, db: DbDep, settings: SettingsDep, _: Responder
) -> PersonOut:
    return _linked(service.edit_person(db, person_id=person_id, patch=body), settings)


@router.delete("/people/{person_id}", status_code=204, responses=answers(Conflict))
def delete_person(person_id: Id, db: DbDep, _: Responder) -> None:
    """Refused (409) while a rotation, a future override or an escalation policy names them."""
    service.delete_person(db, person_id=person_id)


@router.get(
    "/people/{person_id}/calendar.ics", response_class=CalendarFeed, responses=answers(Forbidden)
)
def person_calendar(
    person_id: Id, db: DbDep, settings: SettingsDep, sig: Signature = ""
) -> CalendarFeed:
    """The person's shifts for the next 60 days, for calendar apps (no token: a signed link)."""
    calendar.check_signature(settings.secret_box, "person", person_id, sig)
    body = calendar.person_feed(db, person_id=person_id, now=clock.now())
    return CalendarFeed(content=body)


@router.post("/people/{person_id}/contact-methods", status_code=201)
def create_contact_method(
    person_id: Id, body: ContactMethodCreate, db: DbDep, settings: SettingsDep, _: Responder
) -> ContactMethodCreated:
    """Webhooks get a signing secret, returned in this response only."""
    return contacts.create_contact_method(
        db,
        person_id=person_id,
        body=body,
        box=settings.secret_box,
        outbound_allow=settings.outbound_allow,
    )


@router.get("/people/{person_id}/contact-methods")
def list_contact_methods(person_id: Id, db: DbDep, _: Viewer) -> list[ContactMethodOut]:
    return contacts.list_contact_methods(db, person_id=person_id)


@router.delete("/people/{person_id}/contact-methods/{contact_method_id}", status_code=204)
def delete_contact_method(person_id: Id, contact_method_id: Id, db: DbDep, _: Responder) -> None:
    contacts.delete_contact_method(db, person_id=person_id, contact_method_id=contact_method_id)


@router.post("/people/{person_id}/notification-rules", status_code=201, responses=answers(Conflict))
def create_rule(
    person_id: Id, body: NotificationRuleCreate, db: DbDep, _: Responder
) -> NotificationRuleOut:
    return contacts.create_rule(db, person_id=person_id, body=body)


@router.get("/people/{person_id}/notification-rules")
def list_rules(person_id: Id, db: DbDep, _: Viewer) -> list[NotificationRuleOut]:
    """The stored rules; with none, the plan is every contact method at once."""
    return contacts.list_rules(db, person_id=person_id)


@router.delete("/people/{person_id}/notification-rules/{rule_id}", status_code=204)
def delete_rule(person_id: Id, rule_id: Id, db: DbDep, _: Responder) -> None:
    contacts.delete_rule(db, person_id=person_id, rule_id=rule_id)


@router.get("/people/{person_id}/notification-plan")
def notification_plan(person_id: Id, db: DbDep, _: Viewer) -> list[PlannedContactOut]:
    """How a page would reach this person: their rules, or every contact method at once."""
    return contacts.notification_plan(db, person_id=person_id)
