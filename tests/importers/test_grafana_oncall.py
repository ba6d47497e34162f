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
from tocsin.config_as_code.document import dump
from tocsin.importers import base
from tocsin.importers.grafana_oncall import COLLECTIONS, IMPORTER
from tocsin.importers.keys import PeopleDirectory
from tocsin.importers.report import Kind
from tocsin.importers.source import Api, SourceError

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
            assert query["start_date"] == ["2027-03-22"] and query["end_date"] == ["2027-04-12"]
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
    newer, older = web.layers  # the older version sits above, up to its end
    assert older.end == newer.start == datetime(2027, 4, 3, 8, tzinfo=UTC)
    assert (older.kind, older.length, newer.kind, newer.length) == ("daily", 1, "daily", 2)
    # version 2's first occurrence ends at the hand-over; its second (carol's turn) is first
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
