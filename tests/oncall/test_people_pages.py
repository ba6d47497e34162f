"""The people pages: the directory, one person's contact methods, rules and test pages,
changed through the forms and read back through the API; on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.builders import contact, ok, person, unique
from tests.conftest import Api
from tests.console import Browser
from tests.oncall.console import (
    forms_posting_to,
    main_of,
    redirected_to,
    refusal_of,
    signed_in,
)
from tests.peers import SmtpServer
from tocsin.worker.loop import Worker


@pytest.fixture
def responder(api: Api) -> Iterator[Browser]:
    browser = signed_in(api, "responder")
    yield browser
    browser.close()


@pytest.fixture
def viewer(api: Api) -> Iterator[Browser]:
    browser = signed_in(api, "viewer")
    yield browser
    browser.close()


def test_a_person_is_created_edited_and_deleted_through_the_forms(
    api: Api, responder: Browser
) -> None:
    handle = unique("ana")
    created = responder.submit(
        "/people",
        {"name": "Ana Lopez", "handle": handle, "email": "", "time_zone": "Europe/Berlin"},
    )
    where = redirected_to(created)
    person_id = int(where.split("?")[0].rsplit("/", 1)[1])
    read = ok(api.viewer.get(f"/api/v1/people/{person_id}"))
    assert (read["name"], read["handle"], read["time_zone"]) == (
        "Ana Lopez",
        handle,
        "Europe/Berlin",
    )
    assert read["email"] is None

    listed = responder.page("/people")
    assert f'href="/people/{person_id}"' in listed and f"@{handle}" in listed

    edit = {"name": "Ana L.", "handle": handle, "email": "ana@example.test", "time_zone": "UTC"}
    assert "error" not in redirected_to(responder.submit(f"/people/{person_id}", edit))
    read = ok(api.viewer.get(f"/api/v1/people/{person_id}"))
    assert (read["name"], read["email"], read["time_zone"]) == ("Ana L.", "ana@example.test", "UTC")

    page = responder.page(f"/people/{person_id}")
    assert 'data-confirm="Delete Ana L.?"' in page
    assert redirected_to(responder.submit(f"/people/{person_id}/delete")).startswith("/people?")
    assert api.viewer.get(f"/api/v1/people/{person_id}").status_code == 404


def test_a_bad_value_comes_back_naming_the_field(api: Api, responder: Browser) -> None:
    refused = responder.submit("/people", {"name": "Bo", "handle": "Not A Handle"})
    assert refused.status_code == 303
    assert refusal_of(refused).startswith("handle:")
    shown = responder.get(redirected_to(refused))
    assert shown.status_code == 200 and 'role="alert"' in shown.text and "handle:" in shown.text

    ana = person(api, "Ana")
    zone = responder.submit(
        f"/people/{ana['id']}", {"name": "Ana", "handle": ana["handle"], "time_zone": "Mars/Base"}
    )
    assert refusal_of(zone).startswith("time_zone:")
    rule = responder.submit(
        f"/people/{ana['id']}/notification-rules", {"contact_method_id": "1", "delay_minutes": "x"}
    )
    assert refusal_of(rule).startswith("delay_minutes:")


def test_forms_need_the_csrf_token(api: Api, responder: Browser) -> None:
    handle = unique("csrf")
    refused = responder.forge("/people", {"name": "Cy", "handle": handle})
    assert refused.status_code == 403 and "CSRF" in refused.text
    handles = [p["handle"] for p in ok(api.viewer.get("/api/v1/people"))]
    assert handle not in handles


def test_a_viewer_sees_no_forms_and_cannot_post(api: Api, viewer: Browser) -> None:
    ana = person(api, "Ana", contacts={"email": "ana@example.test"})
    listed = viewer.page("/people")
    assert ana["name"] in listed and not forms_posting_to(listed, "/people")
    page = viewer.page(f"/people/{ana['id']}")
    assert ana["contacts"][0]["label"] in page
    assert "<form" not in main_of(page)

    handle = unique("viewer")
    refused = viewer.submit("/people", {"name": "Vi", "handle": handle})
    assert refused.status_code == 403
    assert handle not in [p["handle"] for p in ok(api.viewer.get("/api/v1/people"))]
    deleting = viewer.submit(f"/people/{ana['id']}/delete")
    assert deleting.status_code == 403
    assert ok(api.viewer.get(f"/api/v1/people/{ana['id']}"))["id"] == ana["id"]


def test_contact_methods_and_rules_through_the_forms(api: Api, responder: Browser) -> None:
    ana = person(api, "Ana")
    path = f"/people/{ana['id']}"
    added = responder.submit(
        f"{path}/contact-methods", {"kind": "email", "address": "ana@example.test", "label": "Work"}
    )
    assert "error" not in redirected_to(added)
    (method,) = ok(api.viewer.get(f"/api/v1{path}/contact-methods"))
    assert (method["kind"], method["label"], method["address"]) == (
        "email",
        "Work",
        "ana@example.test",
    )
    assert "ana@example.test" in responder.page(path)

    bad = responder.submit(f"{path}/contact-methods", {"kind": "email", "address": "nope"})
    assert refusal_of(bad).startswith("address:")
    kind = responder.submit(f"{path}/contact-methods", {"kind": "pager", "address": "x"})
    assert refusal_of(kind).startswith("kind:")

    hook = responder.submit(
        f"{path}/contact-methods", {"kind": "webhook", "address": "http://127.0.0.1:9/hook"}
    )
    assert hook.status_code == 200 and 'code class="secret"' in hook.text  # shown once
    assert 'code class="secret"' not in responder.page(path)

    rule = responder.submit(
        f"{path}/notification-rules", {"contact_method_id": str(method["id"]), "delay_minutes": "5"}
    )
    assert "error" not in redirected_to(rule)
    (stored,) = ok(api.viewer.get(f"/api/v1{path}/notification-rules"))
    assert (stored["contact_method_id"], stored["delay_minutes"]) == (method["id"], 5)
    assert "Work after 5 min" in responder.page(path)

    removed = responder.submit(f"{path}/notification-rules/{stored['id']}/delete")
    assert "error" not in redirected_to(removed)
    assert ok(api.viewer.get(f"/api/v1{path}/notification-rules")) == []
    gone = responder.submit(f"{path}/contact-methods/{method['id']}/delete")
    assert "error" not in redirected_to(gone)
    assert [m["kind"] for m in ok(api.viewer.get(f"/api/v1{path}/contact-methods"))] == ["webhook"]


@pytest.fixture
def worker(api: Api, smtp_server: SmtpServer) -> Iterator[Worker]:
    settings = api.settings.model_copy(
        update={"smtp_host": smtp_server.host, "smtp_port": smtp_server.port}
    )
    running = Worker(replace(api.tocsin, settings=settings), name=unique("test"))
    yield running
    running.pool.shutdown(wait=True)


def test_send_me_a_test_page_delivers_a_mail(
    api: Api, responder: Browser, worker: Worker, smtp_server: SmtpServer
) -> None:
    address = f"{unique('ana')}@example.test"
    ana = person(api, "Ana", contacts={"email": address})
    method = ana["contacts"][0]
    page = responder.page(f"/people/{ana['id']}")
    action = f"/people/{ana['id']}/contact-methods/{method['id']}/test"
    assert forms_posting_to(page, action) and "data-confirm" in forms_posting_to(page, action)[0]

    sent = responder.submit(action)
    assert redirected_to(sent).startswith(f"/people/{ana['id']}/test-pages?notice=")
    worker.run_until_idle()  # returns once nothing is due and nothing is in flight
    mails = [m for m in smtp_server.mailbox.received if address in m.rcpt_tos]
    assert len(mails) == 1
    assert mails[0].message["Subject"].startswith("[TEST]")
    assert "There is no incident" in mails[0].message.get_body(("plain",)).get_content()

    (recorded,) = ok(api.viewer.get(f"/api/v1/people/{ana['id']}/test-pages"))
    assert recorded["status"] == "delivered" and len(recorded["attempts"]) == 1
    assert "delivered" in responder.page(f"/people/{ana['id']}/test-pages")


def test_the_test_page_api_route(api: Api, worker: Worker, smtp_server: SmtpServer) -> None:
    address = f"{unique('ben')}@example.test"
    ben = person(api, "Ben", contacts={"email": address})
    url = f"/api/v1/people/{ben['id']}/contact-methods/{ben['contacts'][0]['id']}/test"
    assert api.viewer.post(url).status_code == 403
    queued = ok(api.responder.post(url), 202)
    assert queued["status"] == "pending" and queued["contact_method_id"] == ben["contacts"][0]["id"]
    other = person(api, "Cy")
    elsewhere = contact(api, other["id"], "email", "cy@example.test")
    wrong = api.responder.post(f"/api/v1/people/{ben['id']}/contact-methods/{elsewhere['id']}/test")
    assert wrong.status_code == 404 and wrong.json()["field"] == "contact_method_id"
    worker.run_until_idle()
    assert any(address in m.rcpt_tos for m in smtp_server.mailbox.received)
