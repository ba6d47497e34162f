"""The services pages: the catalog, and a service added, edited and deleted through forms."""

from __future__ import annotations

from tests.builders import declare, level, ok, person, policy, unique
from tests.conftest import Api
from tests.console import Browser, shown_error


def _team(api: Api) -> dict[str, object]:
    body = {"name": unique("team")}
    created: dict[str, object] = ok(api.responder.post("/api/v1/teams", json=body), 201)
    return created


def test_a_service_is_added_edited_and_deleted_through_the_forms(api: Api) -> None:
    team = _team(api)
    paging = policy(api, [level(people=[person(api)["id"]])])
    name = unique("svc")
    with Browser(api, "responder") as browser:
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
    ok(api.responder.post("/api/v1/services", json={"name": name}), 201)
    declare(api, services=[name])
    declare(api, services=[name])
    with Browser(api, "viewer") as browser:
        page = browser.get("/services")
        assert f'<a href="/incidents?service={name}">2</a>' in page.text
        assert "Open incidents: " in browser.get(f"/services/{name}").text


def test_a_bad_field_is_shown_naming_it_never_a_500(api: Api) -> None:
    with Browser(api, "responder") as browser:
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
    ok(api.responder.post("/api/v1/services", json={"name": name, "description": "kept"}), 201)
    with Browser(api, "viewer") as browser:
        assert "Add a service" not in browser.get("/services").text
        detail = browser.get(f"/services/{name}").text
        assert "<form" not in detail.split("<main", 1)[1]
        refused = browser.submit("/services", name=unique("svc"))
        assert "needs the responder role" in shown_error(refused)
        refused = browser.submit(f"/services/{name}", description="changed")
        assert "needs the responder role" in shown_error(refused)
        browser.submit(f"/services/{name}/delete")
    assert ok(api.viewer.get(f"/api/v1/services/{name}"))["description"] == "kept"


def test_the_pages_need_a_sign_in(api: Api) -> None:
    with api.anonymous() as client:
        response = client.get("/services")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/services"
