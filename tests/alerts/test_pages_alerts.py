"""The alerts page (status, labels, source, incident; filtered by status, service, text)
and the noise report."""

from __future__ import annotations

import html
import re

from tests.alerts.helpers import am_alert, incident_id_of, post_alerts
from tests.builders import integration, ok, unique
from tests.conftest import Api
from tests.console import Browser, shown_error


def _rows(page: str) -> str:
    return html.unescape(page.split('id="alerts"', 1)[1].split("</table>", 1)[0])


def test_the_alert_list_shows_status_labels_source_and_incident(api: Api) -> None:
    service = unique("svc")
    made = integration(api, service=service)
    name = unique("DiskFull").replace("-", "")
    [fired] = post_alerts(api, made["key"], am_alert("db1:9100", alertname=name, team="storage"))
    incident_id = incident_id_of(fired)
    with Browser(api, "viewer") as browser:
        rows = _rows(browser.get("/alerts", service=service).text)
    assert name in rows and f"{name} on db1:9100" in rows
    assert '<span class="badge">team=storage</span>' in rows
    assert '<span class="badge">instance=db1:9100</span>' in rows
    assert f'{made["name"]} <span class="muted">(alertmanager, {service})</span>' in rows
    assert re.search(rf'<a href="/incidents/{incident_id}">INC-{incident_id}</a>', rows)
    assert '<td class="status">firing' in rows


def test_the_list_filters_by_status_service_and_text(api: Api) -> None:
    service = unique("svc")
    made = integration(api, service=service)
    firing, resolved = unique("Firing").replace("-", ""), unique("Gone").replace("-", "")
    post_alerts(api, made["key"], am_alert("a", alertname=firing))
    post_alerts(api, made["key"], am_alert("b", alertname=resolved))
    post_alerts(api, made["key"], am_alert("b", alertname=resolved, status="resolved"))
    elsewhere = integration(api, service=unique("svc"))
    other = unique("Other").replace("-", "")
    post_alerts(api, elsewhere["key"], am_alert("c", alertname=other))
    with Browser(api, "viewer") as browser:
        mine = _rows(browser.get("/alerts", service=service).text)
        assert firing in mine and resolved in mine and other not in mine
        done = _rows(browser.get("/alerts", service=service, status="resolved").text)
        assert resolved in done and firing not in done
        found = _rows(browser.get("/alerts", q=firing.lower()).text)  # any case
        assert firing in found and resolved not in found and other not in found
        by_summary = _rows(browser.get("/alerts", q=f"{other} on c").text)
        assert other in by_summary
    # the API filters the same way
    listed = ok(api.viewer.get("/api/v1/alerts", params={"service": service, "text": "gone"}))
    assert [a["name"] for a in listed["items"]] == [resolved]


def test_older_alerts_are_a_page_away(api: Api) -> None:
    service = unique("svc")
    made = integration(api, service=service)
    alerts = [am_alert(f"host{n}", alertname="Paged") for n in range(55)]
    post_alerts(api, made["key"], *alerts)
    with Browser(api, "viewer") as browser:
        first = browser.get("/alerts", service=service)
        assert _rows(first.text).count('<td class="status">') == 50
        link = re.search(r'<a href="\?([^"]+)">Older alerts', first.text)
        assert link
        second = browser.get("/alerts?" + html.unescape(link.group(1)))
        assert _rows(second.text).count('<td class="status">') == 5


def test_bad_filters_are_shown_naming_the_field_never_a_500(api: Api) -> None:
    with Browser(api, "viewer") as browser:
        page = browser.get("/alerts", status="burning")
        assert page.status_code == 200 and shown_error(page).startswith("status:")
        page = browser.get("/alerts", cursor="abc")
        assert page.status_code == 200 and shown_error(page).startswith("cursor:")
        page = browser.get("/alerts/noise", since="last tuesday")
        assert page.status_code == 200 and shown_error(page).startswith("since:")
        page = browser.get("/alerts/noise", since="2026-01-02T00:00", until="2026-01-01T00:00")
        assert shown_error(page).startswith("until:")


def test_the_noise_report_is_a_table_per_alert_name(api: Api) -> None:
    made = integration(api, service=unique("svc"))
    name = unique("Flappy").replace("-", "")
    post_alerts(api, made["key"], am_alert("x", alertname=name))
    post_alerts(api, made["key"], am_alert("x", alertname=name))  # a repeat
    with Browser(api, "viewer") as browser:
        page = browser.get("/alerts/noise")
    table = page.text.split('id="noise"', 1)[1].split("</table>", 1)[0]
    row = re.search(
        rf'<tr>\s*<td><a href="/alerts\?q={name}">{name}</a></td>(.*?)</tr>', table, re.S
    )
    assert row, table[:2000]
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells[:3] == ["2", "1", "1"]  # events, alerts, incidents opened
    assert cells[4] == "0%"


def test_the_alerts_pages_need_a_sign_in(api: Api) -> None:
    with api.anonymous() as client:
        for path in ("/alerts", "/alerts/noise", "/silences", "/integrations"):
            response = client.get(path)
            assert response.status_code == 303
            assert response.headers["location"] == f"/login?next={path}"
