"""`tocsin import grafana-oncall`: recorded OnCall API answers (built from its public API
reference) read through the API and from saved files, converted, verified and applied."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
import yaml

from tests.config_as_code.helpers import applied, fresh_server
from tests.conftest import Api as TocsinApi
from tests.conftest import run_cli
from tocsin.config_as_code.document import dump
from tocsin.core.schedule import on_call_at
from tocsin.importers import base
from tocsin.importers.grafana_oncall import COLLECTIONS, IMPORTER
from tocsin.importers.keys import PeopleDirectory
from tocsin.importers.report import Kind
from tocsin.importers.source import Api, SourceError
from tocsin.importers.verify import core_schedule

RECORDED = Path(__file__).parent / "recorded" / "grafana_oncall"
BASE = "http://oncall.test/api/v1"
TOKEN = "oncall-token"
WINDOW = datetime(2027, 3, 22, tzinfo=UTC)


def _items(name: str) -> list[dict[str, Any]]:
    body = json.loads((RECORDED / f"{name}.json").read_text())
    return body["results"] if isinstance(body, dict) else body


def _serve(final_shifts: dict[str, list[dict[str, Any]]] | None = None) -> httpx.MockTransport:
    """Each collection in pages of two, linked by absolute ``next`` URLs, as OnCall does."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != TOKEN:
            return httpx.Response(401, json={"detail": "Invalid token."})
        path = request.url.path.removeprefix("/api/v1")
        query = parse_qs(request.url.query.decode())
        if path.startswith("/schedules/") and path.endswith("/final_shifts"):
            schedule = path.split("/")[2]
            assert query["start_date"] == ["2027-03-22T00:00"]
            assert query["end_date"] == ["2027-04-12T00:00"]
            shifts = (final_shifts or {}).get(schedule) or _items(f"final_shifts/{schedule}")
            return httpx.Response(200, json={"next": None, "results": shifts})
        name = path.strip("/")
        if name not in COLLECTIONS:
            return httpx.Response(404, json={"detail": "Not found."})
        items = _items(name)
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * 2 : page * 2]
        following = (
            f"{BASE}/{name}/?{urlencode({'page': page + 1})}" if page * 2 < len(items) else None
        )
        return httpx.Response(200, json={"count": len(items), "next": following, "results": chunk})

    return httpx.MockTransport(handler)


def _api(transport: httpx.MockTransport) -> Api:
    return Api(BASE, {"Authorization": TOKEN}, transport=transport)


def _offline() -> tuple[dict[str, Any], base.Conversion]:
    data = IMPORTER.read_offline(RECORDED)
    return data, IMPORTER.convert(data, PeopleDirectory())


def _text(conversion: base.Conversion) -> str:
    return yaml.safe_dump(dump(conversion.document), sort_keys=False, allow_unicode=True)


def _findings(conversion: base.Conversion, kind: Kind) -> list[str]:
    return [f"{f.source}: {f.message}" for f in conversion.report.of_kind(kind)]


def test_the_api_and_the_saved_files_give_the_same_file_and_a_rerun_is_identical() -> None:
    with _api(_serve()) as api:
        from_api = IMPORTER.convert(IMPORTER.read_api(api), PeopleDirectory())
    _, offline = _offline()
    _, again = _offline()
    assert _text(from_api) == _text(offline) == _text(again)
    assert len(from_api.document.people) == 4  # users.json spans two pages


def test_a_wrong_token_is_a_clear_error_naming_the_url() -> None:
    api = Api(BASE, {"Authorization": "wrong"}, transport=_serve())
    with api, pytest.raises(SourceError) as e:
        IMPORTER.read_api(api)
    assert f"{BASE}/users/" in str(e.value) and "401" in str(e.value)


def test_users_match_by_normalized_email_and_keep_the_default_chain_exactly() -> None:
    data = IMPORTER.read_offline(RECORDED)
    existing = [
        {"key": "ana", "name": "Alice Tocsin", "handle": "alice-t", "email": "ALICE@example.com"}
    ]
    conversion = IMPORTER.convert(data, PeopleDirectory(existing))
    people = {p.key: p for p in conversion.document.people}
    alice = people["ana"]
    assert (alice.name, alice.handle, alice.email) == (
        "Alice Tocsin",
        "alice-t",
        "alice@example.com",
    )
    # email at once, 5 + 15 minutes of waits (the SMS step between them is lost), email again
    assert [(r.contact, r.delay_minutes) for r in alice.notification_rules or []] == [
        ("email", 0),
        ("email", 20),
    ]
    lost = _findings(conversion, Kind.LOST)
    assert any("NA3 (notify_by_sms)" in f and "Apprise" in f for f in lost)
    changed = _findings(conversion, Kind.CHANGED)
    assert any("U1ALICE" in f and "important" in f for f in changed)
    assert not any("U2BOB" in f for f in changed)  # bob's important chain is the same
    # the schedules name the matched key
    primary = next(s for s in conversion.document.schedules if s.key == "go-schedule-sprimary")
    assert primary.layers[0].participants == ["ana", "go-user-u2bob"]


def test_schedules_keep_their_zone_levels_anchor_until_override_and_version_chain() -> None:
    _, conversion = _offline()
    schedules = {s.key: s for s in conversion.document.schedules}
    assert set(schedules) == {"go-schedule-sprimary", "go-schedule-sweb"}  # the iCal one is lost
    primary = schedules["go-schedule-sprimary"]
    assert primary.time_zone == "Europe/Berlin"
    weekdays, weekends = primary.layers  # level 0 below level 1
    assert (weekdays.position, weekends.position) == (1, 2)
    # weekly rotation on MO-FR 09:00 for 8 h
    assert weekdays.kind == "weekly" and weekdays.start == datetime(2027, 3, 22, 8, tzinfo=UTC)
    assert [
        (w.weekday, w.start_time.isoformat(), w.duration_minutes) for w in weekdays.restrictions
    ] == [(day, "09:00:00", 480) for day in range(5)]
    # anchored on 2027-03-19 but in effect from 2027-03-26: the second turn (dave) goes first;
    # Friday 18:00 for three wall-clock days, across the 2027-03-28 change; until is the end
    assert weekends.start == datetime(2027, 3, 26, 17, tzinfo=UTC)
    assert weekends.participants == ["go-user-u4dave", "go-user-u3carol"]
    assert weekends.end == datetime(2027, 4, 30, tzinfo=UTC)
    assert [(w.weekday, w.duration_minutes) for w in weekends.restrictions] == [(4, 3 * 1440)]
    assert [(o.person, o.start, o.end) for o in primary.overrides or []] == [
        (
            "go-user-u3carol",
            datetime(2027, 4, 6, 10, tzinfo=UTC),
            datetime(2027, 4, 6, 12, tzinfo=UTC),
        )
    ]
    web = schedules["go-schedule-sweb"]
    assert web.time_zone == "UTC"  # web shifts are stored in UTC
    newer, cut, older = web.layers  # at one level the earlier sits higher
    hand_over = datetime(2027, 4, 3, 8, tzinfo=UTC)
    assert older.end == cut.start == hand_over  # version 2 starts where version 1 ends
    assert (older.kind, older.length, newer.kind, newer.length) == ("daily", 1, "daily", 2)
    # version 2 is anchored on 04-02: the turn running at the hand-over is cut to start there
    assert (cut.participants, cut.end) == (["go-user-u2bob"], newer.start)
    assert newer.start == datetime(2027, 4, 4, 8, tzinfo=UTC)
    assert newer.participants == ["go-user-u3carol", "go-user-u4dave", "go-user-u2bob"]
    assert any("SICAL" in f for f in _findings(conversion, Kind.LOST))


def test_rotation_start_before_start_starts_at_start() -> None:
    data = IMPORTER.read_offline(RECORDED)
    shifts = copy.deepcopy(data["on_call_shifts"])
    for shift in shifts:
        if shift["id"] == "ONIGHTS":
            shift["rotation_start"] = "2027-03-01T00:00:00"
    conversion = IMPORTER.convert({**data, "on_call_shifts": shifts}, PeopleDirectory())
    primary = next(s for s in conversion.document.schedules if s.key == "go-schedule-sprimary")
    weekends = primary.layers[1]
    assert weekends.start == datetime(2027, 3, 19, 17, tzinfo=UTC)
    assert weekends.participants == ["go-user-u3carol", "go-user-u4dave"]


def test_a_multi_person_turn_is_reported_and_its_first_person_kept() -> None:
    data = IMPORTER.read_offline(RECORDED)
    shifts = copy.deepcopy(data["on_call_shifts"])
    shifts[0]["rolling_users"] = [["U1ALICE", "U3CAROL"], ["U2BOB"]]
    conversion = IMPORTER.convert({**data, "on_call_shifts": shifts}, PeopleDirectory())
    primary = next(s for s in conversion.document.schedules if s.key == "go-schedule-sprimary")
    assert primary.layers[0].participants == ["go-user-u1alice", "go-user-u2bob"]
    assert any("2 people on call together" in f for f in _findings(conversion, Kind.LOST))


def test_escalation_delays_stay_exact_and_odd_steps_are_reported() -> None:
    _, conversion = _offline()
    policies = {p.key: p for p in conversion.document.escalation_policies}
    payments = policies["go-policy-fpayments"]
    assert payments.repeat == 5
    assert [lvl.timeout_minutes for lvl in payments.levels] == [5, 2, 15]
    assert [t.schedule or t.person for t in payments.levels[0].targets] == ["go-schedule-sprimary"]
    assert [t.person for t in payments.levels[1].targets] == ["go-user-u1alice", "go-user-u3carol"]
    assert [t.schedule for t in payments.levels[2].targets] == ["go-schedule-sweb"]
    ops = policies["go-policy-fops"]
    assert [lvl.timeout_minutes for lvl in ops.levels] == [10, 1]
    assert [t.person for t in ops.levels[1].targets] == ["go-user-u3carol", "go-user-u4dave"]
    changed = _findings(conversion, Kind.CHANGED)
    assert any("wait 90s" in f and "2 min" in f for f in changed)
    lost = _findings(conversion, Kind.LOST)
    assert any("notify_user_group" in f for f in lost)
    assert any("trigger_webhook" in f for f in lost)
    services = {s.key: s for s in conversion.document.services}
    assert services["go-service-cprom"].escalation_policy == "go-policy-fpayments"
    kinds = {i.key: (i.kind, i.service) for i in conversion.document.integrations}
    assert kinds == {
        "go-integration-cprom": ("alertmanager", "prometheus-prod"),
        "go-integration-cgraf": ("grafana", "grafana-alerts"),
        "go-integration-czbx": ("generic", "zabbix"),
    }
    notes = _findings(conversion, Kind.NOTE)
    assert any("alertmanager/AbCdEf" in f and "/hooks/" in f for f in notes)


def test_verify_shows_no_difference_offline_and_through_the_api() -> None:
    data, conversion = _offline()
    assert base.verify(IMPORTER, data, conversion, WINDOW, 3, None) == []
    with _api(_serve()) as api:
        live = IMPORTER.read_api(api)
        converted = IMPORTER.convert(live, PeopleDirectory())
        assert base.verify(IMPORTER, live, converted, WINDOW, 3, api) == []


def test_verify_names_the_instant_and_both_answers_where_they_differ() -> None:
    data, conversion = _offline()
    shifts = copy.deepcopy(data["final_shifts"])
    for shift in shifts["SPRIMARY"]:
        if shift["shift_start"] == "2027-03-30T07:00:00Z":
            shift["user_email"] = "carol@example.com"
    found = base.verify(IMPORTER, {**data, "final_shifts": shifts}, conversion, WINDOW, 3, None)
    assert [(d.schedule, d.start, d.end, d.tocsin, d.source) for d in found] == [
        (
            "go-schedule-sprimary",
            datetime(2027, 3, 30, 7, tzinfo=UTC),
            datetime(2027, 3, 30, 15, tzinfo=UTC),
            "go-user-u2bob",
            "go-user-u3carol",
        )
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TocsinApi]:
    with fresh_server(request.param, tmp_path) as api:
        yield api


def test_the_file_applies_and_a_second_apply_changes_nothing(fresh: TocsinApi) -> None:
    _, conversion = _offline()
    text = _text(conversion)
    done = applied(fresh, text)
    assert done["changes"]
    again = applied(fresh, text)
    assert again["changes"] == [] and again["secrets"] == []


def _one_schedule(*shifts: dict[str, Any], kind: str = "calendar") -> base.Conversion:
    data = IMPORTER.read_offline(RECORDED)
    schedule = {"id": "SX", "name": "X", "type": kind, "time_zone": "America/New_York"}
    own = [{"schedule": "SX", "level": 0, "time_zone": None, **s} for s in shifts]
    return IMPORTER.convert(
        {**data, "schedules": [schedule], "on_call_shifts": own}, PeopleDirectory()
    )


def _layers(conversion: base.Conversion) -> list[Any]:
    return conversion.document.schedules[0].layers


def test_nights_across_midnight_keep_local_times_over_the_new_york_change() -> None:
    nights = {
        "id": "ONY",
        "type": "rolling_users",
        "start": "2027-03-10T22:00:00",
        "rotation_start": "2027-03-11T03:00:00",
        "duration": 36000,
        "frequency": "daily",
        "interval": 1,
        "rolling_users": [["U1ALICE"], ["U2BOB"]],
    }
    conversion = _one_schedule(nights)
    doc = conversion.document.schedules[0]
    assert doc.time_zone == "America/New_York"
    (layer,) = doc.layers
    assert [(w.kind, w.start_time.isoformat(), w.duration_minutes) for w in layer.restrictions] == [
        ("daily", "22:00:00", 600)
    ]
    schedule = core_schedule(doc)
    # nights alternate alice, bob from 03-10 22:00, so 03-13's is bob's; the clocks jump at
    # 02:00 that night and the night still ends at 08:00 local, nine real hours later
    assert (
        on_call_at(schedule, datetime(2027, 3, 14, 6, 30, tzinfo=UTC)) == "go-user-u2bob"
    )  # 01:30 EST
    assert (
        on_call_at(schedule, datetime(2027, 3, 14, 11, 30, tzinfo=UTC)) == "go-user-u2bob"
    )  # 07:30 EDT
    assert on_call_at(schedule, datetime(2027, 3, 14, 12, 30, tzinfo=UTC)) is None  # 08:30 EDT


def test_hourly_single_and_recurring_shifts_and_what_has_no_tocsin_form() -> None:
    conversion = _one_schedule(
        {
            "id": "O1",
            "type": "rolling_users",
            "start": "2027-05-01T00:00:00",
            "duration": 43200,
            "frequency": "hourly",
            "interval": 12,
            "rolling_users": [["U1ALICE"], ["U2BOB"]],
        },
        {
            "id": "O2",
            "type": "single_event",
            "level": 2,
            "start": "2027-05-03T09:00:00",
            "duration": 3600,
            "users": ["U3CAROL"],
        },
        {
            "id": "O3",
            "type": "recurrent_event",
            "level": 1,
            "start": "2027-05-01T10:00:00",
            "duration": 7200,
            "frequency": "daily",
            "interval": 1,
            "by_day": ["SA", "SU"],
            "users": ["U4DAVE"],
        },
        {
            "id": "O4",
            "type": "rolling_users",
            "start": "2027-05-01T10:00:00",
            "duration": 3600,
            "frequency": "monthly",
            "rolling_users": [["U1ALICE"]],
        },
        {
            "id": "O5",
            "type": "rolling_users",
            "start": "2027-05-01T10:00:00",
            "duration": 3600,
            "frequency": "daily",
            "by_day": ["MO", "WE"],
            "rolling_users": [["U1ALICE"], ["U2BOB"]],
        },
    )
    hourly, weekend, single = _layers(conversion)
    assert (hourly.kind, hourly.length, hourly.start) == (
        "hours",
        12,
        datetime(2027, 5, 1, 4, tzinfo=UTC),
    )
    assert (
        weekend.participants,
        [(w.weekday, w.duration_minutes) for w in weekend.restrictions],
    ) == (
        ["go-user-u4dave"],
        [(5, 120), (6, 120)],
    )
    assert (single.participants, single.start, single.end) == (
        ["go-user-u3carol"],
        datetime(2027, 5, 3, 13, tzinfo=UTC),
        datetime(2027, 5, 3, 14, tzinfo=UTC),
    )
    lost = _findings(conversion, Kind.LOST)
    assert any("O4" in f and "monthly" in f for f in lost)
    assert any("O5" in f and "each listed day" in f for f in lost)


def test_a_rotation_in_another_zone_than_the_schedule_is_reported() -> None:
    base_shift = {
        "type": "rolling_users",
        "start": "2027-05-03T09:00:00",
        "duration": 604800,
        "frequency": "weekly",
        "week_start": "MO",
        "rolling_users": [["U1ALICE"]],
    }
    conversion = _one_schedule(
        {**base_shift, "id": "OA", "time_zone": "Europe/Berlin"},
        {**base_shift, "id": "OB", "time_zone": "America/New_York"},
    )
    assert conversion.document.schedules[0].time_zone == "Europe/Berlin"
    assert any("OB" in f and "daylight-saving" in f for f in _findings(conversion, Kind.CHANGED))


def test_the_command_writes_the_file_from_saved_json(tmp_path: Path) -> None:
    out = tmp_path / "oncall.yaml"
    run_cli("import", "grafana-oncall", "--from", str(RECORDED), "-f", str(out))
    _, conversion = _offline()
    assert out.read_text() == _text(conversion)


def test_a_weekly_start_off_its_days_moves_to_the_first_listed_day_as_oncall_does() -> None:
    conversion = _one_schedule(
        {
            "id": "OW",
            "type": "rolling_users",
            "start": "2027-05-05T09:00:00",  # a Wednesday
            "duration": 3600,
            "frequency": "weekly",
            "week_start": "MO",
            "by_day": ["MO", "FR"],
            "rolling_users": [["U1ALICE"], ["U2BOB"]],
        }
    )
    (layer,) = _layers(conversion)
    assert layer.start == datetime(2027, 5, 10, 13, tzinfo=UTC)  # Monday 09:00 EDT
    assert layer.participants == ["go-user-u1alice", "go-user-u2bob"]
    assert [(w.weekday, w.duration_minutes) for w in layer.restrictions] == [(0, 60), (4, 60)]


def test_broken_entries_are_reported_and_the_rest_is_imported() -> None:
    data = IMPORTER.read_offline(RECORDED)
    broken = {
        **data,
        "users": [*data["users"], {"username": "no id"}, "not an object"],
        "on_call_shifts": [
            *data["on_call_shifts"],
            {"id": "OBAD", "schedule": "SPRIMARY", "type": "rolling_users", "start": "soon"},
        ],
    }
    conversion = IMPORTER.convert(broken, PeopleDirectory())
    assert len(conversion.document.people) == 4
    assert len(conversion.document.schedules[0].layers) == 2
    lost = _findings(conversion, Kind.LOST)
    assert any(f.startswith("users entry 5") for f in lost)
    assert any(f.startswith("shift OBAD") for f in lost)
