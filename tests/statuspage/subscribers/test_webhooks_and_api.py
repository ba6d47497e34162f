"""Webhook subscribers, the management API, the no-script form, and what is refused."""

from __future__ import annotations

import json

import httpx
from standardwebhooks import Webhook

from tests.conftest import Api
from tests.peers import Receiver, SmtpServer
from tests.statuspage.helpers import BASE
from tests.statuspage.subscribers.steps import (
    component,
    mails_to,
    new_page,
    post_update,
    publish,
    subscribe,
    subscribed,
    subscribers,
)
from tocsin.statuspage.subscribers.delivery import notify_subscribers_in
from tocsin.worker.loop import Worker


def test_a_webhook_subscriber_receives_signed_updates_of_its_components(
    api: Api, worker: Worker, receiver: Receiver
) -> None:
    page = new_page(api)
    db_component = component(api, page["id"], "db")
    other = component(api, page["id"], "other")
    made = subscribe(api, page["id"], webhook_url=receiver.url("/db"), components=[db_component])
    assert made.status_code == 202, made.text
    answer = made.json()
    assert answer["status"] == "active" and answer["secret"].startswith("whsec_")
    subscribe(api, page["id"], webhook_url=receiver.url("/other"), components=[other])
    incident = publish(api, page["id"], name="DB slow", components=[db_component])
    post_update(api, incident["id"], "A replica is <b>lagging</b>.")
    worker.run_until_idle()

    got = [r for r in receiver.requests if r.path == "/db"]
    assert len(got) == 2 and not [r for r in receiver.requests if r.path == "/other"]
    bodies = [Webhook(answer["secret"]).verify(r.body.decode(), r.headers) for r in got]
    (body,) = [b for b in bodies if b["data"]["update"]["status"] == "identified"]
    assert body["type"] == "statuspage.incident.update"
    data = body["data"]
    assert data["incident"]["id"] == incident["id"] and data["incident"]["name"] == "DB slow"
    assert data["update"]["body"] == "A replica is <b>lagging</b>."
    assert data["url"] == f"{api.url}/pages/{page['slug']}/incidents/{incident['id']}/"
    assert data["unsubscribe_url"] == answer["unsubscribe_url"] and "html" not in data
    assert got[0].headers["webhook-id"] != got[1].headers["webhook-id"]

    assert httpx.post(answer["unsubscribe_url"], timeout=30).status_code == 200
    post_update(api, incident["id"], "Fixed.", status="resolved")
    worker.run_until_idle()
    assert len([r for r in receiver.requests if r.path == "/db"]) == 2


def test_a_webhook_refusing_three_times_is_paused(
    api: Api, worker: Worker, receiver: Receiver
) -> None:
    page = new_page(api)
    made = subscribe(api, page["id"], webhook_url=receiver.url("/status/410")).json()
    for n in range(1, 4):
        publish(api, page["id"], name=f"Refused {n}")
        worker.run_until_idle()
    row = api.responder.get(f"{BASE}/pages/{page['id']}/subscribers/{made['id']}").json()
    assert row["status"] == "paused" and row["failures"] == 3
    assert "410" in row["last_error"] and row["address"] == f"http://127.0.0.1:{receiver.port}"


def test_webhook_urls_follow_the_outbound_rule(api: Api) -> None:
    page = new_page(api)
    refused = subscribe(api, page["id"], webhook_url="http://10.1.2.3/hook")
    assert refused.status_code == 422 and refused.json()["field"] == "webhook_url"
    again = subscribe(api, page["id"], webhook_url="ftp://example.com/x")
    assert again.status_code == 422 and again.json()["field"] == "webhook_url"


def test_bad_input_is_a_422_naming_the_field(api: Api) -> None:
    page = new_page(api)
    elsewhere = component(api, new_page(api)["id"], "elsewhere")
    cases = [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@example.com", "components": [elsewhere]}, "components"),
        ({"email": "a@example.com", "components": ["x"]}, "components.0"),
        ({"email": "a@example.com", "colour": "red"}, "colour"),
        ({}, "body"),
    ]
    for body, field in cases:
        response = subscribe(api, page["id"], **body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
    assert subscribe(api, 99999, email="a@example.com").status_code == 404
    internal = api.admin.post(
        f"{BASE}/pages", json={"slug": f"{page['slug']}-in", "name": "In", "visibility": "internal"}
    ).json()
    assert subscribe(api, internal["id"], email="a@example.com").status_code == 404


def test_the_subscribe_endpoint_is_rate_limited_per_client(api: Api) -> None:
    page = new_page(api)
    limit = api.settings.statuspage_subscribe_per_minute
    answers = [subscribe(api, page["id"], email=f"r{i}@example.com") for i in range(limit + 1)]
    assert [a.status_code for a in answers[:limit]] == [202] * limit
    over = answers[-1]
    assert over.status_code == 429 and int(over.headers["Retry-After"]) >= 1
    assert over.json()["error"] == "rate_limited"
    form = httpx.post(f"{api.url}/subscribe/{page['id']}", data={"email": "f@example.com"})
    assert form.status_code == 429 and "Retry-After" in form.headers


def test_the_no_script_form_subscribes_and_answers_a_page(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    web = component(api, page["id"], "web")
    shown = httpx.get(f"{api.url}/pages/{page['slug']}/", timeout=30).text  # the page's form
    action = f"{api.settings.base_url.rstrip('/')}/subscribe/{page['id']}"
    assert f'<form method="post" action="{action}">' in shown
    assert f'name="components" value="{web}"' in shown and 'name="email"' in shown
    form = httpx.post(
        f"{api.url}/subscribe/{page['id']}",
        data={"email": "form@example.com", "components": [str(web)]},
        timeout=30,
    )
    assert form.status_code == 202 and form.headers["content-type"].startswith("text/html")
    assert "form@example.com" in form.text and f"/pages/{page['slug']}/" in form.text
    (row,) = subscribers(api, page["id"])
    assert row["components"] == [web] and row["status"] == "pending"
    worker.run_until_idle()
    assert len(mails_to(smtp_server, "form@example.com")) == 1
    bad = httpx.post(f"{api.url}/subscribe/{page['id']}", data={"email": "<b>x"}, timeout=30)
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    assert "<b>x" not in bad.text


def test_managing_subscribers(api: Api, worker: Worker, smtp_server: SmtpServer) -> None:
    page = new_page(api)
    first = subscribed(api, worker, smtp_server, page["id"])
    subscribed(api, worker, smtp_server, page["id"])
    base = f"{BASE}/pages/{page['id']}/subscribers"
    assert api.anonymous().get(base).status_code == 401
    assert api.viewer.get(base).status_code == 403
    one = api.responder.get(base, params={"limit": 1}).json()
    assert len(one["items"]) == 1 and one["items"][0]["address"] == first
    rest = api.responder.get(base, params={"limit": 1, "cursor": one["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    sid = one["items"][0]["id"]
    paused = api.responder.post(f"{base}/{sid}/pause").json()
    assert paused["status"] == "paused" and paused["pause_reason"] == "paused by hand"
    assert api.responder.get(base, params={"status": "paused"}).json()["items"][0]["id"] == sid
    publish(api, page["id"])
    worker.run_until_idle()
    assert len(mails_to(smtp_server, first)) == 1  # paused: its confirmation only
    assert api.responder.delete(f"{base}/{sid}").status_code == 204
    assert api.responder.get(f"{base}/{sid}").status_code == 404
    assert api.responder.get(f"{BASE}/pages/{page['id']}/subscribers/counts").json()["total"] == 1


def test_other_notices_reach_each_subscriber_once_per_key(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    page = new_page(api)
    address = subscribed(api, worker, smtp_server, page["id"])
    for _ in range(2):  # e.g. a reminder timer that ran twice
        with api.db.transaction() as session:
            notify_subscribers_in(
                session,
                page_id=page["id"],
                component_ids=[],
                key=f"maintenance:{page['id']}:reminder",
                subject="Maintenance tonight",
                text="Database upgrade at 22:00 UTC.",
                html="<p>Database upgrade at <strong>22:00 UTC</strong>.</p>",
                url=f"{api.url}/pages/{page['slug']}/",
            )
    worker.run_until_idle()
    mails = mails_to(smtp_server, address)
    assert [str(m.message["Subject"]) for m in mails][1:] == ["Maintenance tonight"]
    assert json.dumps(str(mails[1].message)).count("Unsubscribe") >= 1
