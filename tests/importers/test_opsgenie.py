"""The Opsgenie importer against a recorded account: its REST API (httpx.MockTransport
serving the recorded answers, pages of two) and the same account as a configuration-backup
folder; ``--verify`` against Opsgenie's own timelines; the file applied for real."""

from __future__ import annotations

import copy
import itertools
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.config_as_code.helpers import applied, fresh_server, planned
from tests.conftest import Api as TocsinApi
from tests.conftest import run_cli
from tests.importers.opsgenie_api import KEY, RECORDED, RecordedOpsgenie
from tocsin.cli import importers as cli_importers
from tocsin.config_as_code.document import Document, dump
from tocsin.core import escalation as escalation_core
from tocsin.core.schedule import on_call_at
from tocsin.importers import base
from tocsin.importers.keys import PeopleDirectory
from tocsin.importers.opsgenie import IMPORTER
from tocsin.importers.opsgenie.common import Context
from tocsin.importers.opsgenie.escalations import convert_escalation
from tocsin.importers.report import ImportReport, Kind
from tocsin.importers.source import Api, SourceError
from tocsin.importers.verify import core_schedule

WINDOW = datetime(2027, 3, 8, tzinfo=UTC)  # three weeks over both DST changes of 2027
ANA = "og-user-a1b2c3d4-0000-4000-8000-000000000001"
BOB = "og-user-a1b2c3d4-0000-4000-8000-000000000002"
CY = "og-user-a1b2c3d4-0000-4000-8000-000000000003"
DEE = "og-user-a1b2c3d4-0000-4000-8000-000000000004"
PRIMARY = "og-schedule-5c4e0001-0000-4000-8000-000000000001"
DATA = "og-schedule-5c4e0001-0000-4000-8000-000000000002"
PRIMARY_ID = "5c4e0001-0000-4000-8000-000000000001"


def _text(conversion: base.Conversion) -> str:
    return yaml.safe_dump(dump(conversion.document), sort_keys=False, allow_unicode=True)


def _offline(people: PeopleDirectory | None = None) -> tuple[dict[str, Any], base.Conversion]:
    data = IMPORTER.read_offline(RECORDED)
    return data, IMPORTER.convert(data, people or PeopleDirectory())


@pytest.fixture
def opsgenie() -> Iterator[tuple[RecordedOpsgenie, Api]]:
    recorded = RecordedOpsgenie()
    api = Api(
        "https://api.eu.opsgenie.com",
        {"Authorization": f"GenieKey {KEY}"},
        transport=recorded.transport(),
    )
    with api:
        yield recorded, api


def _schedule(conversion: base.Conversion, key: str) -> Any:
    return next(s for s in conversion.document.schedules if s.key == key)


def _policy(conversion: base.Conversion, name: str) -> Any:
    return next(p for p in conversion.document.escalation_policies if p.name == name)


def _layer(conversion: base.Conversion, schedule: str, name: str) -> Any:
    return next(x for x in _schedule(conversion, schedule).layers if x.name == name)


def _level_starts(policy: Any) -> list[int]:
    steps = escalation_core.timeline(
        [level.timeout_minutes for level in policy.levels], repeat=0, start=WINDOW
    )
    return [int((at - WINDOW) / timedelta(minutes=1)) for _, at in steps]


# ------------------------------------------------------------------ reading


def test_the_api_and_the_backup_folder_give_the_same_file(opsgenie) -> None:
    recorded, api = opsgenie
    from_api = IMPORTER.convert(IMPORTER.read_api(api), PeopleDirectory())
    _, from_backup = _offline()
    assert _text(from_api) == _text(from_backup)
    user_pages = [r.url.params["offset"] for r in recorded.requests if r.url.path == "/v2/users"]
    assert user_pages == ["0", "2", "4"]  # paging.next followed to the end
    assert {r.url.path for r in recorded.requests} >= {
        "/v1/services",
        "/v2/escalations",
        "/v2/integrations",
        f"/v2/schedules/{PRIMARY_ID}/overrides",
        f"/v2/users/{ANA.removeprefix('og-user-')}/notification-rules/r-ana-new",
    }


def test_a_bad_key_is_a_clear_error_naming_the_url() -> None:
    recorded = RecordedOpsgenie()
    api = Api(
        "https://api.opsgenie.com",
        {"Authorization": "GenieKey wrong"},
        transport=recorded.transport(),
    )
    with pytest.raises(SourceError, match=r"GET https://api.opsgenie.com/v2/users answered 401"):
        IMPORTER.read_api(api)


def test_the_importer_sends_the_genie_key_to_the_base_url_given() -> None:
    api = IMPORTER.api("k123", "https://api.eu.opsgenie.com/")
    assert api.base_url == "https://api.eu.opsgenie.com"
    assert api._client.headers["Authorization"] == "GenieKey k123"
    assert IMPORTER.api("k", None).base_url == "https://api.opsgenie.com"


def test_a_folder_without_a_backup_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="holds no Opsgenie backup"):
        IMPORTER.read_offline(tmp_path)


# ------------------------------------------------------------------ idempotent


def test_a_reimport_gives_the_identical_file_whatever_the_order_read(tmp_path: Path) -> None:
    data, first = _offline()
    shuffled = copy.deepcopy(data)
    for section in ("users", "teams", "schedules", "escalations", "integrations"):
        shuffled[section].reverse()
    copied = tmp_path / "backup"
    shutil.copytree(RECORDED, copied)
    again = IMPORTER.convert(IMPORTER.read_offline(copied), PeopleDirectory())
    assert _text(again) == _text(first)
    assert _text(IMPORTER.convert(shuffled, PeopleDirectory())) == _text(first)
    assert [p.key for p in first.document.people][1:3] == [ANA, BOB]  # keyed by Opsgenie ids


# ------------------------------------------------------------------ people


def test_an_upper_case_email_is_normalized_and_matched() -> None:
    _, conversion = _offline()
    ana = next(p for p in conversion.document.people if p.key == ANA)
    assert ana.email == "ana.lima@example.com" and ana.handle == "ana.lima"
    tocsin_has = [
        {
            "key": "person-7",
            "name": "Ana L.",
            "handle": "ana",
            "email": "ANA.lima@EXAMPLE.com",
            "time_zone": "Europe/Paris",
            "contact_methods": [
                {"key": "contact-3", "kind": "slack", "label": "dm", "address": None}
            ],
        }
    ]
    _, matched = _offline(PeopleDirectory(tocsin_has))
    ana = next(p for p in matched.document.people if p.email == "ANA.lima@EXAMPLE.com")
    assert (ana.key, ana.name, ana.handle, ana.time_zone) == (
        "person-7",
        "Ana L.",
        "ana",
        "Europe/Paris",
    )
    assert next(m.key for m in ana.contact_methods) == "contact-3"  # Tocsin's own method kept
    days = _layer(matched, PRIMARY, "Days")
    assert "person-7" in days.participants and ANA not in days.participants


def test_contact_methods_and_rules_keep_exact_delays_and_report_what_cannot_be_sent() -> None:
    _, conversion = _offline()
    people = {p.key: p for p in conversion.document.people}
    ana = people[ANA]
    addresses = {m.key: m.address for m in ana.contact_methods}
    assert [(addresses[r.contact], r.delay_minutes) for r in ana.notification_rules] == [
        ("Ana.Lima@Example.COM", 0),
        ("ana@home.example", 7),
    ]
    assert [r.delay_minutes for r in people[BOB].notification_rules] == [0, 60]  # 1 hour
    lost = " ".join(f.source + f.message for f in conversion.report.of_kind(Kind.LOST))
    assert "SMS to 351-912345678" in lost and "phone calls to 1-2125550100" in lost
    assert "mobile app push" in lost and "schedule-start" in lost


# ------------------------------------------------------------------ schedules


def test_a_restriction_across_midnight_and_weekday_windows() -> None:
    _, conversion = _offline()
    nights = _layer(conversion, PRIMARY, "Nights")
    window = nights.restrictions[0]
    assert (window.kind, window.start_time.isoformat(), window.duration_minutes) == (
        "daily",
        "22:00:00",
        480,
    )
    after_hours = _layer(conversion, DATA, "After hours")
    weekend = after_hours.restrictions[0]  # Friday 17:30 to Monday 09:00
    assert (weekend.weekday, weekend.start_time.isoformat(), weekend.duration_minutes) == (
        4,
        "17:30:00",
        2 * 1440 + 15 * 60 + 30,
    )


def test_a_dst_change_inside_a_weekly_shift_keeps_the_local_hand_off() -> None:
    _, conversion = _offline()
    engine = core_schedule(_schedule(conversion, PRIMARY))
    # the week from Monday 22 March 09:00 CET holds the change of 28 March; the hand-off
    # stays at 09:00 local, so it moves from 08:00Z to 07:00Z
    before = on_call_at(engine, datetime(2027, 3, 29, 6, 59, tzinfo=UTC))
    after = on_call_at(engine, datetime(2027, 3, 29, 7, 0, tzinfo=UTC))
    assert {before, after} == {ANA, BOB} and before != after


def test_a_none_turn_stays_a_gap_and_the_anchor_before_the_window_counts() -> None:
    _, conversion = _offline()
    nights = _layer(conversion, PRIMARY, "Nights")
    assert nights.start == datetime(2026, 11, 2, 21, 0, tzinfo=UTC)  # months before the window
    assert nights.participants == [CY, "og-nobody", DEE]
    nobody = next(p for p in conversion.document.people if p.key == "og-nobody")
    assert nobody.contact_methods == [] and nobody.email is None


def test_overrides_of_the_schedule_and_of_one_rotation() -> None:
    _, conversion = _offline()
    primary = _schedule(conversion, PRIMARY)
    assert [(o.person, o.start.isoformat()) for o in primary.overrides] == [
        ("og-user-a1b2c3d4-0000-4000-8000-000000000005", "2027-03-17T10:00:00+00:00")
    ]
    names = [layer.name for layer in primary.layers]  # bottom-up
    assert names == ["Nights", "override ov-nights", "Days"]  # Nights has nobody's turns
    top = primary.layers[1]  # right above Nights, with its windows: it replaces Nights only
    assert top.participants == [ANA] and top.restrictions == primary.layers[0].restrictions
    assert top.end == datetime(2027, 3, 21, 8, 0, tzinfo=UTC)


def test_overlapping_rotations_are_reported_and_verify_names_both() -> None:
    data, _ = _offline()
    data = copy.deepcopy(data)
    schedule = next(s for s in data["schedules"] if s["id"] == PRIMARY_ID)
    for rotation in schedule["rotations"]:
        rotation.pop("timeRestriction")
    schedule["overrides"] = []
    conversion = IMPORTER.convert(data, PeopleDirectory())
    changed = [f.message for f in conversion.report.of_kind(Kind.CHANGED)]
    assert any(
        "'Days' and 'Nights' are on call at the same time" in m and "'Days' (the higher" in m
        for m in changed
    )
    both = {
        "periods": [
            {
                "startDate": "2027-03-08T00:00:00Z",
                "endDate": "2027-03-09T00:00:00Z",
                "recipient": {"id": ANA.removeprefix("og-user-"), "type": "user"},
            },
            {
                "startDate": "2027-03-08T12:00:00Z",
                "endDate": "2027-03-08T13:00:00Z",
                "recipient": {"id": CY.removeprefix("og-user-"), "type": "user"},
            },
        ]
    }
    data["timelines"] = {PRIMARY_ID: {"data": {"finalTimeline": {"rotations": [both]}}}}
    truth = IMPORTER.rendered(data, conversion, WINDOW, WINDOW + timedelta(days=1), None)
    assert [s.person for s in truth[PRIMARY]] == [ANA, f"{ANA} + {CY}", ANA]


# ------------------------------------------------------------------ verify


def test_verify_finds_no_difference_offline_over_both_dst_changes() -> None:
    data, conversion = _offline()
    assert base.verify(IMPORTER, data, conversion, WINDOW, 3, None) == []


def test_verify_finds_no_difference_from_the_api(opsgenie) -> None:
    recorded, api = opsgenie
    data = IMPORTER.read_api(api)
    conversion = IMPORTER.convert(data, PeopleDirectory())
    assert base.verify(IMPORTER, data, conversion, WINDOW, 3, api) == []
    asked = [r for r in recorded.requests if r.url.path.endswith("/timeline")]
    assert asked and asked[0].url.params["date"] == "2027-03-08T00:00:00Z"


def test_verify_names_the_instant_and_both_answers_of_a_deliberate_difference() -> None:
    data, conversion = _offline()
    data = copy.deepcopy(data)
    periods = data["timelines"][PRIMARY_ID]["data"]["finalTimeline"]["rotations"][1]["periods"]
    changed = next(p for p in periods if p["startDate"] == "2027-03-10T05:00:00Z")
    assert changed["recipient"]["name"] == "ana.lima@example.com"
    changed["recipient"] = {
        "id": BOB.removeprefix("og-user-"),
        "type": "user",
        "name": "bob@example.com",
    }
    found = base.verify(IMPORTER, data, conversion, WINDOW, 3, None)
    assert [(d.schedule, d.start, d.end, d.tocsin, d.source) for d in found] == [
        (
            PRIMARY,
            datetime(2027, 3, 10, 5, 0, tzinfo=UTC),
            datetime(2027, 3, 10, 21, 0, tzinfo=UTC),
            ANA,
            BOB,
        )
    ]


class _At(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> _At:  # type: ignore[override]
        return cls(2027, 3, 8, tzinfo=UTC)


def test_the_command_writes_the_file_and_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_importers, "datetime", _At)
    out = tmp_path / "tocsin.yaml"
    text = run_cli(
        "import", "opsgenie", "--from", str(RECORDED), "--file", str(out), "--verify", "3", "--json"
    )
    summary = json.loads(text[text.index("{") :])
    assert summary["differences"] == []
    assert any(f["kind"] == "lost" for f in summary["report"])
    Document.model_validate(yaml.safe_load(out.read_text()))
    bad = tmp_path / "bad"
    shutil.copytree(RECORDED, bad)
    timeline = bad / "timelines" / f"{PRIMARY_ID}.json"
    saved = json.loads(timeline.read_text())
    saved["data"]["finalTimeline"]["rotations"][1]["periods"][2]["recipient"] = {
        "id": "not-a-user",
        "type": "user",
        "name": "zed@example.com",
    }
    timeline.write_text(json.dumps(saved))
    text = run_cli(
        "import", "opsgenie", "--from", str(bad), "--file", str(out), "--verify", "3", exit_code=3
    )
    assert "differs og-schedule-5c4e0001" in text and "opsgenie nobody" in text


# ------------------------------------------------------------------ escalation


def test_absolute_delays_become_exact_level_starts() -> None:
    _, conversion = _offline()
    data_policy = _policy(conversion, "Data escalation")  # rules at 5 and 12 minutes
    assert _level_starts(data_policy) == [0, 5, 12]
    assert data_policy.levels[0].targets[0].schedule == "og-schedule-nobody"  # only waits
    assert data_policy.levels[1].targets[0].schedule == DATA
    assert data_policy.levels[2].targets[0].person == CY
    payments = _policy(conversion, "Payments escalation")  # 0, 5, 5 (two users), 12
    assert _level_starts(payments) == [0, 5, 12]
    assert [t.person for t in payments.levels[1].targets] == [BOB, ANA]
    assert [t.person for t in payments.levels[2].targets] == [ANA]  # the team's admins
    assert payments.repeat == 2 and payments.levels[-1].timeout_minutes == 10  # waitInterval
    nobody = _schedule(conversion, "og-schedule-nobody")
    assert nobody.layers == []


def test_escalation_steps_tocsin_cannot_express_are_reported() -> None:
    _, conversion = _offline()
    ghost = _policy(conversion, "Ghost escalation")
    assert ghost.repeat == 9 and ghost.levels[0].targets[0].schedule == "og-schedule-nobody"
    text = " ".join(f.source + ": " + f.message for f in conversion.report.findings)
    assert "ghost@example.com is not imported" in text
    assert "notifies the next on-call" in text and "repeats 15 times" in text
    assert "escalates if not closed" in text


# ------------------------------------------------------------------ services, integrations


def test_services_follow_team_routing_and_integrations_get_new_urls() -> None:
    _, conversion = _offline()
    services = {s.name: s for s in conversion.document.services}
    assert (
        services["checkout"].escalation_policy == "og-policy-e5c40001-0000-4000-8000-000000000001"
    )
    assert services["data"].escalation_policy == "og-policy-e5c40001-0000-4000-8000-000000000002"
    kinds = {i.name: (i.kind.value, i.service) for i in conversion.document.integrations}
    assert kinds == {
        "Checkout API": ("generic", "checkout"),
        "Prometheus prod": ("alertmanager", "data"),
        "Grafana": ("grafana", "opsgenie"),
    }
    notes = [f.message for f in conversion.report.of_kind(Kind.NOTE)]
    assert any("service checkout: point the tool at <tocsin>/hooks/<key>" in n for n in notes)
    lost = [f.source for f in conversion.report.of_kind(Kind.LOST)]
    assert any("Mail in" in s for s in lost) and any("Payments" in s for s in lost)


# ------------------------------------------------------------------ applied for real


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TocsinApi]:
    with fresh_server(request.param, tmp_path) as api:
        yield api


def test_the_file_applies_and_a_second_apply_changes_nothing(fresh: TocsinApi) -> None:
    _, conversion = _offline()
    text = _text(conversion)
    done = applied(fresh, text)
    assert len(done["secrets"]) == 3  # one key per new integration
    assert planned(fresh, text)["changes"] == []
    applied(fresh, text)
    _, again = _offline()
    assert planned(fresh, _text(again))["changes"] == []


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=600), st.sampled_from(["minutes", "hours"])),
        min_size=1,
        max_size=8,
    )
)
def test_levels_start_exactly_at_every_distinct_rule_delay(delays: list[tuple[int, str]]) -> None:
    rules = [
        {
            "condition": "if-not-acked",
            "notifyType": "default",
            "delay": {"timeAmount": amount, "timeUnit": unit},
            "recipient": {"type": "user", "id": "u1"},
        }
        for amount, unit in delays
    ]
    ctx = Context(report=ImportReport(), people_by_user={"u1": "og-user-u1"})
    policy = convert_escalation({"id": "e1", "name": "E", "rules": rules}, ctx)
    assert policy is not None
    wanted = sorted({0} | {a * (60 if u == "hours" else 1) for a, u in delays})
    if all(b - a <= 1440 for a, b in itertools.pairwise(wanted)):  # else a timeout is capped
        assert _level_starts(policy) == wanted
    assert all(level.timeout_minutes >= 1 for level in policy.levels)


def test_a_user_tocsin_cannot_hold_is_reported_and_the_rest_imported() -> None:
    data, _ = _offline()
    data = copy.deepcopy(data)
    data["users"].append({"id": "u-bad", "username": "root@localhost", "fullName": "Root"})
    data["users"].append({"id": "u-none", "username": "no-email"})
    conversion = IMPORTER.convert(data, PeopleDirectory())
    unmatched = {f.source: f.message for f in conversion.report.of_kind(Kind.UNMATCHED)}
    assert "email" in unmatched["user u-bad (root@localhost)"]
    assert "no email" in unmatched["user u-none (no-email)"]
    assert len([p for p in conversion.document.people if p.key.startswith("og-user-")]) == 5
