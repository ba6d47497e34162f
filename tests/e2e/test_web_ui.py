"""The web pages in a real browser: headless Chromium (Debian) driven by Playwright."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.builders import person
from tests.conftest import PASSWORD, Api, user_email
from tocsin.paging import links


def sign_in(page: Page, api: Api, role: str = "responder") -> None:
    page.goto(f"{api.url}/incidents")
    expect(page).to_have_url(f"{api.url}/login?next=/incidents")
    page.get_by_label("Email").fill(user_email(role))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()


def test_declare_and_work_an_incident_in_the_browser(api: Api, page: Page, tmp_path: Path) -> None:
    sign_in(page, api)
    form = page.get_by_role("form", name="Declare an incident")
    form.get_by_label("Title").fill("Payments time out")
    form.get_by_label("Severity").select_option("SEV2")
    form.get_by_label("Services affected (comma-separated)").fill("payments")
    form.get_by_role("button", name="Declare").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Payments time out")
    expect(page.locator("#status")).to_have_text("triggered")

    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm asks first
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#status")).to_have_text("acknowledged")

    page.get_by_role("textbox", name="Note").fill("latency up since deploy 4.2")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#timeline")).to_contain_text("Note: latency up since deploy 4.2")

    page.get_by_role("textbox", name="or a name").fill("dana")
    page.get_by_role("button", name="Assign role").click()
    expect(page.locator("#roles-pinned")).to_contain_text("Incident Commander: dana")

    expect(page.get_by_role("button", name="Close", exact=True)).to_have_count(
        0
    )  # not before resolved
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.locator("#status")).to_have_text("resolved")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("requires a postmortem")
    page.screenshot(path=str(tmp_path / "incident.png"), full_page=True)


def test_viewer_sees_no_forms(api: Api, page: Page) -> None:
    sign_in(page, api, "viewer")
    expect(page.get_by_role("button", name="Declare")).to_have_count(0)


def test_an_acknowledge_link_acknowledges_only_when_the_button_is_pressed(
    api: Api, page: Page
) -> None:
    created = api.responder.post(
        "/api/v1/incidents", json={"title": "Disk full", "severity": "SEV3"}
    )
    incident_id = created.json()["id"]
    paged = person(api, "Lin")
    link = links.ack_url(api.settings, incident_id, person_id=paged["id"])
    page.goto(link.replace(api.settings.base_url, api.url))  # a browser runs every script
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Disk full")
    expect(page.locator("#ack-severity")).to_have_text("SEV3")
    button = page.get_by_role("button", name=f"Acknowledge INC-{incident_id}")
    expect(button).to_be_visible()
    status = api.viewer.get(f"/api/v1/incidents/{incident_id}").json()["status"]
    assert status == "triggered"  # opened, even by a scanner that runs scripts: nothing happened

    button.click()
    expect(page.locator("#ack-result")).to_contain_text("Acknowledged")
    expect(page.locator("#ack-by")).to_have_text(f"{paged['name']} (page link)")
    status = api.viewer.get(f"/api/v1/incidents/{incident_id}").json()["status"]
    assert status == "acknowledged"


def test_api_docs_render_offline(api: Api, page: Page) -> None:
    page.goto(f"{api.url}/docs")
    # Swagger UI resolves the whole document (120 paths, 190 schemas, each operation's
    # error answers) before it draws anything: 5-13 s on a busy 2-core machine, past
    # expect's default 5 s, while /openapi.json itself answers in milliseconds.
    rendered = 60_000
    expect(page.locator(".info .title")).to_contain_text("Tocsin", timeout=rendered)
    expect(page.get_by_text("/api/v1/incidents").first).to_be_visible(timeout=rendered)
