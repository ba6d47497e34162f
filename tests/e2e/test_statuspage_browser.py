"""The status page in a real browser (headless Chromium, Debian's): a desktop and a phone,
light and dark. No horizontal scrolling on the phone; groups collapse and expand with no
script; screenshots are saved under the test's tmp dir (their paths printed)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.conftest import Api
from tests.e2e.conftest import VIEWPORTS
from tests.statuspage.helpers import BASE, created
from tests.statuspage.html_helpers import new_page, post_update, publish

LONG_WORD = "x" * 120  # a URL-like run of letters: must wrap, not widen the page


def _fill(api: Api) -> str:
    """A page with groups, components, an active incident and a resolved one; its URL."""
    page = new_page(
        api,
        description="Acme's services, as our customers see them.",
        links=[{"label": "Support", "url": "https://support.example.com/"}],
    )

    def component(name: str, **fields: object) -> dict[str, object]:
        body = {"page_id": page["id"], "name": name, **fields}
        return created(api.responder.post(f"{BASE}/components", json=body))

    def group(name: str) -> int:
        body = {"page_id": page["id"], "name": name}
        group_id: int = created(api.responder.post(f"{BASE}/groups", json=body))["id"]
        return group_id

    payments, reporting = group("Payments"), group("Reporting")
    checkout = component("Checkout", group_id=payments, status="partial_outage")
    component("Refunds", group_id=payments)
    component("Exports", group_id=reporting)
    component("API", description="The REST API and its webhooks")
    active = publish(
        api, page["id"], "Checkout errors for some card payments",
        f"We know some card payments fail and are investigating. Details: {LONG_WORD}",
        impact="major", components=[checkout["id"]],
    )  # fmt: skip
    post_update(api, active["id"], "identified", "A bad deploy; rolling back by 10:30 UTC.")
    old = publish(api, page["id"], "Slow exports", "Exports take minutes.", impact="minor")
    post_update(api, old["id"], "resolved", "Exports are fast again.")
    return f"{api.url}/pages/{page['slug']}/"


def test_the_page_on_a_desktop_and_a_phone_light_and_dark(
    api: Api, browser: Browser, tmp_path: Path
) -> None:
    url = _fill(api)
    for device, (width, height) in VIEWPORTS.items():
        for scheme in ("light", "dark"):
            context = browser.new_context(
                viewport={"width": width, "height": height},
                color_scheme=scheme,
                java_script_enabled=False,  # the page needs none
            )
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto(url)
            banner = page.get_by_role("status")  # its symbol is hidden from screen readers
            expect(banner).to_match_aria_snapshot("- status: Partial System Outage")
            expect(page.get_by_role("main")).to_be_visible()
            width_used = page.evaluate("document.scrollingElement.scrollWidth")
            if device == "phone":
                assert width_used <= width, f"{scheme}: {width_used}px wide on a {width}px phone"
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            dark = background == "rgb(13, 17, 23)"
            assert dark == (scheme == "dark"), background

            payments = page.locator("li.group details", has_text="Payments")
            refunds = payments.get_by_text("Refunds")
            expect(refunds).to_be_visible()  # open: something in it is wrong
            payments.locator("summary").click()
            expect(refunds).to_be_hidden()
            payments.locator("summary").click()
            expect(refunds).to_be_visible()
            reporting = page.locator("li.group details", has_text="Reporting")
            expect(reporting.get_by_text("Exports")).to_be_hidden()  # closed: all is well
            reporting.locator("summary").click()
            expect(reporting.get_by_text("Exports")).to_be_visible()

            shot = tmp_path / f"statuspage-{device}-{scheme}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
            context.close()
