"""Subscribing to a component group: its components, also those added to it later, by the
API and by the no-script form."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.builders import unique
from tests.conftest import Api
from tests.peers import Receiver, SmtpServer
from tests.statuspage.helpers import BASE, created
from tests.statuspage.subscribers.steps import (
    component,
    link,
    mails_to,
    new_page,
    publish,
    subscribe,
    subscribers,
)
from tocsin.worker.loop import Worker


def new_group(api: Api, page_id: int, name: str) -> int:
    body = {"name": unique(name), "page_id": page_id}
    return int(created(api.responder.post(f"{BASE}/groups", json=body))["id"])


def page_with_group(api: Api) -> tuple[dict[str, Any], int, int]:
    """A new page, a group on it and a component in the group."""
    page = new_page(api)
    group = new_group(api, page["id"], "backend")
    return page, group, component(api, page["id"], "db", group)


def test_a_group_subscriber_hears_of_its_components_also_those_added_later(
    api: Api, worker: Worker, receiver: Receiver
) -> None:
    page, backend, database = page_with_group(api)
    outside = component(api, page["id"], "web")
    made = subscribe(api, page["id"], webhook_url=receiver.url("/group"), groups=[backend])
    assert made.status_code == 202, made.text
    (row,) = subscribers(api, page["id"])
    assert row["groups"] == [backend] and row["components"] == []

    later = component(api, page["id"], "queue", backend)  # added after subscribing
    publish(api, page["id"], name="Outside", components=[outside])
    publish(api, page["id"], name="Database", components=[database])
    publish(api, page["id"], name="Queue", components=[later])
    worker.run_until_idle()
    heard = [r for r in receiver.requests if r.path == "/group"]
    names = sorted(json.loads(r.body)["data"]["incident"]["name"] for r in heard)
    assert names == ["Database", "Queue"]


def test_groups_and_components_are_checked_apart(api: Api) -> None:
    page, group, part = page_with_group(api)
    elsewhere = new_group(api, new_page(api)["id"], "elsewhere")
    cases = [
        ({"email": "a@example.com", "groups": [part]}, "groups"),  # a component, not a group
        ({"email": "a@example.com", "groups": [elsewhere]}, "groups"),
        ({"email": "a@example.com", "components": [group]}, "components"),
        ({"email": "a@example.com", "groups": ["x"]}, "groups.0"),
    ]
    for body, field in cases:
        response = subscribe(api, page["id"], **body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
    assert subscribers(api, page["id"]) == []


def test_the_form_offers_the_groups_and_subscribes_to_one(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page, group, part = page_with_group(api)
    shown = httpx.get(f"{api.url}/pages/{page['slug']}/", timeout=30).text
    assert f'name="groups" value="{group}"' in shown
    assert f'name="components" value="{part}"' in shown
    address = f"{unique('grouped')}@example.com"
    form = httpx.post(
        f"{api.url}/subscribe/{page['id']}",
        data={"email": address, "groups": [str(group)]},
        timeout=30,
    )
    assert form.status_code == 202, form.text
    (row,) = subscribers(api, page["id"])
    assert row["groups"] == [group] and row["components"] == []
    worker.run_until_idle()
    (confirmation,) = mails_to(smtp_server, address)
    assert httpx.post(link(confirmation.message, "confirm"), timeout=30).status_code == 200
    publish(api, page["id"], name="Database", components=[part])
    worker.run_until_idle()
    assert len(mails_to(smtp_server, address)) == 2
