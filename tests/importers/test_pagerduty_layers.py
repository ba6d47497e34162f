"""Property: a converted PagerDuty layer has the person PagerDuty has at every hand-off, for
any anchor before or after the layer's start, in zones with DST changes.

The model below is PagerDuty's rule written out on its own: turn k begins at the anchor's
local wall time plus k turns of whole days (or at the anchor plus k turns of real seconds
otherwise), and holds user k mod n; the layer covers from its start.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tocsin.config_as_code.document import LayerDoc, ScheduleDoc
from tocsin.core import schedule as core
from tocsin.importers.pagerduty.schedules import convert_layer
from tocsin.importers.report import ImportReport
from tocsin.importers.verify import core_schedule

USERS = ["pa", "pb", "pc", "pd"]
TURNS = [3600 * 8, 3600 * 12, 86400, 2 * 86400, 604800, 2 * 604800]


def _model_turn_start(anchor: datetime, seconds: int, zone: ZoneInfo, k: int) -> datetime:
    if seconds % 86400:
        return anchor + timedelta(seconds=k * seconds)
    local = anchor.astimezone(zone).replace(tzinfo=None) + timedelta(days=k * seconds // 86400)
    return local.replace(tzinfo=zone).astimezone(UTC)


def _model_person(anchor: datetime, seconds: int, zone: ZoneInfo, n: int, at: datetime) -> str:
    k = int((at - anchor).total_seconds() // seconds) - 2
    while _model_turn_start(anchor, seconds, zone, k + 1) <= at:
        k += 1
    return USERS[k % n]


@settings(max_examples=100, deadline=None)
@given(
    zone_name=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney"]),
    day=st.integers(0, 400),
    hour=st.sampled_from([0, 6, 9, 12, 18, 22, 23]),
    seconds=st.sampled_from(TURNS),
    n=st.integers(1, 4),
    lead_hours=st.integers(-24 * 30, 24 * 30),
)
def test_every_hand_off_has_pagerdutys_person(
    zone_name: str, day: int, hour: int, seconds: int, n: int, lead_hours: int
) -> None:
    zone = ZoneInfo(zone_name)
    start = (datetime(2026, 1, 1, hour) + timedelta(days=day)).replace(tzinfo=zone)
    anchor_wall = start.replace(tzinfo=None) - timedelta(hours=lead_hours)
    assume(anchor_wall.hour not in (1, 2, 3))  # no wall time a DST change skips or repeats
    anchor = anchor_wall.replace(tzinfo=zone).astimezone(UTC)
    layer = {
        "name": "L",
        "start": start.isoformat(),
        "end": None,
        "rotation_virtual_start": anchor.astimezone(zone).isoformat(),
        "rotation_turn_length_seconds": seconds,
        "users": [{"user": {"id": u}} for u in USERS[:n]],
        "restrictions": [],
    }
    pieces = convert_layer(layer, zone, {u: u for u in USERS}, ImportReport(), "layer")
    doc = ScheduleDoc(
        key="s",
        name="s",
        time_zone=zone_name,
        layers=[LayerDoc(position=i + 1, **p) for i, p in enumerate(pieces)],
    )
    engine = core_schedule(doc)
    begin = start.astimezone(UTC)
    assert core.on_call_at(engine, begin - timedelta(seconds=1)) is None
    moments = [begin]
    k = int((begin - anchor).total_seconds() // seconds) - 1
    for step in range(k, k + 3 * n + 4):
        turn = _model_turn_start(anchor, seconds, zone, step)
        if turn >= begin:
            moments += [turn, turn + timedelta(seconds=seconds // 2)]
        if turn > begin:
            moments.append(turn - timedelta(seconds=1))
    for at in moments:
        assert core.on_call_at(engine, at) == _model_person(anchor, seconds, zone, n, at), at


def _layer(**changes: object) -> dict[str, object]:
    layer: dict[str, object] = {
        "name": "L",
        "start": "2026-06-01T09:00:00+02:00",
        "end": None,
        "rotation_virtual_start": "2026-06-01T09:00:00+02:00",
        "rotation_turn_length_seconds": 604800,
        "users": [{"user": {"id": "pa"}}, {"user": {"id": "gone"}}],
        "restrictions": [],
    }
    return {**layer, **changes}


def test_a_weekly_restriction_counts_iso_days_and_seconds_are_reported() -> None:
    report = ImportReport()
    restriction = {
        "type": "weekly_restriction",
        "start_day_of_week": 7,
        "start_time_of_day": "20:00:30",
        "duration_seconds": 36 * 3600,
    }
    [layer] = convert_layer(
        _layer(restrictions=[restriction]), ZoneInfo("Europe/Berlin"), {"pa": "pa"}, report, "L"
    )
    assert layer["participants"] == ["pa"]
    [window] = layer["restrictions"]
    assert window.model_dump(mode="json") == {
        "kind": "weekly",
        "weekday": 6,
        "start_time": "20:00:00",
        "duration_minutes": 2160,
    }
    kinds = sorted(f.kind.value for f in report.findings)
    assert kinds == ["changed", "unmatched"]  # the rounded start, the user not imported


def test_a_turn_of_half_an_hour_is_reported_and_the_layer_skipped() -> None:
    report = ImportReport()
    layer = _layer(rotation_turn_length_seconds=1800)
    assert convert_layer(layer, ZoneInfo("UTC"), {"pa": "pa"}, report, "L") == []
    assert [f.kind.value for f in report.findings] == ["lost"]
