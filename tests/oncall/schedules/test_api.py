"""Schedules, overrides and the on-call questions over the API, on both databases."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.builders import layer, ok, person, schedule, unique
from tests.conftest import Api, TestClock


def shifts(api: Api, schedule_id: int, since: str, until: str) -> list[tuple[str, str, int]]:
    params = {"since": since, "until": until}
    found = ok(api.viewer.get(f"/api/v1/schedules/{schedule_id}/shifts", params=params))
    return [(s["start"], s["end"], s["person"]["id"]) for s in found["shifts"]]


def on_call(api: Api, schedule_id: int, at: str) -> dict[str, Any]:
    result: dict[str, Any] = ok(
        api.viewer.get(f"/api/v1/schedules/{schedule_id}/on-call", params={"at": at})
    )
    return result


def test_create_read_replace_delete(api: Api) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    created = schedule(
        api,
        [
            layer([ana["id"], ben["id"]], name="primary"),
            layer(
                [ben["id"]],
                kind="weekly",
                position=5,
                restrictions=[
                    {
                        "kind": "weekly",
                        "weekday": 5,
                        "start_time": "00:00",
                        "duration_minutes": 2880,
                    }
                ],
            ),
        ],
    )
    assert [la["position"] for la in created["layers"]] == [1, 5]
    assert [p["handle"] for p in created["layers"][0]["participants"]] == [
        ana["handle"],
        ben["handle"],
    ]
    assert created["layers"][1]["restrictions"] == [
        {"kind": "weekly", "weekday": 5, "start_time": "00:00:00", "duration_minutes": 2880}
    ]
    sid = created["id"]
    assert created["calendar_url"].startswith(
        f"{api.settings.base_url}/api/v1/schedules/{sid}/calendar.ics?sig="
    )
    assert ok(api.viewer.get(f"/api/v1/schedules/{sid}")) == created
    assert sid in [s["id"] for s in ok(api.viewer.get("/api/v1/schedules"))]
    body = {
        "name": "renamed",
        "time_zone": "Europe/Berlin",
        "layers": [layer([ben["id"]], position=1)],
    }
    replaced = ok(api.admin.put(f"/api/v1/schedules/{sid}", json=body))
    assert replaced["name"] == "renamed" and replaced["time_zone"] == "Europe/Berlin"
    assert [[p["id"] for p in la["participants"]] for la in replaced["layers"]] == [[ben["id"]]]
    assert api.viewer.put(f"/api/v1/schedules/{sid}", json=body).status_code == 403
    ok(api.admin.delete(f"/api/v1/schedules/{sid}"), 204)
    assert api.viewer.get(f"/api/v1/schedules/{sid}").status_code == 404


def test_daily_rotation_hands_off_at_local_nine_across_spring_forward(api: Api) -> None:
    """2026-03-08 New York springs forward: 09:00 local is 14:00Z before, 13:00Z after."""
    ana, ben = person(api, "Ana"), person(api, "Ben")
    sid = schedule(api, [layer([ana["id"], ben["id"]])])["id"]
    a, b = ana["id"], ben["id"]
    assert shifts(api, sid, "2026-03-06T14:00:00Z", "2026-03-10T14:00:00Z") == [
        ("2026-03-06T14:00:00Z", "2026-03-07T14:00:00Z", a),
        ("2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z", b),  # 23 hours
        ("2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z", a),
        ("2026-03-09T13:00:00Z", "2026-03-10T13:00:00Z", b),
        ("2026-03-10T13:00:00Z", "2026-03-10T14:00:00Z", a),
    ]
    assert on_call(api, sid, "2026-03-08T12:59:59Z")["person"]["id"] == b
    at_handoff = on_call(api, sid, "2026-03-08T09:00:00-04:00")
    assert at_handoff["person"]["id"] == a
    assert at_handoff["until"] == "2026-03-09T13:00:00Z"


def test_daily_shift_lasts_25_hours_across_fall_back(api: Api) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    sid = schedule(api, [layer([ana["id"], ben["id"]], start="2026-10-30T09:00:00-04:00")])["id"]
    assert shifts(api, sid, "2026-10-31T13:00:00Z", "2026-11-02T14:00:00Z") == [
        ("2026-10-31T13:00:00Z", "2026-11-01T14:00:00Z", ben["id"]),  # 25 hours
        ("2026-11-01T14:00:00Z", "2026-11-02T14:00:00Z", ana["id"]),
    ]


def test_overrides_win_and_higher_layers_sit_on_top(api: Api) -> None:
    ana, ben, cho = person(api, "Ana"), person(api, "Ben"), person(api, "Cho")
    weekend = {"kind": "weekly", "weekday": 5, "start_time": "09:00", "duration_minutes": 2880}
    sid = schedule(
        api,
        [
            layer([ana["id"]], kind="weekly", position=1),
            layer([ben["id"]], kind="weekly", position=2, restrictions=[weekend]),
        ],
    )["id"]
    assert on_call(api, sid, "2026-03-13T12:00:00-05:00")["person"]["id"] == ana["id"]  # Friday
    assert on_call(api, sid, "2026-03-14T12:00:00-04:00")["person"]["id"] == ben["id"]  # Saturday
    url = f"/api/v1/schedules/{sid}/overrides"
    body = {
        "person_id": cho["id"],
        "start": "2026-03-14T10:00:00-04:00",
        "end": "2026-03-14T14:00:00-04:00",
    }
    override = ok(api.responder.post(url, json=body), 201)
    assert (
        override["person"]["id"] == cho["id"] and override["created_by"] == "token:test-responder"
    )
    assert on_call(api, sid, "2026-03-14T12:00:00-04:00")["person"]["id"] == cho["id"]
    assert shifts(api, sid, "2026-03-14T13:00:00Z", "2026-03-14T19:00:00Z") == [
        ("2026-03-14T13:00:00Z", "2026-03-14T14:00:00Z", ben["id"]),
        ("2026-03-14T14:00:00Z", "2026-03-14T18:00:00Z", cho["id"]),
        ("2026-03-14T18:00:00Z", "2026-03-14T19:00:00Z", ben["id"]),
    ]
    listed = ok(api.viewer.get(url, params={"include_past": True}))
    assert [o["id"] for o in listed] == [override["id"]]
    ok(api.responder.delete(f"{url}/{override['id']}"), 204)
    assert on_call(api, sid, "2026-03-14T12:00:00-04:00")["person"]["id"] == ben["id"]
    assert api.responder.delete(f"{url}/{override['id']}").status_code == 404


def test_nobody_on_call_before_the_rotation_starts(api: Api) -> None:
    ana = person(api)
    sid = schedule(api, [layer([ana["id"]])])["id"]
    early = on_call(api, sid, "2026-01-01T00:00:00Z")
    assert early["person"] is None and early["until"] is None


def test_everyones_on_call_now(api: Api, clock: TestClock) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    first = schedule(api, [layer([ana["id"]])])
    second = schedule(api, [layer([ben["id"]], kind="hours", length=12)], time_zone="UTC")
    found = ok(api.viewer.get("/api/v1/oncall", params={"at": "2026-04-01T00:00:00Z"}))
    by_id = {row["schedule_id"]: row for row in found}
    assert by_id[first["id"]]["person"]["id"] == ana["id"]
    assert by_id[second["id"]]["person"]["id"] == ben["id"]
    assert by_id[second["id"]]["schedule_name"] == second["name"]
    mine = {first["id"], second["id"]}
    clock.set(datetime(2026, 4, 1, tzinfo=UTC))
    now = ok(api.viewer.get("/api/v1/oncall"))  # default: now
    assert [row for row in now if row["schedule_id"] in mine] == [
        row for row in found if row["schedule_id"] in mine
    ]
    clock.set(datetime(2026, 3, 1, tzinfo=UTC))  # before either rotation starts
    earlier = ok(api.viewer.get("/api/v1/oncall"))
    assert [row["person"] for row in earlier if row["schedule_id"] in mine] == [None, None]


def _valid(person_id: int) -> dict[str, Any]:
    return {"name": "x", "time_zone": "America/New_York", "layers": [layer([person_id])]}


def _window(start: str, minutes: int, weekday: int | None = None) -> dict[str, Any]:
    if weekday is None:
        return {"kind": "daily", "start_time": start, "duration_minutes": minutes}
    return {"kind": "weekly", "weekday": weekday, "start_time": start, "duration_minutes": minutes}


BAD_SCHEDULES = [
    ("time_zone", "Mars/Olympus", "time_zone"),
    ("layers.0.length", 0, "layers.0.length"),
    ("layers.0.length", -3, "layers.0.length"),
    ("layers.0.participants", [], "layers.0.participants"),
    ("layers.0.participants", [999_999], "layers.0.participants"),
    ("layers.0.kind", "monthly", "layers.0.kind"),
    ("layers.0.start", "2026-03-06T09:00:00", "layers.0.start"),
    ("layers.0.end", "2026-03-01T00:00:00Z", "layers.0.end"),
    ("team_id", 999_999, "team_id"),
    ("layers.1", "same position", "layers"),
    (
        "layers.0.restrictions",
        [_window("09:00", 480), _window("16:00", 120)],
        "layers.0.restrictions",
    ),
    # Sunday 22:00 for 4 hours wraps into Monday 01:00.
    (
        "layers.0.restrictions",
        [_window("22:00", 240, 6), _window("01:00", 60, 0)],
        "layers.0.restrictions",
    ),
    (
        "layers.0.restrictions",
        [_window("09:00", 1441)],
        "layers.0.restrictions.0.daily.duration_minutes",
    ),
    ("layers.0.restrictions", [_window("09:00", 60, 7)], "layers.0.restrictions.0.weekly.weekday"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD_SCHEDULES)
def test_bad_schedule_is_422_naming_the_field(api: Api, path: str, value: Any, field: str) -> None:
    ana = person(api)
    body = _valid(ana["id"])
    if value == "same position":
        body["layers"] = [layer([ana["id"]], position=2), layer([ana["id"]], position=2)]
    else:
        target = body
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = copy.deepcopy(value)
    response = api.admin.post("/api/v1/schedules", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_windows_that_only_touch_are_fine(api: Api) -> None:
    ana = person(api)
    windows = [_window("09:00", 480), _window("17:00", 60), _window("18:00", 60, 4)]
    created = schedule(api, [layer([ana["id"]], restrictions=windows)])
    assert len(created["layers"][0]["restrictions"]) == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"end": "2026-03-14T10:00:00Z"}, "end"),
        ({"end": "2026-03-14T09:00:00Z"}, "end"),
        ({"person_id": 999_999}, "person_id"),
        ({"start": "2026-03-14T10:00:00"}, "start"),
    ],
)
def test_bad_override_is_422(api: Api, body: dict[str, Any], field: str) -> None:
    ana = person(api)
    sid = schedule(api, [layer([ana["id"]])])["id"]
    valid = {"person_id": ana["id"], "start": "2026-03-14T10:00:00Z", "end": "2026-03-14T12:00:00Z"}
    response = api.responder.post(f"/api/v1/schedules/{sid}/overrides", json=valid | body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-03-01T00:00:00Z", "until": "2026-05-01T00:00:00Z"}, "until"),
        ({"since": "2026-03-01T00:00:00Z", "until": "2026-03-01T00:00:00Z"}, "until"),
        ({"since": "2026-03-01T00:00:00"}, "since"),
    ],
)
def test_bad_shift_span_is_422(api: Api, params: dict[str, str], field: str) -> None:
    ana = person(api)
    sid = schedule(api, [layer([ana["id"]])])["id"]
    response = api.viewer.get(f"/api/v1/schedules/{sid}/shifts", params=params)
    assert response.status_code == 422 and response.json()["field"] == field


def test_naive_at_and_unknown_schedule(api: Api) -> None:
    response = api.viewer.get("/api/v1/oncall", params={"at": "2026-03-01T00:00:00"})
    assert response.status_code == 422 and response.json()["field"] == "at"
    assert api.viewer.get("/api/v1/schedules/999999/on-call").status_code == 404
    missing = api.admin.put(
        "/api/v1/schedules/999999", json={"name": unique("s"), "time_zone": "UTC"}
    )
    assert missing.status_code == 404


def test_sixty_days_of_shifts_is_allowed(api: Api) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    sid = schedule(api, [layer([ana["id"], ben["id"]], kind="hours", length=1)], time_zone="UTC")[
        "id"
    ]
    found = shifts(api, sid, "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z")
    assert len(found) == 60 * 24
