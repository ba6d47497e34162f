"""Several pages per installation: each its own components and incidents, address and
look; an internal page answers only a signed-in reader."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Api, session_cookie
from tests.statuspage.helpers import BASE, component, created, unique


def page(api: Api, **fields: Any) -> dict[str, Any]:
    fields.setdefault("slug", unique("page"))
    fields.setdefault("name", f"Page {fields['slug']}")
    return created(api.admin.post(f"{BASE}/pages", json=fields))


def read(api: Api, path: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{api.url}{path}", headers=headers, timeout=30)


def component_ids(api: Api, path: str) -> set[str]:
    response = read(api, path)
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()["components"]}


def test_each_page_shows_its_own_components_at_its_own_address(api: Api) -> None:
    second = page(api, name="Partner API status")
    assert second["url"] == f"{api.settings.base_url.rstrip('/')}/pages/{second['slug']}"
    mine = component(api, page_id=second["id"])
    default = component(api)
    assert mine["page_id"] == second["id"] and default["page_id"] == 1

    root = f"/pages/{second['slug']}/api/v2"
    assert component_ids(api, f"{root}/components.json") == {str(mine["id"])}
    assert str(mine["id"]) not in component_ids(api, "/api/v2/components.json")
    assert str(default["id"]) in component_ids(api, "/api/v2/components.json")
    summary = read(api, f"{root}/summary.json").json()
    assert summary["page"]["name"] == "Partner API status"
    assert summary["page"]["url"] == second["url"]
    # The default page answers at /status/ as well as at Statuspage's root paths.
    assert (
        read(api, "/status/api/v2/summary.json").json() == read(api, "/api/v2/summary.json").json()
    )
    listed = api.viewer.get(f"{BASE}/components", params={"page_id": second["id"]}).json()
    assert [c["id"] for c in listed] == [mine["id"]]


def test_a_page_address_without_its_slash_is_redirected(api: Api) -> None:
    second = page(api)
    for path in ("/status", f"/pages/{second['slug']}"):
        response = httpx.get(f"{api.url}{path}", timeout=30)
        assert response.status_code == 308
        assert response.headers["location"] == f"{path}/"


def test_the_default_page_takes_its_name_from_the_setting_until_given_one(api: Api) -> None:
    default = api.viewer.get(f"{BASE}/pages/1").json()
    assert default["slug"] == "status"
    assert default["url"].endswith("/status")
    assert read(api, "/api/v2/status.json").json()["page"]["name"] == default["name"]


def test_things_of_one_page_cannot_be_put_on_another(api: Api) -> None:
    second = page(api)
    group = created(api.responder.post(f"{BASE}/groups", json={"name": unique("group")}))
    wrong = api.responder.post(
        f"{BASE}/components",
        json={"name": unique("c"), "page_id": second["id"], "group_id": group["id"]},
    )
    assert wrong.status_code == 422 and "group_id" in wrong.text
    elsewhere = component(api, page_id=second["id"])
    published = api.responder.post(
        f"{BASE}/incidents",
        json={"name": "Slow", "body": "Looking into it.", "components": [elsewhere["id"]]},
    )
    assert published.status_code == 422 and "components" in published.text
    missing = api.responder.post(f"{BASE}/components", json={"name": "x", "page_id": 999_999})
    assert missing.status_code == 422 and "page_id" in missing.text


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "api"}, "slug"),
        ({"links": [{"label": "Docs", "url": "javascript:alert(1)"}]}, "links"),
        ({"logo_url": "ftp://example.com/logo.png"}, "logo_url"),
        ({"visibility": "secret"}, "visibility"),
    ],
)
def test_a_bad_page_is_refused_naming_the_field(
    api: Api, fields: dict[str, Any], field: str
) -> None:
    body = {"slug": unique("p"), "name": "A page", **fields}
    response = api.admin.post(f"{BASE}/pages", json=body)
    assert response.status_code == 422, response.text
    assert field in response.text


def test_a_slug_is_taken_once_and_pages_are_managed_by_admins(api: Api) -> None:
    first = page(api)
    again = api.admin.post(f"{BASE}/pages", json={"slug": first["slug"], "name": "Again"})
    assert again.status_code == 409 and "slug" in again.text
    refused = api.responder.post(f"{BASE}/pages", json={"slug": unique("p"), "name": "P"})
    assert refused.status_code == 403


def test_the_name_logo_and_links_are_set_by_the_admin(api: Api) -> None:
    second = page(api)
    change = {
        "name": "Acme status",
        "logo_url": "https://acme.example/logo.svg",
        "home_url": "https://acme.example/",
        "links": [{"label": "Support", "url": "https://acme.example/support"}],
    }
    changed = api.admin.patch(f"{BASE}/pages/{second['id']}", json=change)
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()[k] for k in change} == change
    summary = read(api, f"/pages/{second['slug']}/api/v2/summary.json").json()
    assert summary["page"]["name"] == "Acme status"


def test_an_internal_page_answers_only_a_signed_in_reader(api: Api) -> None:
    internal = page(api, visibility="internal")
    component(api, page_id=internal["id"], name="VPN")
    path = f"/pages/{internal['slug']}/api/v2/summary.json"

    anonymous = read(api, path)
    assert anonymous.status_code == 401
    bad = read(api, path, authorization="Bearer tcn_not-a-token")
    assert bad.status_code == 401
    signed_in = read(api, path, authorization=f"Bearer {api.tokens['viewer']}")
    assert signed_in.status_code == 200
    assert [c["name"] for c in signed_in.json()["components"]] == ["VPN"]
    assert signed_in.headers["cache-control"].startswith("private")
    assert "access-control-allow-origin" not in signed_in.headers
    by_cookie = read(api, path, cookie=f"tocsin_session={session_cookie(api, 'viewer')}")
    assert by_cookie.status_code == 200

    page_view = httpx.get(f"{api.url}/pages/{internal['slug']}/", timeout=30)
    assert page_view.status_code in (303, 404)  # to sign-in (once the page has HTML)
    if page_view.status_code == 303:
        assert page_view.headers["location"].startswith("/login?next=")


def test_deleting_a_page_takes_its_components_and_never_the_default(api: Api) -> None:
    second = page(api)
    made = component(api, page_id=second["id"])
    assert api.admin.delete(f"{BASE}/pages/1").status_code == 422
    assert api.admin.delete(f"{BASE}/pages/{second['id']}").status_code == 204
    assert api.viewer.get(f"{BASE}/components/{made['id']}").status_code == 404
    gone = read(api, f"/pages/{second['slug']}/api/v2/summary.json")
    assert gone.status_code == 404
    assert api.admin.delete(f"{BASE}/pages/{second['id']}").status_code == 404
