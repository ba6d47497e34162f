"""The users page links a user to their on-call person, as PATCH /api/v1/users/{id}; admins
only."""

from __future__ import annotations

import pytest

from tests.builders import ok, person, unique
from tests.conftest import Api
from tests.console import Browser, shown_error
from tocsin.access import accounts
from tocsin.core.roles import AccessRole


def _user(api: Api) -> int:
    email = f"{unique('linked')}@users.tocsin.test"
    return accounts.create_user(api.db, email=email, role=AccessRole.RESPONDER, created_by="t").id


def _person_of(api: Api, user_id: int) -> int | None:
    [found] = [u for u in ok(api.admin.get("/api/v1/users")) if u["id"] == user_id]
    linked: int | None = found["person_id"]
    return linked


def test_an_admin_links_and_unlinks_a_users_person(api: Api) -> None:
    user_id, ana = _user(api), person(api, "Ana")
    with Browser(api, "admin") as browser:
        shown = browser.get("/users")
        assert f'action="/users/{user_id}/person"' in shown.text
        page = browser.submit(f"/users/{user_id}/person", person_id=str(ana["id"]))
        assert not shown_error(page) and f"linked to person {ana['id']}" in page.text
        assert _person_of(api, user_id) == ana["id"]
        assert f'id="person-{user_id}" name="person_id" value="{ana["id"]}"' in page.text
        page = browser.submit(f"/users/{user_id}/person", person_id="")
        assert "not linked to a person" in page.text
    assert _person_of(api, user_id) is None


@pytest.mark.parametrize("typed", ["abc", "0", "999999"])
def test_a_bad_person_id_is_refused_naming_the_field(api: Api, typed: str) -> None:
    user_id = _user(api)
    with Browser(api, "admin") as browser:
        page = browser.submit(f"/users/{user_id}/person", person_id=typed)
    assert page.status_code == 400 and shown_error(page).startswith("person_id:")
    assert _person_of(api, user_id) is None


def test_only_admins_link_a_person(api: Api) -> None:
    user_id, ana = _user(api), person(api, "Ana")
    with Browser(api, "responder") as browser:
        refused = browser.submit(f"/users/{user_id}/person", person_id=str(ana["id"]))
    assert refused.status_code == 403
    assert _person_of(api, user_id) is None
