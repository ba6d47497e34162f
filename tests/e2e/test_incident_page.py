"""The incident page in a real browser: the live timeline between two browsers, and a
phone-sized screen without sideways scrolling."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.builders import declare, ok
from tests.conftest import Api
from tests.e2e.test_web_ui import sign_in


def _open(browser: Browser, api: Api, iid: int, **context: object) -> Page:
    page = browser.new_context(**context).new_page()  # type: ignore[arg-type]
    page.set_default_timeout(10_000)
    sign_in(page, api)
    page.goto(f"{api.url}/incidents/{iid}")
    expect(page.locator("#timeline")).to_have_attribute("data-live-state", "open")
    return page


def test_an_update_posted_in_one_browser_appears_in_the_other(api: Api, browser: Browser) -> None:
    iid = declare(api, title="Payments slow", severity="SEV2")["id"]
    writer = _open(browser, api, iid)
    reader = _open(browser, api, iid)
    try:
        composer = writer.get_by_role("form", name="Post an update")
        composer.get_by_label("Current status").fill("Failing over to the second PSP")
        composer.get_by_label("Impact (scope and users affected)").fill("EU card payments")
        composer.get_by_label("What is being done").fill("failover")
        composer.get_by_role("button", name="Post update").click()
        expect(writer.locator("#latest-update")).to_contain_text("Failing over")

        # the other browser never reloads: the event arrives on its live stream
        expect(reader.locator("#timeline")).to_contain_text("Failing over to the second PSP")
        note = {"body": "from the API: PSP B healthy"}
        ok(api.responder.post(f"/api/v1/incidents/{iid}/notes", json=note), 201)
        expect(reader.locator("#timeline")).to_contain_text("PSP B healthy")
    finally:
        writer.context.close()
        reader.context.close()


def test_the_page_fits_a_phone_without_sideways_scroll(api: Api, browser: Browser) -> None:
    iid = declare(api, title="A long title " * 6, severity="SEV1", commander="dana")["id"]
    phone = _open(browser, api, iid, viewport={"width": 390, "height": 844})
    try:
        expect(phone.locator("#pinned")).to_contain_text("Incident Commander: dana")
        wide = phone.evaluate("document.documentElement.scrollWidth")
        shown = phone.evaluate("document.documentElement.clientWidth")
        assert wide <= shown, f"the page is {wide}px wide on a {shown}px screen"
    finally:
        phone.context.close()
