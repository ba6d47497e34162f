"""The services pages: the catalog, and a service added, edited and deleted through forms."""

from __future__ import annotations

from typing import Any

from tests.builders import declare, level, ok, person, policy, service, team_admin, unique
from tests.conftest import Api
from tests.console import Browser, choices, shown_error


def _team(api: Api) -> dict[str, Any]:
    body = {"name": unique("team")}
    created: dict[str, Any] = ok(api.admin.post("/api/v1/teams", json=body), 201)
    return created


def test_a_service_is_added_edited_and_deleted_through_the_forms(api: Api) -> None:
    team = _team(api)
    paging = policy(api, [level(people=[person(api)["id"]])])
    name = unique("svc")
    with Browser(api, "admin") as browser:
        page = browser.submit(
            "/services",
            name=name,
            description="Takes the money",
            team_id=str(team["id"]),
            escalation_policy_id=str(paging["id"]),
        )
        assert page.status_code == 200 and str(page.url).startswith(f"{api.url}/services?")
        assert f"Service {name} added." in page.text
        assert team["name"] in page.text and paging["name"] in page.text
        made = ok(api.viewer.get(f"/api/v1/services/{name}"))
        assert made["description"] == "Takes the money"
        assert (made["team_id"], made["escalation_policy_id"]) == (team["id"], paging["id"])

        page = browser.submit(
            f"/services/{name}", description="Takes less money", team_id="", escalation_policy_id=""
        )
        assert "Saved." in page.text and not shown_error(page)
        edited = ok(api.viewer.get(f"/api/v1/services/{name}"))
        assert edited["description"] == "Takes less money"
        assert edited["team_id"] is None and edited["escalation_policy_id"] is None

        form = browser.get(f"/services/{name}")
        assert f'data-confirm="Delete service {name}?' in form.text
        page = browser.submit(f"/services/{name}/delete")
        assert str(page.url).startswith(f"{api.url}/services?")
        assert f"Service {name} deleted." in page.text
    assert api.viewer.get(f"/api/v1/services/{name}").status_code == 404


def test_the_catalog_counts_each_services_open_incidents(api: Api) -> None:
    name = unique("svc")
    ok(api.admin.post("/api/v1/services", json={"name": name}), 201)
    declare(api, services=[name])
    declare(api, services=[name])
    with Browser(api, "viewer") as browser:
        page = browser.get("/services")
        assert f'<a href="/incidents?service={name}">2</a>' in page.text
        assert "Open incidents: " in browser.get(f"/services/{name}").text


def test_a_bad_field_is_shown_naming_it_never_a_500(api: Api) -> None:
    with Browser(api, "admin") as browser:
        page = browser.submit("/services", name="Not A Slug!")
        assert page.status_code == 200
        assert shown_error(page).startswith("name:")
        page = browser.submit("/services", name=unique("svc"), team_id="abc")
        assert shown_error(page).startswith("team_id:")
        page = browser.submit("/services", name=unique("svc"), escalation_policy_id="999999")
        assert "escalation_policy_id: no escalation policy" in shown_error(page)
        taken = unique("svc")
        browser.submit("/services", name=taken)
        assert "already named" in shown_error(browser.submit("/services", name=taken))
        missing = browser.get("/services/no-such-service")
        assert missing.status_code == 404 and "no service named" in missing.text


def test_the_forms_need_the_csrf_token(api: Api) -> None:
    name = unique("svc")
    with Browser(api, "responder") as browser:
        refused = browser.forge("/services", name=name)
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert api.viewer.get(f"/api/v1/services/{name}").status_code == 404


def test_a_viewer_gets_no_forms_and_a_viewers_post_is_refused(api: Api) -> None:
    name = unique("svc")
    ok(api.admin.post("/api/v1/services", json={"name": name, "description": "kept"}), 201)
    with Browser(api, "viewer") as browser:
        assert "Add a service" not in browser.get("/services").text
        detail = browser.get(f"/services/{name}").text
        assert "<form" not in detail.split("<main", 1)[1]
        refused = browser.submit("/services", name=unique("svc"))
        assert refused.status_code == 403 and "needs the responder role" in refused.text
        refused = browser.submit(f"/services/{name}", description="changed")
        assert refused.status_code == 403 and "needs the responder role" in refused.text
        assert browser.submit(f"/services/{name}/delete").status_code == 403
    assert ok(api.viewer.get(f"/api/v1/services/{name}"))["description"] == "kept"


def test_a_team_admin_changes_their_teams_services_and_no_others(api: Api) -> None:
    mine, email = team_admin(api)
    theirs = _team(api)
    own, other = service(api, team_id=mine["id"]), service(api, team_id=theirs["id"])
    with Browser(api, email=email) as browser:
        listed = browser.get("/services").text
        assert "Add a service" in listed and choices(listed, "team_id") == [str(mine["id"])]
        page = browser.get(f"/services/{own['name']}").text
        assert "Edit the service" in page and f"/services/{own['name']}/delete" in page
        saved = browser.submit(
            f"/services/{own['name']}", description="ours", team_id=str(mine["id"])
        )
        assert "Saved." in saved.text and not shown_error(saved)
        name = unique("svc")
        added = browser.submit("/services", name=name, team_id=str(mine["id"]))
        assert f"Service {name} added." in added.text

        page = browser.get(f"/services/{other['name']}").text
        assert "<form" not in page.split("<main", 1)[1]
        edit = {"description": "taken", "team_id": str(theirs["id"])}
        assert browser.submit(f"/services/{other['name']}", **edit).status_code == 403
        assert browser.submit(f"/services/{other['name']}/delete").status_code == 403
        moved = browser.submit(f"/services/{own['name']}", team_id=str(theirs["id"]))
        assert moved.status_code == 403 and theirs["name"] in moved.text
        assert browser.submit("/services", name=unique("svc")).status_code == 403
    assert ok(api.viewer.get(f"/api/v1/services/{own['name']}"))["team_id"] == mine["id"]
    assert ok(api.viewer.get(f"/api/v1/services/{other['name']}"))["description"] == ""
    with Browser(api, "responder") as browser:  # a plain responder changes no service
        assert "Add a service" not in browser.get("/services").text
        assert "Edit the service" not in browser.get(f"/services/{own['name']}").text
        assert browser.submit(f"/services/{own['name']}/delete").status_code == 403


def test_the_pages_need_a_sign_in(api: Api) -> None:
    with api.anonymous() as client:
        response = client.get("/services")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/services"
