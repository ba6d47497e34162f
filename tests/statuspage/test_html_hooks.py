"""What other parts of the page hand to the HTML (``html.Extras``, the maintenance list of
summary.json) shows where it should, escaped like the rest."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from tests.conftest import Api
from tests.statuspage.helpers import BASE, created
from tests.statuspage.html_helpers import new_page, parse
from tocsin import clock
from tocsin.core.statuspage import ComponentStatus
from tocsin.core.uptime import DayUptime, Uptime
from tocsin.statuspage.html import ENVIRONMENT, Extras, Section, render_pages
from tocsin.statuspage.render import PageInfo

MAINTENANCE = {
    "id": "m1",
    "name": "Database upgrade <v16>",
    "status": "scheduled",
    "impact": "maintenance",
    "scheduled_for": "2026-12-05T02:00:00.000+00:00",
    "scheduled_until": "2026-12-05T04:00:00.000+00:00",
    "incident_updates": [
        {
            "id": "u1",
            "status": "scheduled",
            "body": "Writes pause for a few minutes.",
            "created_at": "2026-12-01T09:00:00.000+00:00",
            "display_at": "2026-12-01T09:00:00.000+00:00",
        }
    ],
    "components": [{"id": "1", "name": "Database"}],
}


def _built(api: Api) -> tuple[PageInfo, dict[str, Any], list[dict[str, Any]], str]:
    page = new_page(api)
    body = {"page_id": page["id"], "name": "Checkout"}
    component = created(api.responder.post(f"{BASE}/components", json=body))
    built = api.tocsin.statuspage.build_page(page["slug"])
    assert built is not None
    info, documents = built
    summary = json.loads(documents["api/v2/summary.json"])
    incidents = json.loads(documents["api/v2/incidents.json"])["incidents"]
    return info, summary, incidents, str(component["id"])


def _day(day: date, status: ComponentStatus, *, partial: float = 0, failed: int = 0) -> DayUptime:
    return DayUptime(
        day=day,
        uptime=1.0,
        worst_status=status,
        partial_outage_minutes=partial,
        major_outage_minutes=0,
        observed_minutes=1440,
        checks_passed=100 - failed if failed else 0,
        checks_failed=failed,
    )


def test_sections_uptime_and_maintenance_show_on_the_index(api: Api) -> None:
    info, summary, incidents, component_id = _built(api)
    subscribe = ENVIRONMENT.from_string(
        '<section id="subscribe"><h2>{{ section.title }}</h2><p>{{ section.data.text }}</p>'
        "</section>"
    )
    report = ENVIRONMENT.from_string('<section id="report">{{ section.data.text }}</section>')
    today = date(2026, 12, 1)
    fine = ComponentStatus.OPERATIONAL
    days = [_day(today - timedelta(days=n), fine) for n in range(89, 0, -1)]
    days.append(_day(today, ComponentStatus.PARTIAL_OUTAGE, partial=40, failed=3))
    extras = Extras(
        sections=[
            Section("bottom", report, {"text": "Report a problem"}),
            Section("top", subscribe, {"text": "<b>Get updates</b>"}, title="Subscribe"),
        ],
        uptime={component_id: Uptime(days=tuple(days), percentage=99.972)},
    )
    summary = {**summary, "scheduled_maintenances": [MAINTENANCE]}
    documents = render_pages(
        info,
        summary=summary,
        incidents=incidents,
        extras=extras,
        now=clock.now(),
    )
    html = documents["index.html"].decode()
    # the slots: subscribe under the banner, before the components; report after the history
    assert html.index('role="status"') < html.index('id="subscribe"') < html.index("Components")
    assert html.index("Past incidents") < html.index('id="report"')
    assert "&lt;b&gt;Get updates&lt;/b&gt;" in html and "<h2>Subscribe</h2>" in html
    # the uptime bar: a text alternative for the whole, a tooltip per day, oldest first
    assert 'aria-label="Checkout: 99.97 % uptime over the last 90 days"' in html
    assert html.count('<span class="s-operational" title="') == 89
    note = "40 min partial outage, 3 of 100 checks failed"
    assert f'title="2026-12-01: Partial outage ({note})"' in html
    # the maintenance, from summary.json's list
    assert "No maintenance scheduled." not in html
    assert "Database upgrade &lt;v16&gt;" in html and "Writes pause for a few minutes." in html
    assert 'datetime="2026-12-05T02:00:00.000+00:00"' in html and "Affects: Database" in html
    assert "script" not in parse(html).tags


def test_a_section_in_no_known_slot_is_refused(api: Api) -> None:
    info, summary, incidents, _ = _built(api)
    extras = Extras(sections=[Section("sidebar", "x.html")])
    with pytest.raises(ValueError, match="slot 'sidebar'"):
        render_pages(
            info,
            summary=summary,
            incidents=incidents,
            extras=extras,
            now=clock.now(),
        )
