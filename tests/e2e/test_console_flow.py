"""The console end to end in a real browser, at a desktop's and a phone's size, on both
databases: an incident from declaration to close by clicking and typing only (a second
browser watches it live), the on-call pages (a person, a schedule, an override, "Take this
shift"), and a screenshot of each main page (``TOCSIN_SCREENSHOTS=dir`` keeps them).

The API is only used to check what the pages did, and to make the data a screenshot shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, expect

from tests.builders import declare, layer, ok, person, schedule, unique
from tests.builders import timeline as events
from tests.conftest import PASSWORD, Api
from tests.e2e.conftest import Screenshot
from tocsin import live
from tocsin.access import accounts
from tocsin.core.roles import AccessRole


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(live, "POLL_SECONDS", 0.2)  # the server runs in this process
    yield


@pytest.fixture
def opened(browser: Browser, viewport: tuple[int, int]) -> Iterator[Any]:
    """``opened()``: a page in a new browser context at the test's viewport, accepting
    every confirmation; all closed at the end, failing the test on a JavaScript error."""
    contexts = []
    errors: list[str] = []

    def note_console(page: Page, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"{page.url}: {message.text}")

    def note_response(page: Page, response: Response) -> None:
        if response.status >= 400 and urlsplit(response.url).path != "/favicon.ico":
            errors.append(f"{page.url}: {response.status} from {response.url}")

    def open_page() -> Page:
        width, height = viewport
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: note_console(page, message))
        page.on("response", lambda response: note_response(page, response))
        page.on("dialog", lambda dialog: dialog.accept())  # data-confirm asks first
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, "errors in the browser:\n" + "\n".join(errors)


def new_admin(api: Api, person_id: int | None = None) -> str:
    """A new admin user's email (password ``PASSWORD``), linked to ``person_id``."""
    email = f"{unique('flow')}@users.tocsin.test"
    accounts.create_user(
        api.db,
        email=email,
        role=AccessRole.ADMIN,
        password=PASSWORD,
        created_by="tests",
        person_id=person_id,
    )
    return email


def sign_in(page: Page, api: Api, email: str) -> None:
    """Through the /login form, as a person does."""
    page.goto(f"{api.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Incidents", exact=True)).to_be_visible()


# --- 1. an incident, declared to closed --------------------------------------------------


def test_an_incident_from_declared_to_closed_in_the_browser(
    api: Api, opened: Any, screenshot: Screenshot
) -> None:
    email = new_admin(api)
    watcher = opened()
    sign_in(watcher, api, email)
    watcher.goto(f"{api.url}/incidents?tab=open")
    expect(watcher.locator("#incident-rows")).to_have_attribute("data-live-state", "open")

    page = opened()
    sign_in(page, api, email)
    title = unique("Checkout returns 502")
    form = page.get_by_role("form", name="Declare an incident")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Severity").select_option("SEV1")
    form.get_by_label("Services affected (comma-separated)").fill("checkout")
    form.get_by_label("Summary").fill("5xx at the edge since 21:00")
    form.get_by_role("button", name="Declare").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    found = re.search(r"/incidents/(\d+)", page.url)
    assert found, page.url
    iid = int(found.group(1))
    expect(page.locator("#status")).to_have_text("triggered")

    # the watcher's list shows it without a reload, then it opens the incident
    row = watcher.locator(f'tr[data-incident="{iid}"]')
    expect(row).to_contain_text(title)
    expect(row).to_contain_text("SEV1")
    row.get_by_role("link", name=re.compile(re.escape(title))).click()
    expect(watcher.get_by_role("heading", level=1)).to_contain_text(title)
    timeline = watcher.locator("#timeline")
    expect(timeline).to_have_attribute("data-live-state", "open")

    lifecycle = page.locator("#lifecycle")
    lifecycle.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.locator("#status")).to_have_text("acknowledged")
    expect(timeline).to_contain_text("Status triggered → acknowledged")

    composer = page.get_by_role("form", name="Post an update")
    composer.get_by_label("Current status").fill("Rolled back deploy 4.2; errors falling")
    composer.get_by_label("Impact (scope and users affected)").fill("EU checkout, 30% of carts")
    composer.get_by_label("What is being done").fill("watching the error rate")
    composer.get_by_label("Next update in minutes").fill("15")
    composer.get_by_role("button", name="Post update").click()
    expect(page.locator("#latest-update")).to_contain_text("Rolled back deploy 4.2")
    expect(timeline).to_contain_text("Rolled back deploy 4.2; errors falling")

    lifecycle.get_by_role("button", name="Resolve", exact=True).click()  # confirmed
    expect(page.locator("#status")).to_have_text("resolved")
    expect(timeline).to_contain_text("→ resolved")
    expect(page.locator("#close-needs")).to_be_visible()

    settle = page.get_by_role("form", name="Settle the learning phase")
    settle.get_by_label("Waived (a reason is required)").check()
    settle.get_by_role("textbox", name="Reason").fill("a known failure mode, see INC-12's review")
    settle.get_by_role("button", name="Settle learning").click()
    expect(page.locator("#learning")).to_have_text("waived")
    expect(timeline).to_contain_text("Learning phase waived: a known failure mode")

    page.locator("#lifecycle").get_by_role("button", name="Close", exact=True).click()
    expect(page.locator("#status")).to_have_text("closed")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(timeline).to_contain_text("resolved → closed")
    expect(page.get_by_role("form", name="Post an update")).to_have_count(0)

    final = ok(api.viewer.get(f"/api/v1/incidents/{iid}"))
    assert (final["status"], final["severity"], final["learning"]) == ("closed", "SEV1", "waived")
    recorded = events(api, iid)
    kinds = {e["kind"] for e in recorded}
    assert {"declared", "status_changed", "update_posted", "learning_settled"} <= kinds
    # the watcher, which never reloaded, shows every event once, in order
    shown = timeline.locator("li").evaluate_all("items => items.map(e => +e.dataset.event)")
    assert shown == [e["id"] for e in recorded], (shown, recorded)
    screenshot(page, "incident-closed")


# --- 2. on call: a person, a schedule, an override, taking a shift ------------------------


def _local(moment: datetime) -> str:
    """A datetime-local input's value."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_schedule_an_override_and_taking_a_shift_in_the_browser(
    api: Api, opened: Any, screenshot: Screenshot
) -> None:
    email = new_admin(api)
    page = opened()
    sign_in(page, api, email)

    handles = {}
    for name in ("Ana Lopez", "Ben Okafor", "Me Myself"):
        handles[name] = unique(name.split()[0].lower())
        page.goto(f"{api.url}/people")
        form = page.get_by_role("form", name="Add a person")
        form.get_by_label("Name").fill(name)
        form.get_by_label("Handle").fill(handles[name])
        form.get_by_role("button", name="Add person").click()
        page.goto(f"{api.url}/people")
        expect(page.get_by_role("link", name=name).first).to_be_visible()
        expect(page.locator("table.list")).to_contain_text(f"@{handles[name]}")
    # the user's on-call person, linked on the Users page by the id in the person's address
    row = page.locator("table.list tr", has_text=f"@{handles['Me Myself']}")
    href = row.get_by_role("link", name="Me Myself").get_attribute("href") or ""
    me = ok(api.viewer.get(f"/api/v1{href}"))
    assert me["handle"] == handles["Me Myself"], me
    page.goto(f"{api.url}/users")
    link = page.get_by_role("form", name=f"On-call person of {email}")
    link.get_by_label("Person id").fill(str(me["id"]))
    link.get_by_role("button", name="Link person").click()
    expect(page.locator("#notice")).to_contain_text(f"linked to person {me['id']}")

    page.goto(f"{api.url}/schedules")
    page.get_by_role("link", name=re.compile("New schedule", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New schedule")
    name = unique("Checkout primary")
    form = page.get_by_role("form", name="Schedule")
    form.locator("#name").fill(name)
    form.locator("#time_zone").fill("UTC")
    form.locator("#layers-0-name").fill("Weekdays")
    form.locator("#layers-0-people").fill(f"{handles['Ana Lopez']}, {handles['Ben Okafor']}")
    form.locator("#layers-0-kind").select_option("daily")
    form.locator("#layers-0-length").fill("1")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    form.locator("#layers-0-start").fill(_local(today))
    form.get_by_role("button", name="Create schedule").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    found = re.search(r"/schedules/(\d+)", page.url)
    assert found, page.url
    sid = int(found.group(1))

    # the layered timeline: the layer's row and the final row, each with Ana's shifts
    layer_row = page.locator(".timeline-row", has=page.get_by_role("heading", name="Weekdays"))
    expect(layer_row.locator(".timeline-bar").first).to_contain_text("Ana Lopez")
    expect(layer_row.locator(".timeline-bar").nth(1)).to_contain_text("Ben Okafor")
    final = page.locator(".timeline-row.final")
    expect(final.locator(".timeline-bar").first).to_contain_text("Ana Lopez")
    expect(page.locator("#take-disabled")).to_have_count(0)  # the user has a person

    tomorrow = today + timedelta(days=1)
    overrides = page.get_by_role("form", name="Add an override")
    overrides.get_by_label("Person").select_option(str(me["id"]))
    overrides.get_by_label(re.compile("^From")).fill(_local(tomorrow + timedelta(hours=9)))
    overrides.get_by_label(re.compile("^To")).fill(_local(tomorrow + timedelta(hours=12)))
    overrides.get_by_role("button", name="Add override").click()
    expect(page.get_by_text("Override added.")).to_be_visible()
    table = page.get_by_role("region", name="Overrides").locator("table.list")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Me Myself")

    # Ana's second shift (a whole day, the day after tomorrow) becomes mine
    anas = final.locator(f'.timeline-bar[data-person="{handles["Ana Lopez"]}"]')
    taken = anas.nth(1).locator("form")
    shift = [taken.locator(f'input[name="{n}"]').get_attribute("value") for n in ("start", "end")]
    assert [at(t or "") for t in shift] == [today + timedelta(days=2), today + timedelta(days=3)]
    taken.get_by_role("button", name="Take this shift").click()  # confirmed
    expect(page.get_by_text("The shift is yours.")).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(2)
    mine = final.locator(f'.timeline-bar[data-person="{me["handle"]}"]')
    expect(mine.last.locator(".badge")).to_have_text("yours")

    made = ok(api.viewer.get(f"/api/v1/schedules/{sid}/overrides"))
    spans = sorted((o["person"]["id"], at(o["start"]), at(o["end"])) for o in made)
    nine = tomorrow + timedelta(hours=9)
    assert spans == sorted(
        [(me["id"], nine, nine + timedelta(hours=3)), (me["id"], *(at(t or "") for t in shift))]
    ), made
    screenshot(page, "schedule")


# --- 3. every main page, at both sizes ---------------------------------------------------

PAGES = {
    "incidents": "/incidents",
    "incident": "/incidents/{incident}",
    "schedule": "/schedules/{schedule}",
    "people": "/people",
    "policies": "/policies",
    "services": "/services",
    "alerts": "/alerts",
    "silences": "/silences",
    "account": "/account",
}


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, int]:
    """What the screenshots show: an incident with an update, a schedule of two people."""
    iid = declare(api, title="Checkout errors at the edge", severity="SEV1")["id"]
    update = {"status": "Failing over", "impact": "EU checkout", "actions": "failover"}
    ok(api.responder.post(f"/api/v1/incidents/{iid}/updates", json=update), 201)
    ana, ben = person(api, "Ana"), person(api, "Ben")
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    rota = layer([ana["id"], ben["id"]], start=start.isoformat(), name="Primary")
    sid = schedule(api, [rota], time_zone="UTC")["id"]
    return {"incident": iid, "schedule": sid}


def test_the_main_pages_at_each_size(
    api: Api,
    opened: Any,
    viewport: tuple[int, int],
    world: dict[str, int],
    screenshot: Screenshot,
) -> None:
    page = opened()
    sign_in(page, api, new_admin(api))
    wide = []
    for name, path in PAGES.items():
        response = page.goto(api.url + path.format(**world))
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        screenshot(page, name)
        width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if width > inner:
            wide.append(f"{name}: {width} px wide in a {inner} px window")
    assert not wide, "sideways scrolling:\n" + "\n".join(wide)
