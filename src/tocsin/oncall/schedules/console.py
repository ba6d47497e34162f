"""What the schedule pages need besides the use cases: the API's ``ScheduleIn`` from a form
(and a schedule back into the form's values), and the layered timeline as positioned bars.

Layer fields are ``layers-N-name``, ``-kind``, ``-length``, ``-start`` and ``-end`` (local
times in the schedule's zone), ``-people`` (handles in rotation order, comma separated) and
``-restrictions``, one window a line as the API models it: ``daily HH:MM MINUTES`` or
``weekly WEEKDAY HH:MM MINUTES`` (weekday 0–6 from Monday, or Mon–Sun).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.datastructures import FormData

from tocsin.errors import InvalidInput
from tocsin.oncall.schedules.schemas import (
    LayerOut,
    ScheduleIn,
    ScheduleOut,
    ShiftOut,
    TimelineOut,
    WeeklyWindow,
    Window,
)
from tocsin.page_forms import in_zone, local_input, or_none, text

MAX_LAYERS = 20  # ScheduleIn's bound
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _window(line: str, field: str) -> dict[str, Any]:
    parts = line.split()
    kind = parts[0].lower() if parts else ""
    if kind == "daily" and len(parts) == 3:
        return {"kind": "daily", "start_time": parts[1], "duration_minutes": parts[2]}
    if kind == "weekly" and len(parts) == 4:
        day = parts[1].lower()[:3]
        weekday = WEEKDAYS.index(day) if day in WEEKDAYS else parts[1]
        return {
            "kind": "weekly",
            "weekday": weekday,
            "start_time": parts[2],
            "duration_minutes": parts[3],
        }
    raise InvalidInput(
        f"{field}: {line!r} is not 'daily HH:MM MINUTES' or 'weekly WEEKDAY HH:MM MINUTES'",
        field=field,
    )


def _participants(value: str, handles: Mapping[str, int], field: str) -> list[int]:
    ids = []
    for handle in (h.strip().lstrip("@") for h in value.split(",")):
        if not handle:
            continue
        if handle not in handles:
            raise InvalidInput(f"{field}: no person with handle {handle!r}", field=field)
        ids.append(handles[handle])
    return ids


def schedule_body(form: FormData, handles: Mapping[str, int]) -> ScheduleIn:
    """The API's body from the form; a layer without people is left out."""
    zone = text(form, "time_zone")
    layers: list[dict[str, Any]] = []
    for index in range(MAX_LAYERS + 1):
        here = f"layers-{index}"
        people = text(form, f"{here}-people")
        if not people:
            continue
        place = f"layers.{len(layers)}"
        restrictions = [
            _window(line.strip(), f"{place}.restrictions")
            for line in text(form, f"{here}-restrictions").splitlines()
            if line.strip()
        ]
        layers.append(
            {
                "name": text(form, f"{here}-name"),
                "kind": text(form, f"{here}-kind"),
                "length": text(form, f"{here}-length"),
                "start": in_zone(text(form, f"{here}-start"), zone),
                "end": in_zone(text(form, f"{here}-end"), zone),
                "participants": _participants(people, handles, f"{place}.participants"),
                "restrictions": restrictions,
            }
        )
    body = {
        "name": text(form, "name"),
        "description": text(form, "description"),
        "time_zone": zone,
        "team_id": or_none(text(form, "team_id")),
        "layers": layers,
    }
    return ScheduleIn.model_validate(body)


def window_line(window: Window) -> str:
    start = window.start_time.strftime("%H:%M")
    if isinstance(window, WeeklyWindow):
        return f"weekly {WEEKDAYS[window.weekday].title()} {start} {window.duration_minutes}"
    return f"daily {start} {window.duration_minutes}"


@dataclass(frozen=True)
class LayerFields:
    """One layer's values as the form shows them."""

    name: str
    kind: str
    length: int
    start: str
    end: str
    people: str
    restrictions: str


def layer_fields(layer: LayerOut | None, zone: str) -> LayerFields:
    if layer is None:
        return LayerFields("", "weekly", 1, "", "", "", "")
    return LayerFields(
        name=layer.name,
        kind=layer.kind.value,
        length=layer.length,
        start=local_input(layer.start, zone),
        end=local_input(layer.end, zone),
        people=", ".join(p.handle for p in layer.participants),
        restrictions="\n".join(window_line(w) for w in layer.restrictions),
    )


def form_layers(schedule: ScheduleOut | None) -> list[LayerFields]:
    """The schedule's layers and one empty layer to add."""
    if schedule is None:
        return [layer_fields(None, "UTC")]
    shown = [layer_fields(layer, schedule.time_zone) for layer in schedule.layers]
    return [*shown, layer_fields(None, schedule.time_zone)] if len(shown) < MAX_LAYERS else shown


# ---------------------------------------------------------------- the timeline


@dataclass(frozen=True)
class Bar:
    shift: ShiftOut
    left: float
    width: float


@dataclass(frozen=True)
class Row:
    label: str
    bars: list[Bar]
    final: bool = False


def _bars(shifts: Sequence[ShiftOut], since: datetime, until: datetime) -> list[Bar]:
    span = (until - since).total_seconds()
    bars = []
    for shift in shifts:
        start, end = max(shift.start, since), min(shift.end, until)
        left = (start - since).total_seconds() / span * 100
        width = (end - start).total_seconds() / span * 100
        bars.append(Bar(shift=shift, left=round(left, 3), width=round(width, 3)))
    return bars


def rows(timeline: TimelineOut) -> list[Row]:
    """One row per layer, bottom layer first, then the final "who is on call" row."""
    since, until = timeline.since, timeline.until
    layered = [
        Row(label=layer.name or f"Layer {layer.position}", bars=_bars(layer.shifts, since, until))
        for layer in timeline.layers
    ]
    final = Row(label="On call", bars=_bars(timeline.final, since, until), final=True)
    return [*layered, final]
