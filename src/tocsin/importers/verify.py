"""Parity proof: who is on call, from Tocsin's schedule engine and from the source's own
rendering, over the same window, and every instant where they differ.

Both sides are lists of spans naming person *keys* (the file's keys), so a difference reads
"at 2027-03-28T01:00Z Tocsin says pd-user-a, PagerDuty says pd-user-b".
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tocsin.config_as_code.document import ScheduleDoc
from tocsin.core import schedule as core


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime
    person: str  # a person key of the file


@dataclass(frozen=True)
class Difference:
    schedule: str
    start: datetime
    end: datetime
    tocsin: str | None  # None: nobody on call
    source: str | None


def core_schedule(doc: ScheduleDoc) -> core.Schedule:
    """The file's schedule as the pure engine's value, person keys as participants."""
    layers = []
    for layer in sorted(doc.layers, key=lambda each: each.position):
        rotation = core.Rotation(
            kind=layer.kind,
            length=layer.length,
            participants=tuple(layer.participants),
            start=layer.start,
        )
        restrictions = tuple(
            core.restriction_from_window(window.model_dump()) for window in layer.restrictions
        )
        layers.append(core.Layer(rotation=rotation, restrictions=restrictions, end=layer.end))
    overrides = tuple(
        core.Override(start=o.start, end=o.end, person=o.person) for o in doc.overrides or ()
    )
    return core.Schedule(time_zone=doc.time_zone, layers=tuple(layers), overrides=overrides)


def tocsin_spans(doc: ScheduleDoc, start: datetime, end: datetime) -> list[Span]:
    return [
        Span(s.start, s.end, s.person) for s in core.final_shifts(core_schedule(doc), start, end)
    ]


def _who(spans: Sequence[Span], at: datetime) -> str | None:
    for span in spans:
        if span.start <= at < span.end:
            return span.person
    return None


def differences(
    schedule: str,
    ours: Iterable[Span],
    theirs: Iterable[Span],
    start: datetime,
    end: datetime,
) -> list[Difference]:
    """Where the two renderings disagree inside ``[start, end)``; runs of one disagreement are
    merged into one difference."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    ours_list = sorted(ours, key=lambda s: s.start)
    theirs_list = sorted(theirs, key=lambda s: s.start)
    cuts = {start, end}
    for span in itertools.chain(ours_list, theirs_list):
        for moment in (span.start.astimezone(UTC), span.end.astimezone(UTC)):
            if start < moment < end:
                cuts.add(moment)
    found: list[Difference] = []
    for here, following in itertools.pairwise(sorted(cuts)):
        a, b = _who(ours_list, here), _who(theirs_list, here)
        if a == b:
            continue
        last = found[-1] if found else None
        if last and last.end == here and (last.tocsin, last.source) == (a, b):
            found[-1] = Difference(schedule, last.start, following, a, b)
        else:
            found.append(Difference(schedule, here, following, a, b))
    return found
