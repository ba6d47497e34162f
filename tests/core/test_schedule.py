from __future__ import annotations

import importlib.metadata
import itertools
from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tocsin.core import rotation as rotation_module
from tocsin.core.schedule import (
    DailyRestriction,
    Layer,
    Override,
    Restriction,
    Rotation,
    RotationKind,
    Schedule,
    ScheduleError,
    Shift,
    WeeklyRestriction,
    final_shifts,
    layer_on_call_at,
    layer_shifts,
    on_call_at,
    resolve_wall_time,
    tz_database_version,
)

ZONES = [
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/St_Johns",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "Africa/Casablanca",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Australia/Adelaide",
    "Pacific/Auckland",
    "Pacific/Chatham",
]
PEOPLE = ("ana", "ben", "cho", "dev", "eli", "fay")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
HOUR = timedelta(hours=1)
TICK = timedelta(microseconds=1)


def local(
    zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone), fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def layer(
    kind: str,
    start: datetime,
    *,
    length: int = 1,
    people: tuple[str, ...] = ("ana", "ben", "cho"),
    restrictions: tuple[Restriction, ...] = (),
    end: datetime | None = None,
) -> Layer:
    return Layer(Rotation(RotationKind(kind), length, people, start), restrictions, end)


def hours(shift: Shift) -> float:
    return (shift.end - shift.start) / HOUR


BUSINESS_HOURS = tuple(
    WeeklyRestriction(day, time(9), timedelta(hours=8)) for day in (MON, TUE, WED, THU, FRI)
)


# --- calendar hand-offs follow the local wall clock -----------------------------------


@pytest.mark.parametrize(
    ("zone", "first_day", "expected_hours"),
    [
        ("UTC", date(2026, 3, 7), 24),
        ("Asia/Kolkata", date(2026, 3, 7), 24),
        ("America/New_York", date(2026, 3, 7), 23),
        ("America/New_York", date(2026, 10, 31), 25),
        ("Europe/Berlin", date(2026, 3, 28), 23),
        ("Europe/Berlin", date(2026, 10, 24), 25),
        ("Australia/Sydney", date(2026, 10, 3), 23),
        ("Australia/Lord_Howe", date(2026, 4, 4), 24.5),
        ("Australia/Lord_Howe", date(2026, 10, 3), 23.5),
        ("Pacific/Chatham", date(2026, 4, 4), 25),
        ("Pacific/Chatham", date(2026, 9, 26), 23),
        ("Africa/Casablanca", date(2026, 2, 14), 25),
        ("Africa/Casablanca", date(2026, 3, 21), 23),
    ],
)
def test_daily_shift_across_dst_change_keeps_local_handoff_time(
    zone: str, first_day: date, expected_hours: float
) -> None:
    start = datetime.combine(first_day, time(9), tzinfo=ZoneInfo(zone))
    shifts = layer_shifts(layer("daily", start), zone, start, start + timedelta(days=3))
    assert hours(shifts[0]) == expected_hours
    assert [s.start.astimezone(ZoneInfo(zone)).time() for s in shifts] == [time(9)] * 3


@pytest.mark.parametrize(
    ("zone", "wall", "expected"),
    [
        ("America/New_York", datetime(2026, 3, 8, 2, 30), utc(2026, 3, 8, 7)),
        ("America/New_York", datetime(2026, 3, 8, 2, 0), utc(2026, 3, 8, 7)),
        ("America/St_Johns", datetime(2026, 3, 8, 2, 15), utc(2026, 3, 8, 5, 30)),
        ("Europe/Berlin", datetime(2026, 3, 29, 2, 30), utc(2026, 3, 29, 1)),
        ("Australia/Sydney", datetime(2026, 10, 4, 2, 30), utc(2026, 10, 3, 16)),
        ("Australia/Lord_Howe", datetime(2026, 10, 4, 2, 15), utc(2026, 10, 3, 15, 30)),
        ("Pacific/Chatham", datetime(2026, 9, 27, 3, 0), utc(2026, 9, 26, 14)),
        ("Africa/Casablanca", datetime(2026, 3, 22, 2, 30), utc(2026, 3, 22, 2)),
    ],
)
def test_handoff_in_spring_forward_gap_happens_when_the_gap_ends(
    zone: str, wall: datetime, expected: datetime
) -> None:
    assert resolve_wall_time(wall, ZoneInfo(zone)) == expected
    day_before = resolve_wall_time(wall - timedelta(days=1), ZoneInfo(zone))
    shifts = layer_shifts(layer("daily", day_before), zone, day_before, expected + HOUR)
    assert shifts[1].start == expected
    assert shifts[0].end == expected


@pytest.mark.parametrize(
    ("zone", "wall", "expected"),
    [
        ("America/New_York", datetime(2026, 11, 1, 1, 30), utc(2026, 11, 1, 5, 30)),
        ("Europe/Berlin", datetime(2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30)),
        ("Australia/Sydney", datetime(2026, 4, 5, 2, 30), utc(2026, 4, 4, 15, 30)),
        ("Australia/Lord_Howe", datetime(2026, 4, 5, 1, 45), utc(2026, 4, 4, 14, 45)),
        ("Pacific/Chatham", datetime(2026, 4, 5, 2, 50), utc(2026, 4, 4, 13, 5)),
        ("Africa/Casablanca", datetime(2026, 2, 15, 2, 30), utc(2026, 2, 15, 1, 30)),
    ],
)
def test_repeated_handoff_wall_time_uses_first_occurrence(
    zone: str, wall: datetime, expected: datetime
) -> None:
    assert resolve_wall_time(wall, ZoneInfo(zone)) == expected
    day_before = resolve_wall_time(wall - timedelta(days=1), ZoneInfo(zone))
    shifts = layer_shifts(layer("daily", day_before), zone, day_before, expected + 3 * HOUR)
    assert shifts[1].start == expected


def test_rotation_starting_on_second_occurrence_starts_exactly_there() -> None:
    start = local("America/New_York", 2026, 11, 1, 1, 30, fold=1)  # 06:30 UTC, EST
    shifts = layer_shifts(layer("daily", start), "America/New_York", start, start + 2 * HOUR * 24)
    assert shifts[0] == Shift(utc(2026, 11, 1, 6, 30), utc(2026, 11, 2, 6, 30), "ana")


@pytest.mark.parametrize(
    ("zone", "start", "expected_local_times"),
    [
        (
            "America/New_York",
            local("America/New_York", 2026, 3, 7, 20),
            [time(20), time(9), time(21), time(9)],
        ),
        (
            "America/New_York",
            local("America/New_York", 2026, 10, 31, 20),
            [time(20), time(7), time(19), time(7)],
        ),
        (
            "Australia/Lord_Howe",
            local("Australia/Lord_Howe", 2026, 4, 4, 20),
            [time(20), time(7, 30), time(19, 30), time(7, 30)],
        ),
    ],
)
def test_hour_rotation_counts_real_hours(
    zone: str, start: datetime, expected_local_times: list[time]
) -> None:
    end = start.astimezone(UTC) + 48 * HOUR  # aware + timedelta on a ZoneInfo time is wall time
    shifts = layer_shifts(layer("hours", start, length=12), zone, start, end)
    assert [hours(s) for s in shifts] == [12, 12, 12, 12]
    assert [s.start.astimezone(ZoneInfo(zone)).time() for s in shifts] == expected_local_times
    assert [s.person for s in shifts] == ["ana", "ben", "cho", "ana"]


@pytest.mark.parametrize(
    ("kind", "length", "start", "expected_next", "expected_hours"),
    [
        (
            "weekly",
            1,
            local("Europe/Berlin", 2026, 3, 23, 9),  # Monday
            local("Europe/Berlin", 2026, 3, 30, 9),
            167,
        ),
        (
            "weekly",
            2,
            local("America/New_York", 2026, 10, 28, 17),  # Wednesday
            local("America/New_York", 2026, 11, 11, 17),
            14 * 24 + 1,
        ),
        (
            "days",
            3,
            local("America/New_York", 2026, 3, 6, 9),
            local("America/New_York", 2026, 3, 9, 9),
            71,
        ),
        (
            "daily",
            2,
            local("Australia/Lord_Howe", 2026, 4, 4, 9),
            local("Australia/Lord_Howe", 2026, 4, 6, 9),
            48.5,
        ),
    ],
)
def test_multi_day_rotations_hand_off_at_local_time(
    kind: str, length: int, start: datetime, expected_next: datetime, expected_hours: float
) -> None:
    zone = start.tzinfo
    assert isinstance(zone, ZoneInfo)
    the_layer = layer(kind, start, length=length)
    shifts = layer_shifts(the_layer, zone, start, expected_next + HOUR)
    assert shifts[1].start == expected_next
    assert shifts[1].start.astimezone(zone).weekday() == expected_next.weekday()
    assert hours(shifts[0]) == expected_hours


# --- half-open shifts, layers, restrictions, overrides --------------------------------


def test_incoming_person_is_on_call_at_the_handoff_instant() -> None:
    start = utc(2026, 1, 5, 9)
    schedule = Schedule("UTC", (layer("daily", start),))
    handoff = start + timedelta(days=1)
    assert on_call_at(schedule, handoff - TICK) == "ana"
    assert on_call_at(schedule, handoff) == "ben"
    assert on_call_at(schedule, start - TICK) is None
    assert on_call_at(schedule, start) == "ana"


NY = "America/New_York"
BUSINESS = layer(
    "weekly", local(NY, 2026, 3, 2, 9), people=("ana", "ben"), restrictions=BUSINESS_HOURS
)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(NY, 2026, 3, 2, 9), "ana"),
        (local(NY, 2026, 3, 2, 8, 59), None),
        (local(NY, 2026, 3, 4, 12), "ana"),
        (local(NY, 2026, 3, 6, 16, 59), "ana"),
        (local(NY, 2026, 3, 6, 17), None),
        (local(NY, 2026, 3, 7, 12), None),
        (local(NY, 2026, 3, 9, 9), "ben"),  # the Monday after spring-forward
        (local(NY, 2026, 3, 9, 8, 59), None),
        (local(NY, 2026, 3, 13, 16, 59), "ben"),
    ],
)
def test_business_hours_restriction(at: datetime, expected: str | None) -> None:
    assert layer_on_call_at(BUSINESS, NY, at) == expected


def test_business_hours_shifts_are_eight_local_hours_even_in_dst_week() -> None:
    shifts = layer_shifts(BUSINESS, NY, local(NY, 2026, 3, 2), local(NY, 2026, 3, 16))
    assert len(shifts) == 10
    assert all(hours(s) == 8 for s in shifts)
    assert {s.start.astimezone(ZoneInfo(NY)).time() for s in shifts} == {time(9)}
    assert [s.person for s in shifts] == ["ana"] * 5 + ["ben"] * 5


@pytest.mark.parametrize(
    ("restriction", "from_", "to", "expected"),
    [
        (  # crosses midnight
            DailyRestriction(time(22), timedelta(hours=10)),
            local(NY, 2026, 1, 5),
            local(NY, 2026, 1, 6),
            [(local(NY, 2026, 1, 5), local(NY, 2026, 1, 5, 8)), (local(NY, 2026, 1, 5, 22), None)],
        ),
        (  # wraps the week: 63 real hours over the spring-forward weekend
            WeeklyRestriction(FRI, time(17), timedelta(hours=64)),
            local(NY, 2026, 3, 5),
            local(NY, 2026, 3, 10),
            [(local(NY, 2026, 3, 6, 17), local(NY, 2026, 3, 9, 9))],
        ),
        (  # asked from inside a window that opened days earlier
            WeeklyRestriction(FRI, time(17), timedelta(hours=64)),
            local(NY, 2026, 3, 8, 12),
            local(NY, 2026, 3, 10),
            [(local(NY, 2026, 3, 8, 12), local(NY, 2026, 3, 9, 9))],
        ),
        (  # a full-period window covers everything, even across DST
            DailyRestriction(time(0), timedelta(days=1)),
            local(NY, 2026, 3, 6),
            local(NY, 2026, 3, 10),
            [(local(NY, 2026, 3, 6), None)],
        ),
    ],
)
def test_restriction_windows(
    restriction: Restriction,
    from_: datetime,
    to: datetime,
    expected: list[tuple[datetime, datetime | None]],
) -> None:
    one_person = layer("daily", utc(2026, 1, 1), people=("ana",), restrictions=(restriction,))
    schedule = Schedule(NY, (one_person,))
    merged = final_shifts(schedule, from_, to)
    assert [(s.start, s.end) for s in merged] == [(a, b or to) for a, b in expected]


BASE = layer("weekly", local(NY, 2026, 3, 2, 9), people=("xia", "yan"))
ENDED = layer("daily", local(NY, 2026, 3, 2), people=("zed",), end=local(NY, 2026, 3, 3))
LATER = layer("daily", local(NY, 2026, 3, 20), people=("zed",))
STACKED = Schedule(NY, (BASE, BUSINESS, ENDED, LATER))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(NY, 2026, 3, 2, 8), "zed"),  # ended layer still active
        (local(NY, 2026, 3, 3, 8), "xia"),  # ended layer gone, restricted layer idle
        (local(NY, 2026, 3, 3, 10), "ana"),  # business hours win over the base
        (local(NY, 2026, 3, 3, 18), "xia"),
        (local(NY, 2026, 3, 10, 10), "ben"),
        (local(NY, 2026, 3, 14, 10), "yan"),  # Saturday: base shows through
        (local(NY, 2026, 3, 19, 23, 59), "xia"),  # top layer not started yet
        (local(NY, 2026, 3, 20), "zed"),
        (local(NY, 2026, 3, 1), None),  # before every layer
    ],
)
def test_higher_layers_win_where_they_have_someone(at: datetime, expected: str | None) -> None:
    assert on_call_at(STACKED, at) == expected


def test_final_shifts_merge_and_leave_gaps() -> None:
    schedule = Schedule(NY, (BASE, BUSINESS, ENDED))
    shifts = final_shifts(schedule, local(NY, 2026, 3, 1), local(NY, 2026, 3, 4))
    expected = [
        Shift(local(NY, 2026, 3, 2), local(NY, 2026, 3, 3), "zed"),
        Shift(local(NY, 2026, 3, 3), local(NY, 2026, 3, 3, 9), "xia"),
        Shift(local(NY, 2026, 3, 3, 9), local(NY, 2026, 3, 3, 17), "ana"),
        Shift(local(NY, 2026, 3, 3, 17), local(NY, 2026, 3, 4), "xia"),
    ]
    assert shifts == expected
    assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in shifts)


OVERRIDDEN = Schedule(
    NY,
    (BASE, BUSINESS),
    (
        Override(local(NY, 2026, 3, 3, 12), local(NY, 2026, 3, 3, 20), "ola"),
        Override(local(NY, 2026, 3, 3, 14), local(NY, 2026, 3, 3, 15), "pim"),
        Override(local(NY, 2026, 3, 4, 6), local(NY, 2026, 3, 4, 10), "xia"),
    ),
)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(NY, 2026, 3, 3, 11, 59), "ana"),
        (local(NY, 2026, 3, 3, 12), "ola"),  # above a restricted layer
        (local(NY, 2026, 3, 3, 14, 30), "pim"),  # later override wins
        (local(NY, 2026, 3, 3, 15), "ola"),
        (local(NY, 2026, 3, 3, 19, 59), "ola"),  # above the base layer
        (local(NY, 2026, 3, 3, 20), "xia"),  # override end is exclusive
        (local(NY, 2026, 3, 4, 9, 30), "xia"),  # above business hours
    ],
)
def test_overrides_sit_above_all_layers(at: datetime, expected: str) -> None:
    assert on_call_at(OVERRIDDEN, at) == expected


def test_override_for_the_person_already_on_call_merges() -> None:
    shifts = final_shifts(OVERRIDDEN, local(NY, 2026, 3, 3, 17), local(NY, 2026, 3, 4, 12))
    assert shifts == [
        Shift(local(NY, 2026, 3, 3, 17), local(NY, 2026, 3, 3, 20), "ola"),
        Shift(local(NY, 2026, 3, 3, 20), local(NY, 2026, 3, 4, 10), "xia"),
        Shift(local(NY, 2026, 3, 4, 10), local(NY, 2026, 3, 4, 12), "ana"),
    ]


def test_empty_range_and_empty_schedule() -> None:
    at = utc(2026, 1, 1)
    assert final_shifts(STACKED, at, at) == []
    assert final_shifts(Schedule("UTC"), at, at + HOUR) == []
    assert on_call_at(Schedule("UTC"), at) is None


# --- validation -----------------------------------------------------------------------

AWARE = utc(2026, 1, 1)
NAIVE = datetime(2026, 1, 1)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Schedule("Mars/Olympus_Mons"), "time_zone"),
        (lambda: Schedule(""), "time_zone"),
        (lambda: Schedule("America"), "time_zone"),
        (lambda: Schedule("../etc/passwd"), "time_zone"),
        (lambda: Rotation(RotationKind.DAILY, 0, ("a",), AWARE), "length"),
        (lambda: Rotation(RotationKind.HOURS, -3, ("a",), AWARE), "length"),
        (lambda: Rotation(RotationKind.DAILY, 1, (), AWARE), "participants"),
        (lambda: Rotation(RotationKind.DAILY, 1, ("a", ""), AWARE), "participants"),
        (lambda: Rotation(RotationKind.DAILY, 1, ("a",), NAIVE), "start"),
        (lambda: Rotation("monthly", 1, ("a",), AWARE), "kind"),  # type: ignore[arg-type]
        (lambda: layer("daily", AWARE, end=NAIVE), "end"),
        (lambda: layer("daily", AWARE, end=AWARE), "end"),
        (lambda: Override(AWARE, AWARE, "a"), "end"),
        (lambda: Override(AWARE, AWARE - HOUR, "a"), "end"),
        (lambda: Override(NAIVE, AWARE, "a"), "start"),
        (lambda: Override(AWARE, NAIVE, "a"), "end"),
        (lambda: Override(AWARE, AWARE + HOUR, ""), "person"),
        (lambda: DailyRestriction(time(9), timedelta(0)), "duration"),
        (lambda: DailyRestriction(time(9), -HOUR), "duration"),
        (lambda: DailyRestriction(time(9), timedelta(days=1, seconds=1)), "duration"),
        (lambda: DailyRestriction(time(9, tzinfo=UTC), HOUR), "start_time"),
        (lambda: WeeklyRestriction(MON, time(9), timedelta(days=7, seconds=1)), "duration"),
        (lambda: WeeklyRestriction(7, time(9), HOUR), "weekday"),
        (lambda: on_call_at(Schedule("UTC"), NAIVE), "at"),
        (lambda: final_shifts(Schedule("UTC"), NAIVE, AWARE), "start"),
        (lambda: final_shifts(Schedule("UTC"), AWARE, AWARE - HOUR), "end"),
        (lambda: layer_shifts(BASE, "Nowhere/Land", AWARE, AWARE), "time_zone"),
    ],
)
def test_invalid_input_names_the_field(build: Callable[[], object], field: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        build()
    assert isinstance(raised.value, ValueError)
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}:")


def test_order_checks_use_real_time_not_wall_time() -> None:
    first_0130, second_0110 = local(NY, 2026, 11, 1, 1, 30), local(NY, 2026, 11, 1, 1, 10, fold=1)
    forty_minutes = Override(first_0130, second_0110, "ana")  # 05:30Z to 06:10Z
    covered = Schedule(NY, overrides=(forty_minutes,))
    assert [
        (s.start, s.end) for s in final_shifts(covered, utc(2026, 11, 1), utc(2026, 11, 2))
    ] == [(utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 10))]
    with pytest.raises(ScheduleError):
        Override(second_0110, local(NY, 2026, 11, 1, 1, 50), "ana")  # 06:10Z to 05:50Z
    with pytest.raises(ScheduleError):
        layer("daily", second_0110, end=local(NY, 2026, 11, 1, 1, 50))


@pytest.mark.parametrize(
    "whole_period",
    [
        DailyRestriction(time(0), timedelta(days=1)),
        WeeklyRestriction(SUN, time(23, 59), 7 * 24 * HOUR),
    ],
)
@pytest.mark.parametrize(
    ("from_", "to"),
    [
        (local(NY, 2026, 3, 1), local(NY, 2026, 3, 22)),  # spring forward on 03-08
        (local(NY, 2026, 10, 25), local(NY, 2026, 11, 15)),  # fall back on 11-01
    ],
)
def test_a_restriction_as_long_as_its_period_covers_everything(
    whole_period: Restriction, from_: datetime, to: datetime
) -> None:
    alone = layer("daily", utc(2026, 1, 1), people=("ana",), restrictions=(whole_period,))
    shifts = final_shifts(Schedule(NY, (alone,)), from_, to)
    assert [(s.start, s.end, s.person) for s in shifts] == [(from_, to, "ana")]


def test_dataclasses_are_frozen() -> None:
    with pytest.raises(AttributeError):
        BASE.end = AWARE  # type: ignore[misc]


# --- efficiency and tz metadata -------------------------------------------------------


def test_lookup_decades_after_start_jumps_to_the_shift(monkeypatch: pytest.MonkeyPatch) -> None:
    daily = layer("daily", local(NY, 2000, 1, 3, 9), people=PEOPLE)
    calls = 0
    real_handoff = rotation_module.handoff

    def counting_handoff(*args: Any) -> datetime:
        nonlocal calls
        calls += 1
        return real_handoff(*args)

    monkeypatch.setattr(rotation_module, "handoff", counting_handoff)
    at = local(NY, 2090, 7, 4, 9)
    expected = PEOPLE[(date(2090, 7, 4) - date(2000, 1, 3)).days % len(PEOPLE)]
    assert layer_on_call_at(daily, NY, at) == expected
    assert layer_on_call_at(daily, NY, at - TICK) == PEOPLE[PEOPLE.index(expected) - 1]
    assert calls <= 8


def test_tz_database_version(monkeypatch: pytest.MonkeyPatch) -> None:
    assert tz_database_version() == importlib.metadata.version("tzdata")

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert tz_database_version() == "system"


# --- properties -----------------------------------------------------------------------


MINUTE = timedelta(minutes=1)


def wall_of(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def utc_offset(instant: datetime, zone: ZoneInfo) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


@cache
def dst_changes(zone_name: str) -> tuple[datetime, ...]:
    """Instants, to the minute, when the zone's UTC offset changes in 2025-2027."""
    zone, changes = ZoneInfo(zone_name), []
    day = utc(2025, 1, 1)
    while day.year < 2028:
        before, after = day, day + timedelta(days=1)
        if utc_offset(before, zone) != utc_offset(after, zone):
            while after - before > MINUTE:
                middle = before + (after - before) // MINUTE // 2 * MINUTE
                before, after = (
                    (middle, after)
                    if utc_offset(middle, zone) == utc_offset(before, zone)
                    else (before, middle)
                )
            changes.append(after)
        day += timedelta(days=1)
    return tuple(changes)


def first_instant_reading(wall: datetime, zone: ZoneInfo) -> datetime:
    """Test oracle: the first instant at which the local clock reads ``wall`` or later."""
    offsets = {wall.replace(tzinfo=zone, fold=fold).utcoffset() or timedelta(0) for fold in (0, 1)}
    candidates = [wall.replace(tzinfo=UTC) - offset for offset in offsets]
    exact = [c for c in candidates if wall_of(c, zone) == wall]
    if exact:
        return min(exact)
    moment = min(candidates)  # in a gap: walk minutes up to the jump
    while wall_of(moment, zone) < wall:
        moment += timedelta(minutes=1)
    return moment


@st.composite
def rotations(draw: st.DrawFn, zone_name: str) -> tuple[Rotation, datetime]:
    """A rotation starting in 2025-2027 and a later focus instant a test window should cover.

    Mostly the focus is a DST change and a hand-off falls on the changing night, at a wall
    time in, or within 30 minutes of, the skipped or repeated hour.
    """
    zone = ZoneInfo(zone_name)
    kind = draw(st.sampled_from(RotationKind))
    length = draw(st.integers(1, 14))
    people = PEOPLE[: draw(st.integers(1, 6))]
    fold = draw(st.integers(0, 1))
    lead = timedelta(days=length * (7 if kind is RotationKind.WEEKLY else 1))
    lead *= draw(st.integers(1, 3))
    changes = [t for t in dst_changes(zone_name) if t - lead > utc(2025, 1, 2)]
    if changes and draw(st.sampled_from([True, True, True, False])):
        focus = draw(st.sampled_from(changes))
        wall_before, wall_after = wall_of(focus - MINUTE, zone) + MINUTE, wall_of(focus, zone)
        span = abs(wall_after - wall_before) // MINUTE
        minutes = st.one_of(st.integers(0, span - 1), st.integers(-30, span + 30))
        handoff = min(wall_before, wall_after) + draw(minutes) * MINUTE
        if kind is RotationKind.HOURS:
            start = focus - draw(st.integers(1, 24 * 60)) * draw(st.sampled_from([HOUR, MINUTE]))
        else:
            start = (handoff - lead).replace(tzinfo=zone, fold=fold)
        return Rotation(kind, length, people, start), focus
    day = draw(st.dates(date(2025, 1, 1), date(2027, 11, 1)))
    hour = draw(st.one_of(st.sampled_from([0, 1, 2, 3]), st.integers(0, 23)))
    start_time = time(hour, draw(st.integers(0, 59)), fold=fold)
    start = datetime.combine(day, start_time, tzinfo=zone)
    return Rotation(kind, length, people, start), start + draw(st.integers(0, 40)) * HOUR * 24


@st.composite
def rotation_windows(draw: st.DrawFn) -> tuple[str, Rotation, datetime, datetime]:
    """A rotation and a window of several weeks that covers its focus instant."""
    zone_name = draw(st.sampled_from(ZONES))
    rotation, focus = draw(rotations(zone_name))
    rotation_start = rotation.start.astimezone(UTC)
    lead = max(focus - rotation_start, MINUTE) // MINUTE
    start = rotation_start + draw(st.integers(0, lead - 1)) * MINUTE
    end = max(start + timedelta(days=14), focus + timedelta(days=1))
    return zone_name, rotation, start, end + draw(st.integers(0, 30 * 24)) * HOUR


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(rotation_windows())
def test_unrestricted_shifts_tile_the_window(
    case: tuple[str, Rotation, datetime, datetime],
) -> None:
    zone_name, rotation, start, end = case
    shifts = layer_shifts(Layer(rotation), zone_name, start, end)
    assert shifts[0].start == start
    assert shifts[-1].end == end
    assert all(a.end == b.start for a, b in itertools.pairwise(shifts))
    assert all(s.start < s.end for s in shifts)
    assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in shifts)


@PROPERTY
@given(rotation_windows())
def test_each_handoff_is_the_right_person_at_the_right_time(
    case: tuple[str, Rotation, datetime, datetime],
) -> None:
    zone_name, rotation, start, end = case
    zone = ZoneInfo(zone_name)
    shifts = layer_shifts(Layer(rotation), zone, start, end)
    people = rotation.participants
    rotation_start = rotation.start.astimezone(UTC)
    # The hand-off time is the local reading of the start instant: a start written at a wall
    # time inside a gap (02:30 on a spring-forward night, fold 0) is the instant after the
    # gap, and hands off at that instant's local time. ``astimezone(zone)`` on a datetime
    # already in ``zone`` would keep the impossible reading, so go through UTC.
    first_wall = wall_of(rotation_start, zone)
    period = timedelta(days=rotation.length * (7 if rotation.kind is RotationKind.WEEKLY else 1))
    numbers = []
    for shift in shifts:
        if shift.start == start and start != rotation_start:
            continue  # clipped, not a hand-off
        if rotation.kind is RotationKind.HOURS:
            number, remainder = divmod(shift.start - rotation_start, rotation.length * HOUR)
            assert remainder == timedelta(0)
        else:
            wall = wall_of(shift.start, zone)
            number = round((wall - first_wall) / period)
            if number > 0:
                assert shift.start == first_instant_reading(first_wall + number * period, zone)
        assert shift.person == people[number % len(people)]
        numbers.append(number)
    if numbers:
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    if shifts[0].start == start != rotation_start and len(shifts) > 1:
        assert people.index(shifts[0].person) == (people.index(shifts[1].person) - 1) % len(people)


@PROPERTY
@given(rotation_windows())
def test_hour_rotations_are_exactly_n_real_hours(
    case: tuple[str, Rotation, datetime, datetime],
) -> None:
    zone_name, rotation, start, end = case
    rotation = Rotation(RotationKind.HOURS, rotation.length, rotation.participants, rotation.start)
    interior = layer_shifts(Layer(rotation), zone_name, start, end)[1:-1]
    assert all(s.end - s.start == rotation.length * HOUR for s in interior)


@settings(max_examples=60, deadline=None)
@given(rotation_windows(), st.integers(0, 120 * 24 * 60))
def test_jumping_to_a_later_window_agrees_with_walking_from_the_start(
    case: tuple[str, Rotation, datetime, datetime], minutes_later: int
) -> None:
    zone_name, rotation, _, _ = case
    # In UTC: aware datetimes of different zones never compare equal inside a gap or fold.
    start = rotation.start.astimezone(UTC) + timedelta(minutes=minutes_later)
    end = start + timedelta(days=10)
    walked = layer_shifts(Layer(rotation), zone_name, rotation.start, end)
    clipped = [Shift(max(s.start, start), s.end, s.person) for s in walked if s.end > start]
    assert layer_shifts(Layer(rotation), zone_name, start, end) == clipped


def restrictions() -> st.SearchStrategy[Restriction]:
    start_times = st.builds(
        time, st.one_of(st.sampled_from([0, 1, 2, 3]), st.integers(0, 23)), st.integers(0, 59)
    )
    daily = st.builds(
        DailyRestriction,
        start_times,
        st.integers(1, 24 * 60).map(lambda m: m * timedelta(minutes=1)),
    )
    weekly = st.builds(
        WeeklyRestriction,
        st.integers(0, 6),
        start_times,
        st.integers(1, 7 * 24 * 60).map(lambda m: m * timedelta(minutes=1)),
    )
    return st.one_of(daily, weekly)


def person_in(shifts: list[Shift], at: datetime) -> str | None:
    index = bisect_right([s.start for s in shifts], at) - 1
    return shifts[index].person if index >= 0 and at < shifts[index].end else None


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Schedule, datetime, datetime]:
    zone_name = draw(st.sampled_from(ZONES))
    layers, focuses = [], []
    for _ in range(draw(st.integers(1, 3))):
        rotation, focus = draw(rotations(zone_name))
        focuses.append(focus)
        end = None
        if draw(st.booleans()):
            end = rotation.start + draw(st.integers(1, 60 * 24)) * timedelta(minutes=30)
        restricted = draw(st.lists(restrictions(), max_size=2))
        layers.append(Layer(rotation, tuple(restricted), end))
    window_start = draw(st.sampled_from(focuses)) - draw(st.integers(0, 3 * 24 * 60)) * MINUTE
    window_end = window_start + draw(st.integers(1, 14 * 24)) * HOUR
    overrides = []
    for _ in range(draw(st.integers(0, 3))):
        override_start = window_start + draw(st.integers(-24 * 60, 21 * 24 * 60)) * timedelta(
            minutes=1
        )
        minutes = draw(st.integers(1, 4 * 24 * 60))
        person = draw(st.sampled_from(PEOPLE))
        overrides.append(
            Override(override_start, override_start + minutes * timedelta(minutes=1), person)
        )
    return Schedule(zone_name, tuple(layers), tuple(overrides)), window_start, window_end


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules(), st.lists(st.floats(0, 1), max_size=20))
def test_on_call_at_agrees_with_final_shifts(
    case: tuple[Schedule, datetime, datetime], fractions: list[float]
) -> None:
    schedule, start, end = case
    shifts = final_shifts(schedule, start, end)
    for a, b in itertools.pairwise(shifts):
        assert a.end <= b.start
        assert not (a.end == b.start and a.person == b.person), "adjacent shifts not merged"
    samples = [start + (end - start) * f for f in fractions]
    for shift in shifts:
        samples += [shift.start, shift.start - TICK, shift.end - TICK, shift.end]
    for layer in schedule.layers:
        for shift in layer_shifts(layer, schedule.zone, start, end):
            samples += [shift.start, shift.end - TICK]
    for at in samples:
        if start <= at < end:
            assert on_call_at(schedule, at) == person_in(shifts, at), at


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rotation_windows(), st.lists(restrictions(), min_size=1, max_size=3))
def test_restricted_shifts_lie_within_the_unrestricted_ones(
    case: tuple[str, Rotation, datetime, datetime], restricted: list[Restriction]
) -> None:
    zone_name, rotation, start, end = case
    full = layer_shifts(Layer(rotation), zone_name, start, end)
    partial = layer_shifts(Layer(rotation, tuple(restricted)), zone_name, start, end)
    for piece in partial:
        containing = full[bisect_right([s.start for s in full], piece.start) - 1]
        assert containing.start <= piece.start < piece.end <= containing.end
        assert containing.person == piece.person
    assert all(a.end <= b.start for a, b in itertools.pairwise(partial))


def inside_restrictions(at: datetime, restrictions: list[Restriction], zone: ZoneInfo) -> bool:
    """Test oracle: a window holds ``at`` if it opened on one of the 8 local days before."""
    today = wall_of(at, zone).date()
    for days_back in range(9):
        day = today - timedelta(days=days_back)
        for window in restrictions:
            if isinstance(window, WeeklyRestriction) and day.weekday() != window.weekday:
                continue
            opening = datetime.combine(day, window.start_time)
            opens = first_instant_reading(opening, zone)
            if opens <= at < first_instant_reading(opening + window.duration, zone):
                return True
    return False


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rotation_windows(),
    st.lists(restrictions(), min_size=1, max_size=3),
    st.lists(st.floats(0, 1), min_size=1, max_size=10),
)
def test_restricted_layer_covers_exactly_inside_its_windows(
    case: tuple[str, Rotation, datetime, datetime],
    restricted: list[Restriction],
    fractions: list[float],
) -> None:
    zone_name, rotation, start, end = case
    zone = ZoneInfo(zone_name)
    restricted_layer = Layer(rotation, tuple(restricted))
    samples = [start + (end - start) * f for f in fractions]
    for piece in layer_shifts(restricted_layer, zone, start, end)[:10]:
        samples += [piece.start - TICK, piece.start, piece.end - TICK, piece.end]
    for at in samples:
        if at < rotation.start:
            continue
        expected = layer_on_call_at(Layer(rotation), zone, at)
        if not inside_restrictions(at, restricted, zone):
            expected = None
        assert layer_on_call_at(restricted_layer, zone, at) == expected, at
