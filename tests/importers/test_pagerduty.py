"""`tocsin import pagerduty`: recorded PagerDuty API v2 answers (tests/importers/recorded/
pagerduty, built from PagerDuty's published API reference) read through the API path
(httpx.MockTransport, paginated) and the offline path, converted and verified.

The recorded renderings (``rendered/*.json``) were worked out by hand from PagerDuty's rules,
in UTC, for 2026-03-07T00:00Z to 2026-04-11T00:00Z:

Platform primary (Europe/Berlin; CET until 2026-03-29 02:00, then CEST):
* layer "Weekly" (bottom): 1-week turns anchored Mon 2026-03-02 09:00 CET (before its start,
  Wed 03-11 12:00 CET) over Ana, Bob, Carla. Turn 1 (Bob) is under way at the start, so Bob
  covers 03-11 11:00Z → 03-16 08:00Z; Carla to 03-23 08:00Z; Ana's turn crosses the DST
  change and ends at 09:00 CEST = 03-30 07:00Z (167 real hours); Bob to 04-06 07:00Z; Carla.
* layer "Nights" (top, listed first by the API): 1-day turns handing off at 22:00, anchored
  03-30 22:00 CEST, covering from 04-01 00:00 CEST, over Carla, Dan, restricted to 22:00 for
  10 hours (across midnight, to 08:00). Turn 1 (Dan) is under way at the start: Dan covers
  03-31 22:00Z → 04-01 06:00Z; then Carla 04-01 20:00Z → 04-02 06:00Z, Dan, Carla, ...
* override: Dan 03-25 10:00Z → 18:00Z, on top of Ana.

Platform secondary (America/New_York, spring forward 2026-03-08 02:00 EST): 12-hour turns
from 03-07 20:00 EST (03-08 01:00Z), Bob then Ana, counting real hours: Bob's first turn holds
the DST change and ends at 13:00Z (09:00 EDT); the layer ends 03-12 01:00Z.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from tocsin.cli import app
from tocsin.config_as_code.document import Document, dump
from tocsin.importers import base
from tocsin.importers.keys import PeopleDirectory
from tocsin.importers.pagerduty import PagerDutyImporter
from tocsin.importers.report import Kind
from tocsin.importers.source import Api, SourceError

RECORDED = Path(__file__).parent / "recorded" / "pagerduty"
SINCE = datetime(2026, 3, 7, tzinfo=UTC)
WEEKS = 5
KEY = "u+recorded-key"
LISTS = ("users", "teams", "escalation_policies", "services")
SERVER_PAGE = 2  # the recorded server answers at most two objects a page

IMPORTER = PagerDutyImporter()


def _body(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


def _page(
    name: str, objects: list[Any], params: httpx.QueryParams, size: int = SERVER_PAGE
) -> httpx.Response:
    limit = min(int(params.get("limit", 25)), size)
    offset = int(params.get("offset", 0))
    chunk = objects[offset : offset + limit]
    more = offset + limit < len(objects)
    return httpx.Response(
        200, json={name: chunk, "limit": limit, "offset": offset, "more": more, "total": None}
    )


class RecordedPagerDuty:
    """Answers the REST API v2 paths the importer reads from the recorded files."""

    def __init__(self, root: Path = RECORDED) -> None:
        self.root = root
        self.requests: list[httpx.Request] = []

    def _json(self, name: str) -> Any:
        return json.loads((self.root / name).read_text())

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("Authorization") != f"Token token={KEY}":
            return httpx.Response(401, json={"error": {"message": "Unauthorized", "code": 2006}})
        path, params = request.url.path, request.url.params
        parts = path.strip("/").split("/")
        if parts[0] == "v3":
            return self._v3(request, parts[1:], params)
        assert request.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
        if parts[0] in LISTS and len(parts) == 1:
            if parts[0] == "users":
                assert params.get_list("include[]") == ["contact_methods", "notification_rules"]
            return _page(parts[0], self._json(f"{parts[0]}.json")[parts[0]], params)
        schedules = {s["id"]: s for s in self._json("schedules.json")["schedules"]}
        if parts == ["schedules"]:  # the list answers without the layers
            listed = [
                {k: v for k, v in s.items() if k != "schedule_layers"} for s in schedules.values()
            ]
            return _page("schedules", listed, params)
        if parts[0] == "schedules" and len(parts) == 3 and parts[2] == "overrides":
            assert "since" in params and "until" in params
            file = self.root / "overrides" / f"{parts[1]}.json"
            return httpx.Response(
                200,
                json=self._json(f"overrides/{file.name}") if file.exists() else {"overrides": []},
            )
        if parts[0] == "schedules" and len(parts) == 2 and parts[1] in schedules:
            if "since" in params:
                return httpx.Response(200, json=self._json(f"rendered/{parts[1]}.json"))
            return httpx.Response(200, json={"schedule": schedules[parts[1]]})
        return httpx.Response(404, json={"error": {"message": "Not Found", "code": 2100}})

    def _v3(
        self, request: httpx.Request, parts: list[str], params: httpx.QueryParams
    ) -> httpx.Response:
        """The shift-based schedules API: plain JSON, the early-access header."""
        assert request.headers["Accept"] == "application/json"
        assert request.headers["X-Early-Access"] == "flexible-schedules-early-access"
        schedules = {s["id"]: s for s in self._json("schedules_v3.json")["schedules"]}
        if parts == ["schedules"]:  # references only, as the v3 list answers
            listed = [
                {"id": s["id"], "type": "schedule_v3_reference", "summary": s["name"]}
                for s in schedules.values()
            ]
            return _page("schedules", listed, params, size=1)
        if len(parts) == 3 and parts[0] == "schedules" and parts[1] in schedules:
            assert "since" in params and "until" in params
            file = self.root / "overrides_v3" / f"{parts[1]}.json"
            saved = self._json(f"overrides_v3/{file.name}") if file.exists() else {}
            return _page(parts[2], saved.get(parts[2], []), params)
        if len(parts) == 2 and parts[0] == "schedules" and parts[1] in schedules:
            if "since" in params:
                assert params.get_list("include[]") == ["final_schedule"]
                return httpx.Response(200, json=self._json(f"rendered/{parts[1]}.json"))
            return httpx.Response(200, json={"schedule": schedules[parts[1]]})
        return httpx.Response(404, json={"error": {"message": "Not Found", "code": 2100}})


@pytest.fixture
def server() -> RecordedPagerDuty:
    return RecordedPagerDuty()


@pytest.fixture
def api(server: RecordedPagerDuty) -> Iterator[Api]:
    with IMPORTER.client(KEY, transport=httpx.MockTransport(server)) as client:
        yield client


def _offline() -> dict[str, Any]:
    return IMPORTER.read_offline(RECORDED)


def _text(conversion: base.Conversion) -> str:
    return yaml.safe_dump(dump(conversion.document), sort_keys=False, allow_unicode=True)


def test_people_come_by_normalized_email_with_exact_email_rules_and_the_rest_reported() -> None:
    conversion = IMPORTER.convert(_offline(), PeopleDirectory())
    people = {p.key: p for p in conversion.document.people}
    ana = people["pd-user-pana001"]
    assert ana.email == "ana.souza@example.com" and ana.handle == "ana.souza"
    assert ana.time_zone == "Europe/Berlin"
    assert [(m.kind, m.label, m.address) for m in ana.contact_methods or ()] == [
        ("email", "Work", "ana.souza@example.com")
    ]
    assert [(r.contact, r.delay_minutes) for r in ana.notification_rules or ()] == [
        ("pd-contact-pema001", 0)
    ]
    bob = people["pd-user-pbob002"]
    assert [(r.contact, r.delay_minutes) for r in bob.notification_rules or ()] == [
        ("pd-contact-pemb001", 0),
        ("pd-contact-pemb002", 17),
    ]
    lost = {f.source: f.message for f in conversion.report.of_kind(Kind.LOST)}
    assert "phone calls" in lost["user PANA001 (Ana Souza) contact method 'Mobile'"]
    assert "Apprise" in lost["user PDAN004 (Dan Wu) contact method 'Mobile'"]
    assert "after 10 min" in lost["user PANA001 (Ana Souza) low-urgency notification rules"]
    # Bob's low-urgency rules equal his high-urgency ones: nothing to report
    assert not any("PBOB002" in source for source in lost)
    team = conversion.document.teams[0]
    assert team.name == "Platform"
    assert team.members == ["pd-user-pana001", "pd-user-pbob002", "pd-user-pcar003"]


def test_a_user_tocsin_already_has_keeps_its_key_name_and_handle() -> None:
    existing = {
        "key": "ana",
        "name": "Ana S.",
        "handle": "ana",
        "email": "ana.souza@example.com",
        "time_zone": "Europe/Lisbon",
        "contact_methods": [
            {"key": "chat", "kind": "slack", "label": "Slack", "address": None},
            {"key": "mail", "kind": "email", "label": "mail", "address": "Ana.Souza@example.com"},
        ],
        "notification_rules": [{"contact": "chat", "delay_minutes": 0}],
    }
    conversion = IMPORTER.convert(_offline(), PeopleDirectory([existing]))
    ana = next(p for p in conversion.document.people if p.email == "ana.souza@example.com")
    assert (ana.key, ana.name, ana.handle) == ("ana", "Ana S.", "ana")
    assert [m.key for m in ana.contact_methods or ()] == ["chat", "mail"]
    assert [(r.contact, r.delay_minutes) for r in ana.notification_rules or ()] == [("mail", 0)]
    primary = conversion.document.schedules[0]
    assert "ana" in primary.layers[1].participants
    assert conversion.people["PANA001"] == "ana"  # type: ignore[attr-defined]


def test_layers_keep_pagerduty_hand_offs_when_the_anchor_precedes_the_start() -> None:
    conversion = IMPORTER.convert(_offline(), PeopleDirectory())
    primary = conversion.document.schedules[0]
    assert primary.time_zone == "Europe/Berlin" and primary.team == "pd-team-pteam01"
    shapes = [
        (
            layer.position,
            layer.kind.value,
            layer.length,
            layer.start.isoformat(),
            layer.participants,
        )
        for layer in primary.layers
    ]
    assert shapes == [
        # the turn under way at the start (Bob's), then the rotation from its first hand-off
        (1, "hours", 117, "2026-03-11T11:00:00+00:00", ["pd-user-pbob002"]),
        (
            2,
            "weekly",
            1,
            "2026-03-16T08:00:00+00:00",
            ["pd-user-pcar003", "pd-user-pana001", "pd-user-pbob002"],
        ),
        # the API lists the top layer first: Nights goes above Weekly
        (3, "hours", 22, "2026-03-31T22:00:00+00:00", ["pd-user-pdan004"]),
        (4, "daily", 1, "2026-04-01T20:00:00+00:00", ["pd-user-pcar003", "pd-user-pdan004"]),
    ]
    assert primary.layers[0].end is not None
    assert primary.layers[0].end.isoformat() == "2026-03-16T08:00:00+00:00"
    night = primary.layers[3].restrictions[0].model_dump(mode="json")
    assert night == {"kind": "daily", "start_time": "22:00:00", "duration_minutes": 600}
    assert [(o.person, o.start.isoformat()) for o in primary.overrides or ()] == [
        ("pd-user-pdan004", "2026-03-25T10:00:00+00:00")
    ]


def test_escalation_keeps_exact_delays_repeat_and_targets_and_reports_what_it_drops() -> None:
    conversion = IMPORTER.convert(_offline(), PeopleDirectory())
    policy = conversion.document.escalation_policies[0]
    assert policy.repeat == 2
    assert [level.timeout_minutes for level in policy.levels] == [7, 13]
    assert [t.schedule for t in policy.levels[0].targets] == ["pd-schedule-psched1"]
    assert [(t.person, t.schedule) for t in policy.levels[1].targets] == [
        ("pd-user-pbob002", None),
        (None, "pd-schedule-psched2"),
    ]
    sources = {f.source for f in conversion.report.findings}
    assert "escalation policy PEP0001 (Platform) rule 3" in sources
    service = conversion.document.services[0]
    assert (service.name, service.escalation_policy, service.team) == (
        "checkout-api",
        "pd-policy-pep0001",
        "pd-team-pteam01",
    )
    [integration] = conversion.document.integrations
    assert (integration.kind.value, integration.service) == ("pagerduty", "checkout-api")
    notes = conversion.report.of_kind(Kind.NOTE)
    assert any("/v2/enqueue" in n.message and "PINT001" in n.source for n in notes)
    assert any("PINT002" in f.source for f in conversion.report.of_kind(Kind.LOST))


def test_the_api_pages_through_every_list_and_reads_what_the_saved_files_hold(
    api: Api, server: RecordedPagerDuty
) -> None:
    data = IMPORTER.read_api(api, now=SINCE)
    assert [u["id"] for u in data["users"]] == ["PANA001", "PBOB002", "PCAR003", "PDAN004"]
    user_pages = [r for r in server.requests if r.url.path == "/users"]
    assert [r.url.params["offset"] for r in user_pages] == ["0", "2"]
    online = IMPORTER.convert(data, PeopleDirectory())
    offline = IMPORTER.convert(_offline(), PeopleDirectory())
    assert _text(online) == _text(offline)
    assert online.report.as_dicts() == offline.report.as_dicts()


def test_a_wrong_key_is_a_clear_error_naming_the_url(server: RecordedPagerDuty) -> None:
    wrong = r"GET https://api.pagerduty.com/\S+ answered 401"
    with (
        IMPORTER.client("wrong", transport=httpx.MockTransport(server)) as client,
        pytest.raises(SourceError, match=wrong),
    ):
        IMPORTER.read_api(client)
    eu = IMPORTER.client("k", "https://api.eu.pagerduty.com/")
    assert eu.base_url == "https://api.eu.pagerduty.com"
    eu.close()


def test_a_re_import_gives_the_identical_file() -> None:
    first = _text(IMPORTER.convert(_offline(), PeopleDirectory()))
    second = _text(IMPORTER.convert(_offline(), PeopleDirectory()))
    assert first == second
    assert Document.model_validate(yaml.safe_load(first)).people[0].key == "pd-user-pana001"


def test_verify_finds_no_difference_offline_and_through_the_api(api: Api) -> None:
    data = _offline()
    conversion = IMPORTER.convert(data, PeopleDirectory())
    assert base.verify(IMPORTER, data, conversion, SINCE, WEEKS, None) == []
    truth = IMPORTER.rendered(data, conversion, SINCE, SINCE.replace(month=4, day=11), None)
    assert set(truth) == {
        "pd-schedule-psched1",
        "pd-schedule-psched2",
        "pd-schedule-pshift1",
        "pd-schedule-pshift2",
    }
    assert len(truth["pd-schedule-psched1"]) == 24
    online = IMPORTER.read_api(api, now=SINCE)
    assert (
        base.verify(
            IMPORTER, online, IMPORTER.convert(online, PeopleDirectory()), SINCE, WEEKS, api
        )
        == []
    )


def test_verify_names_the_instant_and_both_answers_where_they_differ(tmp_path: Path) -> None:
    folder = tmp_path / "pd"
    shutil.copytree(RECORDED, folder)
    rendered = folder / "rendered" / "PSCHED1.json"
    body = json.loads(rendered.read_text())
    entry = body["schedule"]["final_schedule"]["rendered_schedule_entries"][2]
    assert entry["start"] == "2026-03-23T08:00:00Z"
    entry["user"] = {"id": "PBOB002", "type": "user_reference"}
    rendered.write_text(json.dumps(body))
    data = IMPORTER.read_offline(folder)
    conversion = IMPORTER.convert(data, PeopleDirectory())
    [difference] = base.verify(IMPORTER, data, conversion, SINCE, WEEKS, None)
    assert difference.schedule == "pd-schedule-psched1"
    assert difference.start == datetime(2026, 3, 23, 8, tzinfo=UTC)
    assert difference.end == datetime(2026, 3, 25, 10, tzinfo=UTC)
    assert (difference.tocsin, difference.source) == ("pd-user-pana001", "pd-user-pbob002")


def test_a_schedule_without_a_saved_rendering_is_reported_not_verified(tmp_path: Path) -> None:
    folder = tmp_path / "pd"
    shutil.copytree(RECORDED, folder)
    (folder / "rendered" / "PSCHED2.json").unlink()
    data = IMPORTER.read_offline(folder)
    conversion = IMPORTER.convert(data, PeopleDirectory())
    assert base.verify(IMPORTER, data, conversion, SINCE, WEEKS, None) == []
    assert any(f.source == "schedule PSCHED2" for f in conversion.report.of_kind(Kind.NOTE))


def test_the_command_writes_the_file_and_verifies_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:  # type: ignore[override]
            return cls(2026, 3, 7, tzinfo=UTC)

    monkeypatch.setattr("tocsin.cli.importers.datetime", Frozen)
    out = tmp_path / "tocsin.yaml"
    result = CliRunner().invoke(
        app,
        ["import", "pagerduty", "--from", str(RECORDED), "-f", str(out), "--verify", str(WEEKS)],
    )
    assert result.exit_code == 0, result.output
    assert "0 differences over 5 weeks." in result.output
    assert out.read_text() == _text(IMPORTER.convert(_offline(), PeopleDirectory()))
    missing = CliRunner().invoke(app, ["import", "pagerduty", "--from", str(tmp_path / "no")])
    assert missing.exit_code == 1
    assert "is not a folder of saved PagerDuty answers" in " ".join(missing.output.split())


def test_an_unreadable_schedule_is_reported_and_the_rest_still_imports() -> None:
    data = _offline()
    broken = json.loads(json.dumps(data["schedules"][1]))
    broken["schedule_layers"][0]["start"] = "next tuesday"
    data["schedules"] = [data["schedules"][0], broken]
    conversion = IMPORTER.convert(data, PeopleDirectory())
    assert [s.key for s in conversion.document.schedules] == [
        "pd-schedule-psched1",
        "pd-schedule-pshift1",
        "pd-schedule-pshift2",
    ]
    [finding] = [f for f in conversion.report.of_kind(Kind.LOST) if f.source == "schedule PSCHED2"]
    assert "next tuesday" in finding.message
    # the policy's level that targets it keeps its other target
    assert [
        (t.person, t.schedule) for t in conversion.document.escalation_policies[0].levels[1].targets
    ] == [("pd-user-pbob002", None)]
