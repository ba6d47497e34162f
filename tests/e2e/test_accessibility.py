"""The main pages in a real browser, signed in as an admin, at a desktop's and a phone's
size: no serious or critical accessibility violation (axe-core) and, on the phone, no
sideways scrolling. Each page is also saved as a screenshot at each size (``screenshot``:
``TOCSIN_SCREENSHOTS=dir`` keeps them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.alerts.helpers import am_alert, incident_id_of, post_alerts
from tests.builders import (
    declare,
    integration,
    layer,
    level,
    ok,
    person,
    policy,
    schedule,
    service,
    team,
)
from tests.conftest import Api, session_cookie
from tests.e2e.conftest import VIEWPORTS, Screenshot, Violations
from tests.statuspage.helpers import component

PAGES = {
    "login": "/login",
    "incidents": "/incidents",
    "incident": "/incidents/{incident}",
    "incident with alerts and a postmortem": "/incidents/{alerted}",
    "oncall": "/oncall",
    "metrics": "/metrics",
    "account": "/account",
    "statuspage": "/status/",
    "users": "/users",
    "people": "/people",
    "person": "/people/{person}",
    "schedules": "/schedules",
    "schedule": "/schedules/{schedule}",
    "policies": "/policies",
    "policy": "/policies/{policy}",
    "services": "/services",
    "service": "/services/{service}",
    "integrations": "/integrations",
    "silences": "/silences",
    "alerts": "/alerts",
    "noise": "/alerts/noise",
    "tokens": "/tokens",
    "audit": "/audit",
    "teams": "/teams",
    "team": "/teams/{team}",
}


@pytest.fixture(scope="module")
def admin_cookie(api: Api) -> str:
    return session_cookie(api, "admin")


@pytest.fixture(scope="module")
def ids(api: Api) -> dict[str, Any]:
    """One of each thing the pages show, with what makes its page full."""
    ana = person(api, "Ana", contacts={"email": "ana@example.test"})
    crew = team(api, admins=[ana["id"]])
    rota = schedule(api, [layer([ana["id"]])], team_id=crew["id"])
    paging = policy(api, [level(schedules=[rota["id"]])], team_id=crew["id"])
    svc = service(api, paging["id"], team_id=crew["id"])
    key = integration(api, service=svc["name"])["key"]
    (outcome,) = post_alerts(api, key, am_alert("db-1"))
    post_alerts(api, key, am_alert(" "))  # a blank name: the noise report still links it
    component(api, name="Checkout API")  # the status page shows its uptime bar
    alerted = incident_id_of(outcome)
    ok(api.admin.post(f"/api/v1/incidents/{alerted}/postmortem"), 201)
    declared = declare(api, title="Checkout errors at the edge", summary="5xx from the edge")
    return {
        "incident": declared["id"],
        "alerted": alerted,
        "person": ana["id"],
        "schedule": rota["id"],
        "policy": paging["id"],
        "service": svc["name"],
        "team": crew["id"],
    }


@pytest.mark.backends("sqlite")  # how a page reads does not hang on the database
@pytest.mark.parametrize("name", PAGES)
def test_a_main_page_is_accessible_and_fits_a_phone(
    api: Api,
    browser: Browser,
    viewport: tuple[int, int],
    name: str,
    ids: dict[str, Any],
    admin_cookie: str,
    axe: Callable[[Page], Violations],
    screenshot: Screenshot,
) -> None:
    width, height = viewport
    size = next(k for k, v in VIEWPORTS.items() if v == viewport)
    path = PAGES[name]
    context = browser.new_context(viewport={"width": width, "height": height})
    if path != "/login":
        session = {"name": "tocsin_session", "value": admin_cookie, "url": api.url}
        context.add_cookies([session])
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        response = page.goto(api.url + path.format(**ids))
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        assert page.url.startswith(api.url + path.split("{")[0]), page.url  # not sent to sign in
        screenshot(page, name)
        problems = [str(violations)] if (violations := axe(page)) else []
        wide, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if size == "phone" and wide > inner:
            problems.append(f"it scrolls sideways: {wide} px wide in a {inner} px window")
        assert not problems, f"{path} at {width}×{height}: " + "\n".join(problems)
    finally:
        context.close()
