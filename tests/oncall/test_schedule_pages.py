"""The schedule pages: layers through the form, the layered timeline across a DST change,
overrides, and "Take this shift"; read back through the API, on both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest

from tests.builders import layer, level, ok, person, policy, schedule, team, team_admin, unique
from tests.conftest import PASSWORD, Api
from tests.console import Browser, choices
from tests.oncall.console import (
    forms_posting_to,
    main_of,
    redirected_to,
    refusal_of,
    signed_in,
)
from tocsin.access import accounts
from tocsin.core.roles import AccessRole

BAR = re.compile(
    r'<div class="timeline-bar" style="left:([\d.]+)%;width:([\d.]+)%" data-person="([^"]+)">'
    r'.*?<time datetime="([^"]+)".*?<time datetime="([^"]+)"',
    re.S,
)


@pytest.fixture
def responder(api: Api) -> Iterator[Browser]:
    browser = signed_in(api, "responder")
    yield browser
    browser.close()


@pytest.fixture
def admin(api: Api) -> Iterator[Browser]:
    """Schedules of no team are changed by admins (a team's also by its team admins)."""
    browser = signed_in(api, "admin")
    yield browser
    browser.close()


def on_call_row(page: str) -> str:
    return page.split('class="timeline-row final"', 1)[1].split("</section>", 1)[0]


def bars(html: str) -> list[tuple[str, datetime, datetime, float, float]]:
    return [
        (
            handle,
            datetime.fromisoformat(start),
            datetime.fromisoformat(end),
            float(left),
            float(width),
        )
        for left, width, handle, start, end in BAR.findall(html)
    ]


def who_at(html: str, instant: datetime) -> str:
    (handle,) = [h for h, start, end, _, _ in bars(html) if start <= instant < end]
    return handle


def berlin_form(name: str, people: str, **more: str) -> dict[str, str]:
    return {
        "name": name,
        "time_zone": "Europe/Berlin",
        "layers-0-name": "Primary",
        "layers-0-people": people,
        "layers-0-kind": "daily",
        "layers-0-length": "1",
        "layers-0-start": "2026-03-27T09:00",
        **more,
    }


def test_a_schedule_made_in_the_form_hands_off_at_local_time_across_dst(
    api: Api, admin: Browser, responder: Browser
) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    made = admin.submit(
        "/schedules", berlin_form(unique("berlin"), f"{ana['handle']}, @{ben['handle']}")
    )
    schedule_id = int(redirected_to(made).split("?")[0].rsplit("/", 1)[1])
    stored = ok(api.viewer.get(f"/api/v1/schedules/{schedule_id}"))
    (only,) = stored["layers"]
    assert only["start"] == "2026-03-27T08:00:00Z"  # 09:00 CET
    assert [p["id"] for p in only["participants"]] == [ana["id"], ben["id"]]

    page = responder.page(f"/schedules/{schedule_id}?from=2026-03-28&days=7")
    final = on_call_row(page)
    # Sunday 29 March 09:30 in Berlin is 07:30 UTC (summer time since 02:00): Ana's turn,
    # handed over at 09:00 local, 07:00 UTC; an hour earlier it was still Ben's.
    assert who_at(final, datetime.fromisoformat("2026-03-29T07:30:00+00:00")) == ana["handle"]
    assert who_at(final, datetime.fromisoformat("2026-03-29T06:30:00+00:00")) == ben["handle"]
    assert who_at(final, datetime.fromisoformat("2026-03-28T08:30:00+00:00")) == ben["handle"]
    found = bars(final)
    assert sum(width for *_, width in found) == pytest.approx(100, abs=0.01)
    assert found[0][3] == 0
    assert 'aria-label="Primary"' in page  # the layer's own row
    api_shifts = ok(
        api.viewer.get(
            f"/api/v1/schedules/{schedule_id}/shifts",
            params={"since": "2026-03-27T23:00:00Z", "until": "2026-04-03T23:00:00Z"},
        )
    )["shifts"]
    assert [(s["person"]["handle"]) for s in api_shifts] == [h for h, *_ in found]
    assert "Next 14 days" in page
    assert (
        len(bars(on_call_row(responder.page(f"/schedules/{schedule_id}?from=2026-03-28&days=14"))))
        == 15
    )


def test_layers_are_edited_with_restrictions_and_deleted(api: Api, admin: Browser) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    made = schedule(api, [layer([ana["id"]])], time_zone="Europe/Berlin")
    path = f"/schedules/{made['id']}"
    form = admin.page(f"{path}/edit")
    assert f'value="{ana["handle"]}"' in form
    edited = admin.submit(
        path,
        {
            **berlin_form(made["name"], ana["handle"]),
            "layers-1-name": "Weekend",
            "layers-1-people": ben["handle"],
            "layers-1-kind": "weekly",
            "layers-1-length": "1",
            "layers-1-start": "2026-03-28T08:00",
            "layers-1-restrictions": "weekly Sat 08:00 120\ndaily 20:00 60",
        },
    )
    assert redirected_to(edited) == f"{path}?notice=Saved."
    stored = ok(api.viewer.get(f"/api/v1{path}"))
    assert [la["name"] for la in stored["layers"]] == ["Primary", "Weekend"]
    windows = stored["layers"][1]["restrictions"]
    assert [(w["kind"], w.get("weekday"), w["duration_minutes"]) for w in windows] == [
        ("weekly", 5, 120),
        ("daily", None, 60),
    ]
    assert "weekly Sat 08:00 120" in admin.page(f"{path}/edit")

    page = admin.page(path)
    assert f'data-confirm="Delete schedule {made["name"]}?"' in page
    assert redirected_to(admin.submit(f"{path}/delete")).startswith("/schedules?")
    assert api.viewer.get(f"/api/v1{path}").status_code == 404


def test_bad_values_come_back_naming_the_field(api: Api, admin: Browser) -> None:
    ana = person(api, "Ana")
    name = unique("bad")
    zone = admin.submit(
        "/schedules", {**berlin_form(name, ana["handle"]), "time_zone": "Mars/Base"}
    )
    assert refusal_of(zone).startswith("time_zone:")
    stranger = admin.submit("/schedules", berlin_form(name, "nobody-here"))
    assert refusal_of(stranger).startswith("layers.0.participants:")
    window = admin.submit(
        "/schedules", {**berlin_form(name, ana["handle"]), "layers-0-restrictions": "sometimes"}
    )
    assert refusal_of(window).startswith("layers.0.restrictions:")
    length = admin.submit(
        "/schedules", {**berlin_form(name, ana["handle"]), "layers-0-length": "0"}
    )
    assert refusal_of(length).startswith("layers.0.length:")
    shown = admin.get(redirected_to(length))
    assert shown.status_code == 200 and "layers.0.length:" in shown.text
    assert name not in [s["name"] for s in ok(api.viewer.get("/api/v1/schedules"))]
    used = schedule(api, [layer([ana["id"]])])
    policy(api, [level(schedules=[used["id"]])])
    refused = admin.submit(f"/schedules/{used['id']}/delete")
    assert "escalation policy" in refusal_of(refused)
    bad_from = admin.get(f"/schedules/{used['id']}?from=someday")
    assert bad_from.status_code == 422 and "from:" in bad_from.text


def test_overrides_are_added_and_deleted_through_the_forms(api: Api, responder: Browser) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    made = schedule(api, [layer([ana["id"]])], time_zone="Europe/Berlin")
    path = f"/schedules/{made['id']}"
    form = {"person_id": str(ben["id"]), "start": "2030-07-01T09:00", "end": "2030-07-01T17:00"}
    assert "error" not in redirected_to(responder.submit(f"{path}/overrides", form))
    (override,) = ok(api.viewer.get(f"/api/v1{path}/overrides"))
    assert override["person"]["id"] == ben["id"]
    assert (override["start"], override["end"]) == ("2030-07-01T07:00:00Z", "2030-07-01T15:00:00Z")
    page = responder.page(path)
    assert f'data-confirm="Delete the override of {ben["name"]}?"' in page
    backwards = {**form, "end": "2030-07-01T08:00"}
    assert refusal_of(responder.submit(f"{path}/overrides", backwards)).startswith("end:")
    deleted = responder.submit(f"{path}/overrides/{override['id']}/delete")
    assert "error" not in redirected_to(deleted)
    assert ok(api.viewer.get(f"/api/v1{path}/overrides")) == []


def test_take_this_shift_makes_an_override_for_the_signed_in_person(
    api: Api, responder: Browser
) -> None:
    ana, dan = person(api, "Ana"), person(api, "Dan")
    made = schedule(api, [layer([ana["id"]])], time_zone="Europe/Berlin")
    path = f"/schedules/{made['id']}"
    # the test responder is linked to nobody: the button says why it is disabled
    page = responder.page(path)
    assert 'id="take-disabled"' in page and "disabled title=" in page

    email = f"{unique('dan')}@users.tocsin.test"
    accounts.create_user(
        api.db,
        email=email,
        role=AccessRole.RESPONDER,
        password=PASSWORD,
        created_by="tests",
        person_id=dan["id"],
        person_name=api.tocsin.access.person_name,
    )
    as_dan = signed_in(api, email=email)
    try:
        page = as_dan.page(path)
        assert 'id="take-disabled"' not in page
        handle, start, end, _, _ = bars(on_call_row(page))[0]
        assert handle == ana["handle"] and forms_posting_to(page, f"{path}/take")
        taken = as_dan.submit(f"{path}/take", {"start": start.isoformat(), "end": end.isoformat()})
        assert redirected_to(taken).startswith(f"{path}?notice=")
        (override,) = ok(api.viewer.get(f"/api/v1{path}/overrides"))
        assert override["person"]["id"] == dan["id"]
        assert datetime.fromisoformat(override["start"]) == start
        assert datetime.fromisoformat(override["end"]) == end
        assert override["created_by"] == "Dan"
        assert bars(on_call_row(as_dan.page(path)))[0][0] == dan["handle"]
    finally:
        as_dan.close()


def test_a_viewer_sees_no_forms_and_cannot_post(api: Api) -> None:
    ana = person(api, "Ana")
    made = schedule(api, [layer([ana["id"]])])
    viewer = signed_in(api, "viewer")
    try:
        listed = viewer.page("/schedules")
        assert made["name"] in listed and 'href="/schedules/new"' not in listed
        page = viewer.page(f"/schedules/{made['id']}")
        assert "timeline-bar" in page and "<form" not in main_of(page)
        assert viewer.get(f"/schedules/{made['id']}/edit").status_code == 403
        take = {"start": "2030-01-01T00:00:00+00:00", "end": "2030-01-02T00:00:00+00:00"}
        assert viewer.submit(f"/schedules/{made['id']}/take", take).status_code == 403
        assert viewer.submit(f"/schedules/{made['id']}/delete").status_code == 403
        assert ok(api.viewer.get(f"/api/v1/schedules/{made['id']}/overrides")) == []
    finally:
        viewer.close()
    refused = signed_in(api, "responder").forge(
        "/schedules", berlin_form(unique("c"), ana["handle"])
    )
    assert refused.status_code == 403 and "CSRF" in refused.text


def test_a_team_admin_changes_their_teams_schedules_and_no_others(
    api: Api, responder: Browser
) -> None:
    ana = person(api, "Ana")
    mine, email = team_admin(api)
    theirs = team(api, ana["id"])
    own = schedule(api, [layer([ana["id"]])], team_id=mine["id"])
    other = schedule(api, [layer([ana["id"]])], team_id=theirs["id"])
    as_admin = signed_in(api, email=email)
    try:
        assert 'href="/schedules/new"' in as_admin.page("/schedules")
        new = as_admin.page("/schedules/new")  # only their team to choose, not "none"
        assert choices(new, "team_id") == [str(mine["id"])]  # not "none", nor another team
        page = as_admin.page(f"/schedules/{own['id']}")
        assert forms_posting_to(page, f"/schedules/{own['id']}/delete")
        assert f'href="/schedules/{own["id"]}/edit"' in page
        edited = as_admin.submit(
            f"/schedules/{own['id']}",
            berlin_form(own["name"], ana["handle"], team_id=str(mine["id"])),
        )
        assert redirected_to(edited) == f"/schedules/{own['id']}?notice=Saved."
        made = as_admin.submit(
            "/schedules", berlin_form(unique("mine"), ana["handle"], team_id=str(mine["id"]))
        )
        assert "error" not in redirected_to(made)

        page = as_admin.page(f"/schedules/{other['id']}")  # overrides still, as a responder
        assert not forms_posting_to(page, f"/schedules/{other['id']}/delete")
        assert f"/schedules/{other['id']}/edit" not in page
        assert forms_posting_to(page, f"/schedules/{other['id']}/overrides")
        assert as_admin.get(f"/schedules/{other['id']}/edit").status_code == 403
        assert as_admin.submit(f"/schedules/{other['id']}/delete").status_code == 403
        moved = as_admin.submit(
            f"/schedules/{own['id']}",
            berlin_form(own["name"], ana["handle"], team_id=str(theirs["id"])),
        )
        assert moved.status_code == 403 and "team " in moved.text
        for team_id in (str(theirs["id"]), ""):
            refused = as_admin.submit(
                "/schedules", berlin_form(unique("x"), ana["handle"], team_id=team_id)
            )
            assert refused.status_code == 403
    finally:
        as_admin.close()
    assert ok(api.viewer.get(f"/api/v1/schedules/{own['id']}"))["team_id"] == mine["id"]
    assert ok(api.viewer.get(f"/api/v1/schedules/{other['id']}"))["name"] == other["name"]
    # a plain responder changes no schedule (overrides only), as in the API
    page = responder.page(f"/schedules/{own['id']}")
    assert 'href="/schedules/new"' not in responder.page("/schedules")
    assert not forms_posting_to(page, f"/schedules/{own['id']}/delete")
    assert forms_posting_to(page, f"/schedules/{own['id']}/overrides")
    assert responder.submit(f"/schedules/{own['id']}/delete").status_code == 403
    assert responder.get("/schedules/new").status_code == 403
