"""The escalation policy pages: levels through the form, read back through the API, on both
databases; viewers see the levels and no forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.builders import (
    layer,
    level,
    ok,
    person,
    policy,
    schedule,
    service,
    team,
    team_admin,
    unique,
)
from tests.conftest import Api
from tests.console import Browser, choices
from tests.oncall.console import (
    forms_posting_to,
    main_of,
    redirected_to,
    refusal_of,
    signed_in,
)


@pytest.fixture
def responder(api: Api) -> Iterator[Browser]:
    browser = signed_in(api, "responder")
    yield browser
    browser.close()


@pytest.fixture
def admin(api: Api) -> Iterator[Browser]:
    """Policies of no team are changed by admins (a team's also by its team admins)."""
    browser = signed_in(api, "admin")
    yield browser
    browser.close()


def test_a_policy_is_created_edited_and_deleted_through_the_forms(api: Api, admin: Browser) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    rota = schedule(api, [layer([ana["id"]])])
    name = unique("policy")
    assert forms_posting_to(admin.page("/policies/new"), "/policies")
    created = admin.submit(
        "/policies",
        [
            ("name", name),
            ("repeat", "2"),
            ("levels-0-person", str(ana["id"])),
            ("levels-0-schedule", str(rota["id"])),
            ("levels-0-timeout", "10"),
            ("levels-1-timeout", "30"),  # no targets: left out
        ],
    )
    policy_id = int(redirected_to(created).split("?")[0].rsplit("/", 1)[1])
    stored = ok(api.viewer.get(f"/api/v1/escalation-policies/{policy_id}"))
    assert (stored["name"], stored["repeat"]) == (name, 2)
    (first,) = stored["levels"]
    assert first["timeout_minutes"] == 10
    assert [(t["type"], t["id"]) for t in first["targets"]] == [
        ("person", ana["id"]),
        ("schedule", rota["id"]),
    ]
    assert name in admin.page("/policies")

    page = admin.page(f"/policies/{policy_id}")
    assert f'<option value="{ana["id"]}" selected>' in page
    edited = admin.submit(
        f"/policies/{policy_id}",
        [
            ("name", name),
            ("repeat", "0"),
            ("levels-0-schedule", str(rota["id"])),
            ("levels-0-timeout", "5"),
            ("levels-1-person", str(ben["id"])),
            ("levels-1-timeout", "15"),
        ],
    )
    assert redirected_to(edited) == f"/policies/{policy_id}?notice=Saved."
    stored = ok(api.viewer.get(f"/api/v1/escalation-policies/{policy_id}"))
    assert [
        (lv["timeout_minutes"], [t["id"] for t in lv["targets"]]) for lv in stored["levels"]
    ] == [
        (5, [rota["id"]]),
        (15, [ben["id"]]),
    ]
    assert stored["repeat"] == 0

    assert f'data-confirm="Delete escalation policy {name}?"' in admin.page(
        f"/policies/{policy_id}"
    )
    deleted = admin.submit(f"/policies/{policy_id}/delete")
    assert redirected_to(deleted).startswith("/policies?")
    assert api.viewer.get(f"/api/v1/escalation-policies/{policy_id}").status_code == 404


def test_bad_values_come_back_naming_the_field(api: Api, admin: Browser) -> None:
    ana = person(api, "Ana")
    name = unique("bad")
    empty = admin.submit("/policies", {"name": name, "levels-0-timeout": "5"})
    assert refusal_of(empty).startswith("levels:")
    timeout = admin.submit(
        "/policies", {"name": name, "levels-0-person": str(ana["id"]), "levels-0-timeout": "0"}
    )
    assert refusal_of(timeout).startswith("levels.0.timeout_minutes:")
    repeat = admin.submit(
        "/policies",
        {"name": name, "repeat": "12", "levels-0-person": str(ana["id"]), "levels-0-timeout": "5"},
    )
    assert refusal_of(repeat).startswith("repeat:")
    unknown = admin.submit(
        "/policies", {"name": name, "levels-0-person": "2147483000", "levels-0-timeout": "5"}
    )
    assert refusal_of(unknown).startswith("levels.0.targets.0.id:")
    shown = admin.get(redirected_to(unknown))
    assert shown.status_code == 200 and "levels.0.targets.0.id:" in shown.text
    assert name not in [p["name"] for p in ok(api.viewer.get("/api/v1/escalation-policies"))]

    used = policy(api, [level(people=[ana["id"]])])
    service(api, used["id"])
    refused = admin.submit(f"/policies/{used['id']}/delete")
    assert "uses this policy" in refusal_of(refused)


def test_a_viewer_sees_the_levels_and_no_forms(api: Api) -> None:
    ana = person(api, "Ana")
    made = policy(api, [level(people=[ana["id"]], timeout=7)])
    viewer = signed_in(api, "viewer")
    try:
        listed = viewer.page("/policies")
        assert made["name"] in listed and 'href="/policies/new"' not in listed
        page = viewer.page(f"/policies/{made['id']}")
        assert "after 7 min" in page and ana["name"] in page
        assert "<form" not in main_of(page)
        body = {"name": "taken over", "levels-0-person": str(ana["id"]), "levels-0-timeout": "5"}
        assert viewer.submit(f"/policies/{made['id']}", body).status_code == 403
        assert viewer.submit(f"/policies/{made['id']}/delete").status_code == 403
        assert viewer.get("/policies/new").status_code == 403
    finally:
        viewer.close()
    assert ok(api.viewer.get(f"/api/v1/escalation-policies/{made['id']}"))["name"] == made["name"]


def test_forms_need_the_csrf_token(api: Api, responder: Browser) -> None:
    ana = person(api, "Ana")
    name = unique("csrf")
    body = {"name": name, "levels-0-person": str(ana["id"]), "levels-0-timeout": "5"}
    refused = responder.forge("/policies", body)
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert name not in [p["name"] for p in ok(api.viewer.get("/api/v1/escalation-policies"))]


def _levels(ana: dict[str, Any], team_id: object) -> list[tuple[str, str]]:
    return [
        ("name", unique("p")),
        ("team_id", str(team_id)),
        ("levels-0-person", str(ana["id"])),
        ("levels-0-timeout", "5"),
    ]


def test_a_team_admin_changes_their_teams_policies_and_no_others(
    api: Api, responder: Browser
) -> None:
    ana = person(api, "Ana")
    mine, email = team_admin(api)
    theirs = team(api, ana["id"])
    own = policy(api, [level(people=[ana["id"]])], team_id=mine["id"])
    other = policy(api, [level(people=[ana["id"]])], team_id=theirs["id"])
    as_admin = signed_in(api, email=email)
    try:
        assert 'href="/policies/new"' in as_admin.page("/policies")
        new = as_admin.page("/policies/new")
        assert choices(new, "team_id") == [str(mine["id"])]  # not "none", nor another team
        page = as_admin.page(f"/policies/{own['id']}")
        assert forms_posting_to(page, f"/policies/{own['id']}")
        assert forms_posting_to(page, f"/policies/{own['id']}/delete")
        saved = as_admin.submit(f"/policies/{own['id']}", _levels(ana, mine["id"]))
        assert redirected_to(saved) == f"/policies/{own['id']}?notice=Saved."
        assert "error" not in redirected_to(as_admin.submit("/policies", _levels(ana, mine["id"])))

        page = as_admin.page(f"/policies/{other['id']}")
        assert "<form" not in main_of(page) and ana["name"] in page
        refused = as_admin.submit(f"/policies/{other['id']}", _levels(ana, theirs["id"]))
        assert refused.status_code == 403
        assert as_admin.submit(f"/policies/{other['id']}/delete").status_code == 403
        moved = as_admin.submit(f"/policies/{own['id']}", _levels(ana, theirs["id"]))
        assert moved.status_code == 403
        assert as_admin.submit("/policies", _levels(ana, "")).status_code == 403
    finally:
        as_admin.close()
    assert ok(api.viewer.get(f"/api/v1/escalation-policies/{own['id']}"))["team_id"] == mine["id"]
    shown = ok(api.viewer.get(f"/api/v1/escalation-policies/{other['id']}"))
    assert shown["name"] == other["name"]
    # a plain responder changes no policy, as in the API
    assert 'href="/policies/new"' not in responder.page("/policies")
    assert "<form" not in main_of(responder.page(f"/policies/{own['id']}"))
    assert responder.submit(f"/policies/{own['id']}/delete").status_code == 403
