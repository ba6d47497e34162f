"""The metrics report over HTTP, on SQLite and PostgreSQL, against numbers computed by hand
and by the formulas of ``tocsin.core.metrics``; the dashboard, the API and the CSV agree."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.builders import ok, unique
from tests.conftest import Api, TestClock
from tests.web.test_pages import signed_in
from tocsin.core import metrics as core

_YEARS = iter(random.sample(range(2200, 2900), 700))  # a year no other test here has


def _start() -> datetime:
    """A Monday far away from every other test's incidents."""
    year = next(_YEARS)
    day = datetime(year, 6, 1, tzinfo=UTC)
    return day - timedelta(days=day.weekday())


def _status(api: Api, incident_id: int, status: str) -> None:
    ok(api.responder.post(f"/api/v1/incidents/{incident_id}/status", json={"status": status}))


def _update(api: Api, incident_id: int) -> None:
    body = {"status": "looking", "impact": "some", "actions": "rollback"}
    ok(api.responder.post(f"/api/v1/incidents/{incident_id}/updates", json=body), 201)


def _declare(api: Api, **fields: Any) -> int:
    body = {"title": "Checkout errors", **fields}
    found: int = ok(api.responder.post("/api/v1/incidents", json=body), 201)["id"]
    return found


def three_incidents(api: Api, clock: TestClock) -> dict[str, Any]:
    """A: SEV2 on svc_a, detected 10 min after impact, acked, updated, mitigated, resolved.
    B: SEV2 on svc_b, no impact start, never updated. C: SEV1 on both, still open."""
    t0 = _start()
    svc_a, svc_b = unique("svc-a"), unique("svc-b")
    team = ok(api.admin.post("/api/v1/teams", json={"name": unique("team")}), 201)
    for name in (svc_a, svc_b):
        ok(api.admin.post("/api/v1/services", json={"name": name, "team_id": team["id"]}), 201)
    clock.set(t0 + timedelta(minutes=10))
    a = _declare(
        api,
        severity="SEV2",
        services=[svc_a],
        impact_started_at=t0.isoformat(),
        detected_at=(t0 + timedelta(minutes=10)).isoformat(),
    )
    clock.set(t0 + timedelta(minutes=15))
    _status(api, a, "acknowledged")
    clock.set(t0 + timedelta(minutes=20))
    _update(api, a)  # first deadline (30 min after opening, t0+40) met; promises t0+50
    clock.set(t0 + timedelta(minutes=35))
    _status(api, a, "mitigated")
    clock.set(t0 + timedelta(minutes=70))
    _status(api, a, "resolved")  # the t0+50 promise missed
    clock.set(t0 + timedelta(minutes=100))
    b = _declare(api, severity="SEV2", services=[svc_b])
    clock.set(t0 + timedelta(minutes=103))
    _status(api, b, "acknowledged")
    clock.set(t0 + timedelta(minutes=160))
    _status(api, b, "resolved")
    clock.set(t0 + timedelta(minutes=200))
    c = _declare(
        api,
        severity="SEV1",
        services=[svc_a, svc_b],
        impact_started_at=(t0 + timedelta(minutes=198)).isoformat(),
    )
    clock.set(t0 + timedelta(minutes=205))
    window = {"from": t0.isoformat(), "to": (t0 + timedelta(days=1)).isoformat()}
    return {"ids": (a, b, c), "svc": (svc_a, svc_b), "team": team["name"], "window": window}


def report(api: Api, window: dict[str, str], **params: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(api.viewer.get("/api/v1/metrics", params=window | params))
    return found


def by_label(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["label"]: g for g in found["groups"]}


def test_measures_by_severity_are_the_hand_computed_ones(api: Api, clock: TestClock) -> None:
    made = three_incidents(api, clock)
    found = report(api, made["window"], group_by="severity")
    groups = by_label(found)
    sev1, sev2 = groups["SEV1"], groups["SEV2"]
    total = found["total"]
    assert total["update_cadence"] == {"met": 1, "missed": 2, "pending": 1, "share": 0.3333}
    assert total["severity_counts"] == {"SEV1": 1, "SEV2": 2}
    assert total["mtta"] == {"count": 2, "pending": 1, "mean": 240.0, "p50": 180.0, "p90": 300.0}
    assert (sev1["incidents"], sev1["open"], sev2["incidents"], sev2["open"]) == (1, 1, 2, 0)
    assert sev1["mttd"] == {"count": 1, "pending": 0, "mean": 120.0, "p50": 120.0, "p90": 120.0}
    assert sev1["mtta"] == {"count": 0, "pending": 1, "mean": None, "p50": None, "p90": None}
    assert sev1["mttr"]["count"] == 0 and sev1["mttr"]["pending"] == 1
    assert sev2["mttd"] == {"count": 1, "pending": 1, "mean": 600.0, "p50": 600.0, "p90": 600.0}
    assert sev2["mtta"] == {"count": 2, "pending": 0, "mean": 240.0, "p50": 180.0, "p90": 300.0}
    assert sev2["mttm"] == {"count": 2, "pending": 0, "mean": 2550.0, "p50": 1500.0, "p90": 3600.0}
    assert sev2["mttr"] == {"count": 2, "pending": 0, "mean": 3600.0, "p50": 3600.0, "p90": 3600.0}
    # A: first deadline met, its update's promise missed; B: its first deadline missed
    assert sev2["update_cadence"] == {"met": 1, "missed": 2, "pending": 0, "share": 0.3333}
    assert sev2["public_ack"] == {"met": 0, "missed": 2, "pending": 0, "share": 0.0}
    assert sev1["update_cadence"] == {"met": 0, "missed": 0, "pending": 1, "share": None}
    assert sev1["public_ack"]["pending"] == 1


def test_the_queries_agree_with_the_core_formulas(api: Api, clock: TestClock) -> None:
    made = three_incidents(api, clock)
    found = report(api, made["window"])
    incidents = [ok(api.viewer.get(f"/api/v1/incidents/{i}")) for i in made["ids"]]

    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    times = [
        core.IncidentTimes(
            severity=i["severity"],
            created_at=datetime.fromisoformat(i["created_at"]),
            detected_at=datetime.fromisoformat(i["detected_at"]),
            impact_started_at=core.known_impact_start(
                datetime.fromisoformat(i["impact_started_at"]),
                datetime.fromisoformat(i["detected_at"]),
            ),
            acknowledged_at=when(i["acknowledged_at"]),
            mitigated_at=when(i["mitigated_at"]),
            resolved_at=when(i["resolved_at"]),
        )
        for i in incidents
    ]
    total = found["total"]
    for which in core.Measure:
        expected = core.measure(times, which)
        assert total[which.value] == {
            "count": expected.count,
            "pending": expected.pending,
            "mean": None if expected.mean is None else round(expected.mean, 1),
            "p50": expected.p50,
            "p90": expected.p90,
        }
    assert found["severity_mix"] == {"SEV1": round(1 / 3, 4), "SEV2": round(2 / 3, 4)}
    assert found["frequency_per_week"] == 21.0  # 3 incidents in one day


def test_groups_by_service_team_and_week(api: Api, clock: TestClock) -> None:
    made = three_incidents(api, clock)
    svc_a, svc_b = made["svc"]
    services = by_label(report(api, made["window"], group_by="service"))
    assert services[svc_a]["incidents"] == 2 and services[svc_b]["incidents"] == 2
    teams = by_label(report(api, made["window"], group_by="team"))
    assert teams[made["team"]]["incidents"] == 3  # C affects two of its services: once
    weeks = report(api, made["window"], group_by="period", period="week")["groups"]
    start = datetime.fromisoformat(made["window"]["from"])
    year, week, _ = start.isocalendar()
    assert [(g["label"], g["key"], g["incidents"]) for g in weeks] == [
        (f"{year}-W{week:02d}", start.date().isoformat(), 3)
    ]
    quarters = report(api, made["window"], group_by="period", period="quarter")["groups"]
    assert [g["label"] for g in quarters] == [f"{start.year}-Q2"]


def test_an_empty_window_has_no_made_up_numbers(api: Api) -> None:
    window = {"from": "1990-01-01T00:00:00Z", "to": "1990-02-01T00:00:00Z"}
    found = report(api, window, group_by="severity")
    assert found["groups"] == [] and found["total"]["incidents"] == 0
    assert found["total"]["mttr"]["mean"] is None and found["severity_mix"] == {}
    assert found["frequency_per_week"] == 0


def test_bad_parameters_are_named(api: Api) -> None:
    for params, field in (
        ({"group_by": "colour"}, "group_by"),
        ({"period": "decade"}, "period"),
        ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "to"),
        ({"from": "yesterday"}, "from"),
    ):
        response = api.viewer.get("/api/v1/metrics", params=params)
        assert response.status_code == 422, (params, response.text)
        assert field in response.text


def test_dashboard_api_and_csv_show_the_same_number(api: Api, clock: TestClock) -> None:
    made = three_incidents(api, clock)
    params = made["window"] | {"group_by": "severity"}
    from_api = by_label(report(api, made["window"], group_by="severity"))["SEV2"]["mttm"]["mean"]
    response = api.viewer.get("/api/v1/metrics.csv", params=params)
    assert response.headers["content-type"].startswith("text/csv")
    rows = {r["group"]: r for r in csv.DictReader(io.StringIO(response.text))}
    from_csv = float(rows["SEV2"]["mttm_mean_s"])
    with signed_in(api, "viewer") as client:
        page = client.get("/metrics", params=params)
    assert page.status_code == 200
    cell = re.search(r'data-metric="mttm_mean" data-group="SEV2">([^<]*)<', page.text)
    assert cell is not None
    from_page = float(cell.group(1))
    assert from_api == from_csv == from_page == 2550.0
    assert "<svg" in page.text and not _inline_scripts(page.text)  # charts drawn without JS


def test_names_on_the_dashboard_are_escaped_in_tables_and_charts(
    api: Api, clock: TestClock
) -> None:
    t0 = _start()
    name = f"<script>alert(1)</script>{unique('t')}"
    team = ok(api.admin.post("/api/v1/teams", json={"name": name}), 201)
    svc = unique("svc")
    ok(api.admin.post("/api/v1/services", json={"name": svc, "team_id": team["id"]}), 201)
    clock.set(t0 + timedelta(minutes=1))
    _declare(api, severity="SEV3", services=[svc])
    params = {"from": t0.isoformat(), "to": (t0 + timedelta(days=1)).isoformat()}
    with signed_in(api, "viewer") as client:
        page = client.get("/metrics", params=params | {"group_by": "team"})
    assert page.status_code == 200
    assert not _inline_scripts(page.text) and "&lt;script&gt;alert(1)" in page.text


def test_the_report_follows_each_change_of_an_incident(api: Api, clock: TestClock) -> None:
    # the report reads facts the write path keeps: a changed service, severity or
    # resolution shows in the next report
    made = three_incidents(api, clock)
    a, _, c = made["ids"]
    svc_a, svc_b = made["svc"]
    ok(api.responder.patch(f"/api/v1/incidents/{a}", json={"services": [svc_b]}))
    services = by_label(report(api, made["window"], group_by="service"))
    assert (services[svc_a]["incidents"], services[svc_b]["incidents"]) == (1, 3)
    ok(api.responder.patch(f"/api/v1/incidents/{c}", json={"services": []}))
    services = by_label(report(api, made["window"], group_by="service"))
    assert services["(none)"]["incidents"] == 1 and svc_a not in services
    teams = by_label(report(api, made["window"], group_by="team"))
    assert (teams[made["team"]]["incidents"], teams["(none)"]["incidents"]) == (2, 1)
    _status(api, c, "acknowledged")
    _status(api, c, "resolved")
    total = report(api, made["window"])["total"]
    assert total["open"] == 0 and total["mttr"]["count"] == 3


def _inline_scripts(html: str) -> list[str]:
    """Script tags other than the console's own static files (a name injected as one)."""
    return re.findall(r'<script(?![^>]*\bsrc="/static/)', html)
