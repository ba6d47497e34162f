"""On-call load from the real delivery history, and responder feedback on alerts (API and
CLI) counted in the noise figures and the metrics."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.alerts.helpers import am_alert, incident_id_of, post_alerts
from tests.builders import declare, integration, layer, level, ok, person, policy, schedule
from tests.builders import service as make_service
from tests.conftest import Api, TestClock, run_cli, use_cli
from tocsin.worker.loop import Worker


def _night_in_berlin() -> datetime:
    """22:30 UTC on a January day far from other tests: 23:30 in Berlin."""
    return datetime(2200 + uuid.uuid4().int % 700, 1, 14, 22, 30, tzinfo=UTC)


def test_pages_per_shift_and_at_night_come_from_the_deliveries(
    api: Api, clock: TestClock, worker: Worker
) -> None:
    night = _night_in_berlin()
    clock.set(night - timedelta(hours=1))
    ana = person(api, "Ana", time_zone="Europe/Berlin", contacts={"email": "ana@example.test"})
    start = (night - timedelta(days=2)).isoformat()
    rota = schedule(api, [layer([ana["id"]], start=start)], time_zone="Europe/Berlin")
    made = policy(api, [level(schedules=[rota["id"]])])
    name = make_service(api, made["id"])["name"]
    clock.set(night)
    first = declare(api, services=[name])["id"]
    worker.run_until_idle()
    clock.set(night + timedelta(hours=10))  # 09:30 in Berlin
    second = declare(api, services=[name])["id"]
    worker.run_until_idle()
    for incident_id in (first, second):
        ok(
            api.responder.post(
                f"/api/v1/incidents/{incident_id}/status", json={"status": "resolved"}
            )
        )
    window = {
        "from": (night - timedelta(hours=12)).isoformat(),
        "to": (night + timedelta(hours=12)).isoformat(),
    }
    found = ok(api.viewer.get("/api/v1/metrics", params=window))
    [row] = [r for r in found["oncall_load"] if r["person_id"] == ana["id"]]
    assert (row["pages"], row["night_pages"], row["pages_in_shifts"]) == (2, 1, 2)
    assert (row["shifts"], row["on_call_hours"], row["pages_per_shift"]) == (1, 24.0, 2.0)
    assert row["time_zone"] == "Europe/Berlin" and row["most_pages_in_a_shift"] == 2


@pytest.fixture
def alerted(api: Api, clock: TestClock) -> tuple[int, int, str]:
    """An alert with its incident: (alert id, incident id, alert name)."""
    name = "Noisy" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])
    created = integration(api)
    [outcome] = post_alerts(api, created["key"], am_alert("web-1", alertname=name))
    return int(outcome["alert_id"]), incident_id_of(outcome), name


def _noise_of(api: Api, name: str) -> dict[str, int]:
    now = datetime.now(UTC)
    window = {
        "since": (now - timedelta(days=2)).isoformat(),
        "until": (now + timedelta(days=2)).isoformat(),
    }
    rows = ok(api.viewer.get("/api/v1/alerts/noise", params=window))
    found = [r for r in rows if r["name"] == name]
    assert len(found) == 1, (name, rows)
    row = found[0]
    return {"noise": row["marked_noise"], "actionable": row["marked_actionable"]}


def test_an_alert_marked_noise_then_actionable(api: Api, alerted: tuple[int, int, str]) -> None:
    alert_id, incident_id, name = alerted
    marked = ok(
        api.responder.post(f"/api/v1/alerts/{alert_id}/feedback", json={"verdict": "noise"})
    )
    assert marked["verdict"] == "noise" and marked["verdict_by"]
    assert _noise_of(api, name) == {"noise": 1, "actionable": 0}
    url = f"/api/v1/incidents/{incident_id}/alerts/feedback"
    [again] = ok(api.responder.post(url, json={"verdict": "actionable"}))
    assert again["id"] == alert_id and again["verdict"] == "actionable"
    assert _noise_of(api, name) == {"noise": 0, "actionable": 1}
    events = ok(api.viewer.get(f"/api/v1/incidents/{incident_id}/events", params={"limit": 200}))
    verdicts = [e["data"]["verdict"] for e in events["items"] if e["kind"] == "alert_feedback"]
    assert verdicts == ["noise", "actionable"]


def test_feedback_refusals(api: Api, alerted: tuple[int, int, str]) -> None:
    alert_id, _, _ = alerted
    bad = api.responder.post(f"/api/v1/alerts/{alert_id}/feedback", json={"verdict": "meh"})
    assert bad.status_code == 422 and "verdict" in bad.text
    viewer = api.viewer.post(f"/api/v1/alerts/{alert_id}/feedback", json={"verdict": "noise"})
    assert viewer.status_code == 403
    missing = api.responder.post("/api/v1/alerts/999999999/feedback", json={"verdict": "noise"})
    assert missing.status_code == 404
    by_hand = declare(api)["id"]
    none = api.responder.post(
        f"/api/v1/incidents/{by_hand}/alerts/feedback", json={"verdict": "noise"}
    )
    assert none.status_code == 409 and "no alert" in none.text


def test_the_cli_marks_an_alert(
    api: Api, alerted: tuple[int, int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    alert_id, incident_id, name = alerted
    use_cli(api, monkeypatch, "responder")
    assert "noise" in run_cli("alert", "feedback", str(alert_id), "noise")
    assert _noise_of(api, name)["noise"] == 1
    out = run_cli("alert", "feedback", str(incident_id), "actionable", "--incident")
    assert f"alert {alert_id}" in out and "actionable" in out
    assert "verdict" in run_cli("alert", "feedback", str(alert_id), "maybe", exit_code=1)


def test_the_incident_page_marks_its_alerts(api: Api, alerted: tuple[int, int, str]) -> None:
    from tests.web.test_pages import signed_in

    alert_id, incident_id, _ = alerted
    url = f"/incidents/{incident_id}/alerts/{alert_id}/feedback"
    with signed_in(api, "responder") as client:
        page = client.get(f"/incidents/{incident_id}")
        assert f'action="{url}"' in page.text
        marked = client.post(url, data={"verdict": "noise"})
        assert marked.status_code == 200 and "Marked noise" in marked.text
        wrong = client.post(url, data={"verdict": "maybe"})
        assert "verdict: actionable or noise" in wrong.text
        other = client.post(
            f"/incidents/{incident_id + 1}/alerts/{alert_id}/feedback", data={"verdict": "noise"}
        )
        assert other.status_code == 404
    shown = ok(api.viewer.get(f"/api/v1/alerts/{alert_id}"))
    assert shown["verdict"] == "noise"
    with signed_in(api, "viewer") as client:
        page = client.get(f"/incidents/{incident_id}")
        assert f'action="{url}"' not in page.text
        refused = client.post(url, data={"verdict": "actionable"})
        assert "viewers cannot mark alerts" in refused.text
