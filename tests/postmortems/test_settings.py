"""The postmortem settings: the template, holidays and team calendars."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from tocsin.config import Settings
from tocsin.core.postmortems import DEFAULT_TEMPLATE, SectionKind
from tocsin.oncall.service import OwningTeam
from tocsin.postmortems.opening import calendar_for

TEAM = OwningTeam(id=1, name="Payments", time_zone="America/New_York")


def test_the_default_template_and_a_custom_one() -> None:
    assert tuple(Settings().postmortem_template) == DEFAULT_TEMPLATE
    custom = Settings(
        postmortem_template=[
            {"key": "what", "title": "What happened"},
            {"key": "why", "title": "Why", "prompt": "Ask five times", "kind": "five_whys"},
        ]
    )
    assert [(s.key, s.kind) for s in custom.postmortem_template] == [
        ("what", SectionKind.TEXT),
        ("why", SectionKind.FIVE_WHYS),
    ]


@pytest.mark.parametrize(
    "template",
    [
        [],
        [{"key": "a", "title": "A"}, {"key": "a", "title": "B"}],
        [{"key": "a", "title": "A", "kind": "poem"}],
        [
            {"key": "a", "title": "A", "kind": "impact"},
            {"key": "b", "title": "B", "kind": "impact"},
        ],
    ],
)
def test_a_bad_template_is_refused_at_start(template: list[dict[str, str]]) -> None:
    with pytest.raises(ValidationError):
        Settings(postmortem_template=template)


def test_calendars_holidays_add_up_and_the_team_zone_wins() -> None:
    settings = Settings(
        postmortem_holidays=["2026-12-25"],
        postmortem_team_calendars={
            "Payments": {"time_zone": "Europe/Berlin", "holidays": ["2026-12-24"]}
        },
    )
    tz, holidays = calendar_for(settings, TEAM)
    assert tz.key == "Europe/Berlin"
    assert holidays == {date(2026, 12, 24), date(2026, 12, 25)}
    other = OwningTeam(id=2, name="Search", time_zone="Asia/Tokyo")
    assert calendar_for(settings, other)[0].key == "Asia/Tokyo"  # its schedule's zone
    assert calendar_for(settings, other)[1] == {date(2026, 12, 25)}
    assert calendar_for(settings, None)[0].key == "UTC"
    no_zone = Settings(postmortem_team_calendars={"Payments": {"holidays": []}})
    assert calendar_for(no_zone, TEAM)[0].key == "America/New_York"


def test_a_team_calendar_with_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(postmortem_team_calendars={"Payments": {"time_zone": "Mars/Olympus"}})
