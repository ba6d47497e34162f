"""The console in a real browser: the incident list updates live in two signed-in browsers,
fits a phone's width, has a dark scheme, and shows times in the viewer's zone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.builders import declare, timeline, unique
from tests.conftest import Api
from tests.e2e.test_web_ui import sign_in
from tocsin import live


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(live, "POLL_SECONDS", 0.2)  # the server runs in this process
    yield


def opened(browser: Browser, **options: object) -> Page:
    page = browser.new_context(**options).new_page()  # type: ignore[arg-type]
    page.set_default_timeout(10_000)
    return page


def test_an_incident_declared_through_the_api_appears_in_both_lists(
    api: Api,
    browser: Browser,
) -> None:
    watchers = [opened(browser), opened(browser)]
    try:
        for page, role in zip(watchers, ["responder", "viewer"], strict=True):
            sign_in(page, api, role)
            page.goto(f"{api.url}/incidents?tab=open")
            expect(page.locator("#incident-rows")).to_have_attribute("data-live-state", "open")
        title = unique("Checkout is down")
        iid = declare(api, title=title)["id"]
        for page in watchers:  # no reload
            row = page.locator(f'tr[data-incident="{iid}"]')
            expect(row).to_contain_text(title)
            expect(row.locator("td.age")).to_have_text("just now")
    finally:
        for page in watchers:
            page.context.close()


def test_the_list_fits_a_phone_and_has_a_dark_scheme(
    api: Api,
    browser: Browser,
) -> None:
    declare(api, title=unique("A long incident title that wraps on a small phone screen " * 2))
    page = opened(browser, viewport={"width": 390, "height": 844}, color_scheme="dark")
    try:
        sign_in(page, api)
        page.goto(f"{api.url}/incidents?tab=all")
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        red, green, blue = (int(c) for c in re.findall(r"\d+", background)[:3])
        assert max(red, green, blue) < 60, background  # dark
    finally:
        page.context.close()


def test_times_are_shown_in_the_viewers_zone(
    api: Api,
    browser: Browser,
) -> None:
    iid = declare(api, title=unique("zoned"))["id"]
    declared = timeline(api, iid)[0]["at"]
    page = opened(browser, timezone_id="Asia/Tokyo")
    try:
        sign_in(page, api)
        page.goto(f"{api.url}/incidents/{iid}")
        first = page.locator("#timeline time").first
        expect(first).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d GMT\+9$"))
        assert first.get_attribute("datetime") == declared.replace("+00:00", "Z")[:19] + "Z"

        page.goto(f"{api.url}/account")  # the account's zone wins over the browser's
        page.get_by_label(re.compile("Show times in")).fill("America/New_York")
        page.get_by_role("button", name="Save time zone").click()
        expect(page.locator("#time-zone-notice")).to_be_visible()
        page.goto(f"{api.url}/incidents/{iid}")
        expect(page.locator("#timeline time").first).to_have_text(re.compile(r" E[SD]T$"))

        page.goto(f"{api.url}/account")
        page.get_by_label(re.compile("Show times in")).fill("Mars/Olympus")
        page.get_by_role("button", name="Save time zone").click()
        expect(page.get_by_role("alert")).to_contain_text("not an IANA time zone")
        page.get_by_label(re.compile("Show times in")).fill("")
        page.get_by_role("button", name="Save time zone").click()
        expect(page.locator("#time-zone-notice")).to_be_visible()
    finally:
        page.context.close()
