"""PagerDuty's rule for shift-based (v3) schedules, written out on its own (no Tocsin code):
the recorded renderings in recorded/pagerduty/rendered/PSHIFT*.json are this model's answer,
and the tests check they still are.

An event's occurrences start at its first ``start_time`` and then on every day its RRULE
lists (DAILY: every day; WEEKLY;BYDAY: those weekdays), at the same local wall time in its
zone, each lasting exactly ``end_time - start_time`` (RFC 5545: DTEND gives an exact
duration). Occurrence i (counted from the first) belongs to member (i // shifts_per_member)
mod n. Shifts are cut to ``[effective_since, effective_until)``. Overrides and custom shifts
(one member) sit on top.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _occurrence_days(rule: str, first_day: int) -> set[int]:
    parts = dict(p.split("=", 1) for p in rule.removeprefix("RRULE:").split(";"))
    if "BYDAY" in parts:
        return {DAYS.index(d) for d in parts["BYDAY"].split(",")}
    return set(range(7)) if parts["FREQ"] == "DAILY" else {first_day}


def event_shifts(
    event: Mapping[str, Any], until: datetime
) -> Iterator[tuple[datetime, datetime, str]]:
    zone = ZoneInfo(event["start_time"]["time_zone"])
    first = _at(event["start_time"]["date_time"])
    length = _at(event["end_time"]["date_time"]) - first
    local = first.astimezone(zone).replace(tzinfo=None)
    days = _occurrence_days(event["recurrence"][0], local.weekday())
    strategy = event["assignment_strategy"]
    members = [m["user_id"] for m in strategy["members"]]
    per = strategy.get("shifts_per_member") or 1
    since = max(_at(event["effective_since"]), first)
    ends = _at(event["effective_until"]) if event.get("effective_until") else until
    index, day = 0, local
    while True:
        if day.weekday() in days:
            start = day.replace(tzinfo=zone).astimezone(UTC)
            if start >= min(ends, until):
                return
            end = start + length
            cut_start, cut_end = max(start, since), min(end, ends)
            if cut_start < cut_end:
                yield cut_start, cut_end, members[index // per % len(members)]
            index += 1
        day += timedelta(days=1)


def rendering(
    schedule: Mapping[str, Any], on_top: list[Mapping[str, Any]], since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """``final_schedule.computed_shift_assignments`` for ``[since, until)``, in UTC."""
    base = [
        shift
        for rotation in schedule["rotations"]
        for event in rotation["events"]
        for shift in event_shifts(event, until)
    ]
    tops = []
    for raw in on_top:
        member = raw.get("overriding_member") or raw["assignments"][0]["member"]
        tops.append((_at(raw["start_time"]), _at(raw["end_time"]), member["user_id"]))
    cuts = sorted({since, until} | {t for s in base + tops for t in s[:2] if since < t < until})
    entries: list[dict[str, Any]] = []
    for here, following in itertools.pairwise(cuts):
        who = next((u for s, e, u in tops if s <= here < e), None)
        who = who or next((u for s, e, u in base if s <= here < e), None)
        if who is None:
            continue
        last = entries[-1] if entries else None
        if last and last["member"]["user_id"] == who and last["end_time"] == _z(here):
            last["end_time"] = _z(following)
        else:
            entries.append(
                {
                    "type": "computed_shift_assignment",
                    "start_time": _z(here),
                    "end_time": _z(following),
                    "member": {"type": "user_member", "user_id": who},
                    "source": {"type": "schedule_rotation"},
                }
            )
    return entries


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rendered_body(
    schedule: Mapping[str, Any], on_top: list[Mapping[str, Any]], since: datetime, until: datetime
) -> dict[str, Any]:
    """The answer of GET /v3/schedules/{id}?include[]=final_schedule&since&until."""
    return {
        "schedule": {
            "id": schedule["id"],
            "type": "schedule_v3",
            "name": schedule["name"],
            "time_zone": "UTC",
            "final_schedule": {
                "type": "final_schedule",
                "rendered_coverage_percentage": None,
                "computed_shift_assignments": rendering(schedule, on_top, since, until),
            },
        }
    }
