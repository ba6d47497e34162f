"""Silences: matching alerts are stored and visible but open nothing; warnings; expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.alerts.helpers import alerts_of, am_alert, post_alerts
from tests.builders import integration
from tests.conftest import Api
from tocsin import clock


def silence(api: Api, matchers: list[str], **fields: Any) -> dict[str, Any]:
    body = {
        "matchers": matchers,
        "ends_at": (clock.now() + timedelta(hours=2)).isoformat(),
        "comment": "planned maintenance",
    } | fields
    response = api.responder.post("/api/v1/silences", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_silenced_alert_is_stored_but_opens_nothing(api: Api) -> None:
    created = integration(api)
    made = silence(api, ['alertname="Maint1"', 'env=~"prod.*"'])
    assert made["active"] is True and made["warnings"] == []
    assert made["created_by"] == "token:test-responder"
    [silenced, other] = post_alerts(
        api,
        created["key"],
        am_alert("s-1", alertname="Maint1", env="prod-eu"),
        am_alert("s-2", alertname="Maint1", env="staging"),
    )
    assert (silenced["result"], silenced["silence_id"]) == ("silenced", made["id"])
    assert other["result"] == "opened"
    [stored] = alerts_of(api, integration=created["id"], status="silenced")
    assert stored["status"] == "firing" and stored["incident_id"] is None
    assert stored["silenced_by"] == made["id"]
    silence_step = next(s for s in stored["trace"] if s["step"] == "silence")
    assert f"silenced by {made['id']}" in silence_step["result"]
    shown = api.viewer.get(f"/api/v1/silences/{made['id']}").json()
    assert shown["silenced_alerts"] == 1
    # Repeats stay silenced; once the silence is expired the next repeat opens an incident.
    [repeat] = post_alerts(api, created["key"], am_alert("s-1", alertname="Maint1", env="prod-eu"))
    assert (repeat["result"], repeat["silence_id"]) == ("silenced", made["id"])
    expired = api.responder.delete(f"/api/v1/silences/{made['id']}")
    assert expired.status_code == 200 and expired.json()["active"] is False
    [after] = post_alerts(api, created["key"], am_alert("s-1", alertname="Maint1", env="prod-eu"))
    assert after["result"] == "opened"
    ids = [s["id"] for s in api.viewer.get("/api/v1/silences").json()]
    assert made["id"] not in ids
    everything = api.viewer.get("/api/v1/silences", params={"include_expired": True}).json()
    assert made["id"] in [s["id"] for s in everything]


def test_a_silenced_alert_that_resolves_is_closed(api: Api) -> None:
    created = integration(api)
    silence(api, ["alertname=Maint2"])
    post_alerts(api, created["key"], am_alert("r-1", alertname="Maint2"))
    [done] = post_alerts(
        api, created["key"], am_alert("r-1", alertname="Maint2", status="resolved")
    )
    assert (done["result"], done["incident_id"]) == ("resolved", None)
    [stored] = alerts_of(api, integration=created["id"])
    assert stored["status"] == "resolved" and stored["open"] is False


def test_warnings_expiring_soon_and_matching_another_service(api: Api) -> None:
    soon = silence(
        api, ["alertname=Maint3"], ends_at=(clock.now() + timedelta(minutes=30)).isoformat()
    )
    assert any("ends in" in w for w in soon["warnings"])
    made = silence(api, ["alertname=Maint4"], service="payments")
    created = integration(api)  # its service is checkout
    [outcome] = post_alerts(api, created["key"], am_alert("w-1", alertname="Maint4"))
    assert (outcome["result"], outcome["silence_id"]) == ("silenced", made["id"])
    shown = api.viewer.get(f"/api/v1/silences/{made['id']}").json()
    assert any("made for service payments" in w and "checkout" in w for w in shown["warnings"])
    [stored] = alerts_of(api, integration=created["id"])
    assert any(step["step"] == "warning" for step in stored["trace"])


def test_weekly_windows_and_integration_scope(api: Api) -> None:
    now = clock.now()
    every_day = list(range(7))
    inside = {
        "days": every_day,
        "start": (now - timedelta(minutes=30)).strftime("%H:%M"),
        "duration_minutes": 120,
        "time_zone": "UTC",
    }
    outside = inside | {
        "start": (now + timedelta(hours=3)).strftime("%H:%M"),
        "duration_minutes": 30,
    }
    silence(
        api, ["alertname=Weekly1"], weekly=inside, ends_at=(now + timedelta(days=30)).isoformat()
    )
    silence(
        api, ["alertname=Weekly2"], weekly=outside, ends_at=(now + timedelta(days=30)).isoformat()
    )
    first, second = integration(api), integration(api)
    silence(api, ["alertname=Scoped"], integration_id=first["id"])
    outcomes = post_alerts(
        api,
        first["key"],
        am_alert("wk-1", alertname="Weekly1"),
        am_alert("wk-2", alertname="Weekly2"),
        am_alert("wk-3", alertname="Scoped"),
    )
    assert [o["result"] for o in outcomes] == ["silenced", "opened", "silenced"]
    [scoped] = post_alerts(api, second["key"], am_alert("wk-3", alertname="Scoped"))
    assert scoped["result"] == "opened"


def test_invalid_silences_name_the_field(api: Api) -> None:
    now = clock.now()
    base = {"matchers": ["a=b"], "ends_at": (now + timedelta(hours=1)).isoformat(), "comment": "c"}
    weekly = {"days": [1], "start": "22:00", "duration_minutes": 60}
    cases = [
        (base | {"matchers": ["=b"]}, "matchers"),
        (base | {"matchers": ['a=~"("']}, "matchers"),
        (base | {"matchers": []}, "matchers"),
        (base | {"ends_at": (now - timedelta(hours=1)).isoformat()}, "ends_at"),
        (base | {"ends_at": "2030-01-01T00:00:00"}, "ends_at"),
        (base | {"comment": ""}, "comment"),
        (base | {"weekly": weekly | {"days": [9]}}, "weekly.days"),
        (base | {"weekly": weekly | {"time_zone": "Mars/Base"}}, "weekly.time_zone"),
    ]
    for body, field in cases:
        response = api.responder.post("/api/v1/silences", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, response.text
    assert api.viewer.post("/api/v1/silences", json=base).status_code == 403
    unknown = api.responder.post("/api/v1/silences", json=base | {"integration_id": 999999})
    assert unknown.status_code == 404
