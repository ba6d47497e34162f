"""On-call load and fairness as pure functions: pages per shift, pages at night.

A *page* is one person paged for one incident: however many contact methods and escalation
passes reached them, it counts once, at its first delivery (the moment they were reached).
A shift is one stretch on call of one person in one schedule (layers and overrides merged).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tocsin.core.metrics import is_night, share


@dataclass(frozen=True)
class Page:
    incident_id: int
    person_id: int
    at: datetime  # first delivery


@dataclass(frozen=True)
class ShiftSpan:
    schedule: str
    person_id: int
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class PersonLoad:
    person_id: int
    name: str
    time_zone: str
    shifts: int
    on_call_hours: float
    pages: int  # every page of the person in the window
    pages_in_shifts: int
    night_pages: int  # 22:00–07:00 in the person's zone
    most_pages_in_a_shift: int
    pages_per_shift: float | None  # pages during shifts / shifts
    share_of_pages: float | None  # of all pages of the window
    share_of_on_call_hours: float | None  # of all on-call hours of the window


@dataclass(frozen=True)
class Person:
    name: str
    time_zone: str


def _in(page: Page, shift: ShiftSpan) -> bool:
    return page.person_id == shift.person_id and shift.start <= page.at < shift.end


def load_report(
    pages: Sequence[Page], shifts: Sequence[ShiftSpan], people: Mapping[int, Person]
) -> list[PersonLoad]:
    """One row per person who was on call or paged, most paged first."""
    total_pages = len(pages)
    total_hours = sum(s.hours for s in shifts)
    rows = []
    for person_id in sorted({p.person_id for p in pages} | {s.person_id for s in shifts}):
        person = people.get(person_id, Person(name=f"person {person_id}", time_zone="UTC"))
        own = [p for p in pages if p.person_id == person_id]
        own_shifts = [s for s in shifts if s.person_id == person_id]
        per_shift = [sum(1 for p in own if _in(p, s)) for s in own_shifts]
        hours = sum(s.hours for s in own_shifts)
        rows.append(
            PersonLoad(
                person_id=person_id,
                name=person.name,
                time_zone=person.time_zone,
                shifts=len(own_shifts),
                on_call_hours=hours,
                pages=len(own),
                pages_in_shifts=sum(per_shift),
                night_pages=sum(1 for p in own if is_night(p.at, person.time_zone)),
                most_pages_in_a_shift=max(per_shift, default=0),
                pages_per_shift=share(sum(per_shift), len(own_shifts)),
                share_of_pages=share(len(own), total_pages),
                share_of_on_call_hours=hours / total_hours if total_hours else None,
            )
        )
    rows.sort(key=lambda r: (-r.pages, r.name))
    return rows


def first_deliveries(deliveries: Iterable[tuple[int, int, datetime]]) -> list[Page]:
    """Pages from delivered paging messages ``(incident, person, delivered at)``."""
    first: dict[tuple[int, int], datetime] = {}
    for incident_id, person_id, at in deliveries:
        key = (incident_id, person_id)
        if key not in first or at < first[key]:
            first[key] = at
    return [Page(i, p, at) for (i, p), at in sorted(first.items(), key=lambda kv: kv[1])]
