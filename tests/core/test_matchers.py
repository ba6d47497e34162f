from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.core.alerts import InvalidAlert
from tocsin.core.matchers import (
    Matcher,
    Op,
    WeeklyWindow,
    expiring_soon,
    format_matchers,
    matches,
    parse_matcher,
    parse_matchers,
    silence_active,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
QUARTER = timedelta(minutes=15)


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alertname=Foo", Matcher("alertname", "=", "Foo")),
        ('alertname="Foo"', Matcher("alertname", "=", "Foo")),
        ('  severity =~ "crit|warn" ', Matcher("severity", "=~", "crit|warn")),
        ("env!=prod", Matcher("env", "!=", "prod")),
        ('instance!~"db[0-9]+:9100"', Matcher("instance", "!~", "db[0-9]+:9100")),
        ('job="a \\"quoted\\" name"', Matcher("job", "=", 'a "quoted" name')),
        ('msg="line\\nnext\\\\"', Matcher("msg", "=", "line\nnext\\")),
        ('path=~"\\d+"', Matcher("path", "=~", "\\d+")),  # unknown escapes keep the backslash
        ('team=""', Matcher("team", "=", "")),
        ("team=", Matcher("team", "=", "")),
        ('k8s.namespace="a, b"', Matcher("k8s.namespace", "=", "a, b")),
        ('"odd label"="x"', Matcher("odd label", "=", "x")),
        ("summary=Disk almost full", Matcher("summary", "=", "Disk almost full")),
    ],
)
def test_parse_matcher(text: str, expected: Matcher) -> None:
    assert parse_matcher(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "=foo",
        "alertname",
        "alertname~foo",
        "alertname==foo",
        'alertname="foo',
        'alertname="foo" extra',
        'alertname=fo"o',
        'severity=~"(unclosed"',
        "severity!~*",
        "x" * 201 + "=a",
        "a=" + "v" * 1001,
    ],
)
def test_parse_matcher_refuses(text: str) -> None:
    with pytest.raises(InvalidAlert) as caught:
        parse_matcher(text)
    assert caught.value.field == "matchers"


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ('{alertname="Foo", severity=~"crit|warn"}', ["alertname", "severity"]),
        ("alertname=Foo,severity!=info", ["alertname", "severity"]),
        (['job="a,b"', "team=x"], ["job", "team"]),
        ('{msg="a \\" , b", x=y}', ["msg", "x"]),
    ],
)
def test_parse_matchers_lists(given_: str | list[str], expected: list[str]) -> None:
    assert [m.label for m in parse_matchers(given_)] == expected


@pytest.mark.parametrize("given_", ["", "{}", [], [" "]])
def test_parse_matchers_needs_one(given_: str | list[str]) -> None:
    with pytest.raises(InvalidAlert, match="at least one"):
        parse_matchers(given_)


def test_constructing_a_bad_regex_matcher_fails() -> None:
    with pytest.raises(InvalidAlert) as caught:
        Matcher("a", "=~", "[")
    assert caught.value.field == "matchers"


ops = st.sampled_from(["=", "!=", "=~", "!~"])
labels_text = st.text(min_size=1, max_size=15)
values_text = st.text(max_size=20)


@given(labels_text, ops, values_text)
def test_format_then_parse_gives_the_same_matcher(label: str, op: Op, value: str) -> None:
    if op in ("=~", "!~"):
        value = re.escape(value)
    matcher = Matcher(label, op, value)
    assert parse_matcher(str(matcher)) == matcher
    assert parse_matchers(format_matchers([matcher, matcher])) == [matcher, matcher]


# --- matching -----------------------------------------------------------------------------

label_sets = st.dictionaries(labels_text, values_text, min_size=1, max_size=6)


@given(label_sets)
def test_matchers_built_from_labels_match_them(labels: dict[str, str]) -> None:
    assert matches([Matcher(k, "=", v) for k, v in labels.items()], labels)
    assert matches([Matcher(k, "=~", re.escape(v)) for k, v in labels.items()], labels)


@given(label_sets, labels_text, values_text)
def test_negation_inverts(labels: dict[str, str], label: str, value: str) -> None:
    label = next(iter(labels)) if value.startswith("a") else label
    pattern = re.escape(value)
    assert Matcher(label, "!=", value).matches(labels) != Matcher(label, "=", value).matches(labels)
    assert Matcher(label, "!~", pattern).matches(labels) != Matcher(label, "=~", pattern).matches(
        labels
    )


@pytest.mark.parametrize(
    ("matcher", "labels", "expected"),
    [
        ('severity=~"crit"', {"severity": "critical"}, False),  # anchored
        ('severity=~"crit.*"', {"severity": "critical"}, True),
        ('severity=~"crit|warn"', {"severity": "warn"}, True),
        ('severity=~"a|b"', {"severity": "xa"}, False),  # anchored around the alternation
        ('team=""', {"alertname": "X"}, True),  # a missing label reads as empty
        ('team!=""', {"alertname": "X"}, False),
        ('team=~".*"', {}, True),
        ('team=~".+"', {}, False),
        ("alertname!=Foo", {"alertname": "Bar"}, True),
    ],
)
def test_matches_table(matcher: str, labels: dict[str, str], expected: bool) -> None:
    assert matches([parse_matcher(matcher)], labels) is expected


def test_all_matchers_must_match() -> None:
    found = parse_matchers('{alertname="X", env="prod"}')
    assert matches(found, {"alertname": "X", "env": "prod"})
    assert not matches(found, {"alertname": "X", "env": "dev"})
    assert matches([], {"anything": "goes"})


# --- weekly windows: tables ---------------------------------------------------------------


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def window(days: set[int], start: str, hours: float, zone: str) -> WeeklyWindow:
    return WeeklyWindow(frozenset(days), time.fromisoformat(start), timedelta(hours=hours), zone)


BERLIN_FRI_NIGHT = window({FRI}, "22:00", 4, "Europe/Berlin")
BERLIN_SAT_NIGHT = window({SAT}, "22:00", 4, "Europe/Berlin")
BERLIN_SAT_LATE = window({SAT}, "22:00", 4.5, "Europe/Berlin")
BERLIN_SUN_EARLY = window({SUN}, "01:00", 2, "Europe/Berlin")
NY_SUN_0230 = window({SUN}, "02:30", 1, "America/New_York")
NY_SUN_0100 = window({SUN}, "01:00", 1, "America/New_York")


@pytest.mark.parametrize(
    ("weekly", "at", "active"),
    [
        # Fri 2024-03-15, CET (UTC+1): 22:00–02:00 crosses midnight.
        (BERLIN_FRI_NIGHT, utc(2024, 3, 15, 20, 59), False),
        (BERLIN_FRI_NIGHT, utc(2024, 3, 15, 21, 0), True),
        (BERLIN_FRI_NIGHT, utc(2024, 3, 16, 0, 59), True),
        (BERLIN_FRI_NIGHT, utc(2024, 3, 16, 1, 0), False),
        (BERLIN_FRI_NIGHT, utc(2024, 3, 16, 21, 30), False),  # Saturday night: not a day
        # Spring forward Sun 2024-03-31 (02:00 CET → 03:00 CEST at 01:00 UTC): ends by the
        # wall clock at 02:00, which does not exist, so at 03:00 CEST; three real hours.
        (BERLIN_SAT_NIGHT, utc(2024, 3, 30, 21, 0), True),
        (BERLIN_SAT_NIGHT, utc(2024, 3, 31, 0, 59), True),
        (BERLIN_SAT_NIGHT, utc(2024, 3, 31, 1, 0), False),
        # Fall back Sun 2024-10-27 (03:00 CEST → 02:00 CET at 01:00 UTC): 02:00 happens
        # twice and the window ends at the first one; four real hours.
        (BERLIN_SAT_NIGHT, utc(2024, 10, 26, 19, 59), False),
        (BERLIN_SAT_NIGHT, utc(2024, 10, 26, 20, 0), True),
        (BERLIN_SAT_NIGHT, utc(2024, 10, 26, 23, 59), True),
        (BERLIN_SAT_NIGHT, utc(2024, 10, 27, 0, 0), False),
        (BERLIN_SAT_NIGHT, utc(2024, 10, 27, 1, 30), False),  # 02:30 CET, second pass
        # Closing at 02:30, inside the repeated hour: closed at the first 02:30, and the
        # second pass through 02:00–02:30 does not reopen it.
        (BERLIN_SAT_LATE, utc(2024, 10, 27, 0, 29), True),
        (BERLIN_SAT_LATE, utc(2024, 10, 27, 0, 30), False),
        (BERLIN_SAT_LATE, utc(2024, 10, 27, 1, 15), False),
        # 01:00–03:00 on the fall-back night covers the repeated hour: three real hours.
        (BERLIN_SUN_EARLY, utc(2024, 10, 26, 22, 59), False),
        (BERLIN_SUN_EARLY, utc(2024, 10, 26, 23, 0), True),
        (BERLIN_SUN_EARLY, utc(2024, 10, 27, 1, 30), True),
        (BERLIN_SUN_EARLY, utc(2024, 10, 27, 1, 59), True),
        (BERLIN_SUN_EARLY, utc(2024, 10, 27, 2, 0), False),
        # New York spring forward Sun 2024-03-10 (02:00 EST → 03:00 EDT at 07:00 UTC): a
        # window opening at the skipped 02:30 opens at 03:00 EDT and closes at 03:30 EDT.
        (NY_SUN_0230, utc(2024, 3, 10, 6, 59), False),
        (NY_SUN_0230, utc(2024, 3, 10, 7, 0), True),
        (NY_SUN_0230, utc(2024, 3, 10, 7, 29), True),
        (NY_SUN_0230, utc(2024, 3, 10, 7, 30), False),
        (NY_SUN_0230, utc(2024, 3, 17, 6, 30), True),  # a normal Sunday: 02:30 EDT
        # New York fall back Sun 2024-11-03 (02:00 EDT → 01:00 EST at 06:00 UTC):
        # 01:00–02:00 by the wall clock lasts two real hours.
        (NY_SUN_0100, utc(2024, 11, 3, 4, 59), False),
        (NY_SUN_0100, utc(2024, 11, 3, 5, 0), True),
        (NY_SUN_0100, utc(2024, 11, 3, 6, 30), True),
        (NY_SUN_0100, utc(2024, 11, 3, 7, 0), False),
    ],
)
def test_weekly_window_table(weekly: WeeklyWindow, at: datetime, active: bool) -> None:
    far = timedelta(days=3650)
    assert silence_active(starts_at=at - far, ends_at=at + far, weekly=weekly, at=at) is active


def test_full_week_window_is_always_active() -> None:
    always = window({MON}, "00:00", 24 * 7, "Europe/Berlin")
    start = utc(2024, 3, 25, 0, 0)
    assert all(always.contains(start + n * 7 * QUARTER) for n in range(800))


GOOD_WEEKLY = {"days": [1], "start": "22:00", "duration_minutes": 60, "time_zone": "UTC"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"days": []}, "days"),
        ({"days": [7]}, "days"),
        ({"days": ["xyz"]}, "days"),
        ({"days": "mon"}, "days"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 10081}, "duration_minutes"),
        ({"duration_minutes": "60"}, "duration_minutes"),
        ({"time_zone": "Mars/Base"}, "time_zone"),
        ({"time_zone": None}, "time_zone"),
        ({"start": "25:00"}, "start"),
        ({"start": "22:00+01:00"}, "start"),
    ],
)
def test_weekly_window_refuses(changes: dict[str, object], field: str) -> None:
    data = {k: v for k, v in (GOOD_WEEKLY | changes).items() if v is not None}
    with pytest.raises(InvalidAlert) as caught:
        WeeklyWindow.from_dict(data)
    assert caught.value.field == "weekly." + field


def test_weekly_window_dict_round_trip() -> None:
    data = {"days": ["sat", 6], "start": "22:00", "duration_minutes": 240, "time_zone": "UTC"}
    weekly = WeeklyWindow.from_dict(data)
    assert weekly.days == {SAT, SUN}
    assert WeeklyWindow.from_dict(weekly.to_dict()) == weekly


def test_silence_bounds() -> None:
    start, end = utc(2026, 1, 1, 0, 0), utc(2026, 1, 2, 0, 0)
    assert silence_active(starts_at=start, ends_at=end, weekly=None, at=start)
    assert not silence_active(starts_at=start, ends_at=end, weekly=None, at=end)
    assert not silence_active(starts_at=start, ends_at=end, weekly=None, at=start - QUARTER)
    # Thursday 2026-01-01 00:00 UTC is inside a Wednesday-night window but not a Friday one.
    wed = window({WED}, "22:00", 4, "UTC")
    assert silence_active(starts_at=start, ends_at=end, weekly=wed, at=start)
    assert not silence_active(starts_at=start, ends_at=end, weekly=BERLIN_FRI_NIGHT, at=start)


@pytest.mark.parametrize(
    ("ends_in", "expiring"),
    [(timedelta(minutes=-1), False), (timedelta(0), False), (timedelta(minutes=30), True),
     (timedelta(hours=1), True), (timedelta(hours=1, seconds=1), False)],
)  # fmt: skip
def test_expiring_soon(ends_in: timedelta, expiring: bool) -> None:
    at = utc(2026, 1, 1, 12, 0)
    assert expiring_soon(at + ends_in, at) is expiring


# --- weekly windows: property against a brute-force oracle ---------------------------------
# The oracle works on a 15-minute grid of instants (all these zones change clocks on whole
# hours): an occurrence opens at the first instant whose local wall reading reaches the
# opening wall time and closes at the first one reaching the closing wall time.

TRANSITIONS = [
    utc(2024, 3, 10, 7, 0),  # New York spring forward
    utc(2024, 11, 3, 6, 0),  # New York fall back
    utc(2024, 3, 31, 1, 0),  # Berlin spring forward
    utc(2024, 10, 27, 1, 0),  # Berlin fall back
    utc(2024, 6, 15, 12, 0),  # no transition nearby
]


@cache
def grid(zone_name: str, anchor: datetime) -> tuple[list[datetime], list[datetime]]:
    """Instants every 15 minutes from 12 days before ``anchor`` to 4 days after, and their
    local wall readings."""
    zone = ZoneInfo(zone_name)
    instants = [anchor + n * QUARTER for n in range(-12 * 96, 4 * 96)]
    return instants, [t.astimezone(zone).replace(tzinfo=None) for t in instants]


ANCHOR_INDEX = 12 * 96


def first_reaching(walls: list[datetime], wall: datetime) -> int:
    """Index of the first grid instant whose wall reading is ``wall`` or later.

    The scan may skip a prefix: the grid holds at most one clock change of at most an hour,
    so before ``skip`` every reading is still earlier than ``wall``.
    """
    skip = max(0, (wall - walls[0] - timedelta(hours=1)) // QUARTER - 1)
    return next((i for i in range(skip, len(walls)) if walls[i] >= wall), len(walls))


def oracle(weekly: WeeklyWindow, anchor: datetime) -> list[bool]:
    """For each grid instant: is it inside an occurrence of ``weekly``?"""
    _, walls = grid(weekly.time_zone, anchor)
    active = [False] * len(walls)
    day, last_day = walls[0].date() - timedelta(days=8), walls[-1].date()
    while day <= last_day:
        if day.weekday() in weekly.days:
            opens = datetime.combine(day, weekly.start)
            first = first_reaching(walls, opens)
            last = first_reaching(walls, opens + weekly.duration)
            active[first:last] = [True] * (last - first)
        day += timedelta(days=1)
    return active


def assert_agrees(weekly: WeeklyWindow, anchor: datetime, indexes: range | list[int]) -> None:
    instants, _ = grid(weekly.time_zone, anchor)
    expected = oracle(weekly, anchor)
    wrong = [instants[i] for i in indexes if weekly.contains(instants[i]) is not expected[i]]
    assert not wrong, f"{weekly} disagrees at {wrong[:3]}"


NEAR = range(ANCHOR_INDEX - 48, ANCHOR_INDEX + 48)  # 12 hours either side of the anchor
NIGHT = [time(22), time(23, 30), *(time(h, m) for h in (0, 1, 2, 3) for m in (0, 30))]


@pytest.mark.parametrize(
    ("zone", "anchor"),
    [("America/New_York", TRANSITIONS[0]), ("America/New_York", TRANSITIONS[1]),
     ("Europe/Berlin", TRANSITIONS[2]), ("Europe/Berlin", TRANSITIONS[3])],
)  # fmt: skip
def test_night_windows_around_clock_changes_match_the_oracle(zone: str, anchor: datetime) -> None:
    """Every window opening and closing at one of the night times in ``NIGHT``."""
    days = frozenset({SAT, SUN})
    for opens in NIGHT:
        for closes in NIGHT:
            span = datetime.combine(date.min, closes) - datetime.combine(date.min, opens)
            duration = span % timedelta(days=1) or timedelta(days=1)
            assert_agrees(WeeklyWindow(days, opens, duration, zone), anchor, NEAR)


# Wall-clock quarters of the day, biased towards the night hours when clocks change.
night_quarters = st.one_of(st.integers(0, 16), st.integers(80, 95), st.integers(0, 95))


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(["Europe/Berlin", "America/New_York"]),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    opens=night_quarters,
    closes=night_quarters,
    extra_days=st.one_of(st.just(0), st.integers(0, 6)),
    anchor=st.sampled_from(TRANSITIONS),
    far=st.lists(st.integers(-4 * 96, 3 * 96), max_size=20),
)
def test_weekly_windows_match_the_oracle(
    zone: str,
    days: frozenset[int],
    opens: int,
    closes: int,
    extra_days: int,
    anchor: datetime,
    far: list[int],
) -> None:
    start = (datetime.combine(date.min, time()) + opens * QUARTER).time()
    quarters = (closes - opens) % 96 + 96 * extra_days or 96
    weekly = WeeklyWindow(days, start, quarters * QUARTER, zone)
    indexes = [*range(ANCHOR_INDEX - 12, ANCHOR_INDEX + 12), *(ANCHOR_INDEX + n for n in far)]
    assert_agrees(weekly, anchor, indexes)
