"""Alertmanager-shaped webhooks end to end: open, dedup, bursts, resolve, grouping, trace."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.helpers import alerts_of, am_alert, am_body, hook, incident_id_of, post_alerts
from tests.builders import incident, integration, kinds, timeline
from tests.conftest import Api, TestClock, sign_in
from tocsin.clock import now


def test_a_firing_alert_opens_an_incident_with_a_trace(api: Api) -> None:
    created = integration(api, severity_mapping={"critical": "SEV2"})
    [outcome] = post_alerts(api, created["key"], am_alert("open-1"))
    assert outcome["result"] == "opened" and outcome["silence_id"] is None
    found = incident(api, incident_id_of(outcome))
    assert outcome["outcome"] == f"opened INC-{found['id']}"  # the sentence, for people
    assert found["title"] == "DiskFull on open-1"
    assert found["severity"] == "SEV2"
    assert found["services"] == ["checkout"]
    assert found["detection_source"] == "alert"
    assert found["impact_started_at"] < found["detected_at"]
    assert found["created_by"] == f"integration:{created['name']}"
    alert = api.viewer.get(f"/api/v1/alerts/{outcome['alert_id']}").json()
    steps = [step["step"] for step in alert["trace"]]
    assert steps == ["integration", "dedup", "silence", "group", "rate_limit", "outcome"]
    assert alert["trace"][-1]["result"] == outcome["outcome"]
    assert "fp-DiskFull-open-1" in alert["trace"][1]["result"]
    assert alert["incident_reference"] == f"INC-{found['id']}"
    assert alert["status"] == "firing" and alert["open"] is True and alert["count"] == 1
    listed = api.viewer.get(f"/api/v1/incidents/{found['id']}/alerts").json()
    assert [a["id"] for a in listed] == [alert["id"]]


def test_repeats_count_up_and_show_once_per_burst(api: Api, clock: TestClock) -> None:
    created = integration(api, burst_minutes=5)
    [first] = post_alerts(api, created["key"], am_alert("burst-1"))
    iid = incident_id_of(first)
    for _ in range(3):
        [repeat] = post_alerts(api, created["key"], am_alert("burst-1"))
        assert repeat["result"] == "deduplicated"
        assert incident_id_of(repeat) == iid
    assert timeline(api, iid, "alert_repeated") == []
    clock.advance(timedelta(minutes=6))
    post_alerts(api, created["key"], am_alert("burst-1"))
    post_alerts(api, created["key"], am_alert("burst-1"))
    logged = timeline(api, iid, "alert_repeated")
    assert [e["data"]["count"] for e in logged] == [5]
    clock.advance(timedelta(minutes=6))
    post_alerts(api, created["key"], am_alert("burst-1"))
    assert [e["data"]["count"] for e in timeline(api, iid, "alert_repeated")] == [5, 7]
    [alert] = alerts_of(api, integration=created["id"])
    assert alert["count"] == 7
    assert len(alerts_of(api, incident=iid)) == 1


def test_resolving_marks_the_timeline_and_keeps_the_incident_by_default(api: Api) -> None:
    created = integration(api)
    outcomes = post_alerts(api, created["key"], am_alert("keep-1"), am_alert("keep-2"))
    first, second = (incident_id_of(o) for o in outcomes)
    assert first != second  # no grouping rule: one incident each
    post_alerts(api, created["key"], am_alert("keep-1", status="resolved"))
    assert incident(api, first)["status"] == "triggered"
    assert kinds(api, first)[-2:] == ["alert_resolved", "alerts_all_resolved"]
    [resolved] = alerts_of(api, integration=created["id"], status="resolved")
    assert resolved["ends_at"] is not None and resolved["trace"][-1]["step"] == "resolve"
    # Firing again while its incident is open joins it again: no second incident.
    [again] = post_alerts(api, created["key"], am_alert("keep-1"))
    assert incident_id_of(again) == first
    assert len(alerts_of(api, integration=created["id"])) == 2


def test_auto_resolve_resolves_when_every_alert_is_resolved(api: Api) -> None:
    created = integration(api, auto_resolve=True, group_by=["alertname"])
    outcomes = post_alerts(api, created["key"], am_alert("auto-1"), am_alert("auto-2"))
    iid = incident_id_of(outcomes[0])
    assert (outcomes[1]["result"], outcomes[1]["incident_id"]) == ("joined", iid)
    post_alerts(api, created["key"], am_alert("auto-1", status="resolved"))
    assert incident(api, iid)["status"] == "triggered"
    post_alerts(api, created["key"], am_alert("auto-2", status="resolved"))
    resolved = incident(api, iid)
    assert resolved["status"] == "resolved"
    change = timeline(api, iid, "status_changed")[-1]
    assert change["actor"] == f"integration:{created['name']}"
    assert change["data"]["message"] == "all 2 alerts resolved"
    assert [(a["status"], a["open"]) for a in alerts_of(api, incident=iid)] == [
        ("resolved", False),
        ("resolved", False),
    ]
    # A re-fire after the incident resolved opens a new incident.
    [refire] = post_alerts(api, created["key"], am_alert("auto-1"))
    assert refire["result"] == "opened" and incident_id_of(refire) != iid


def test_resolve_without_an_open_alert_is_ignored(api: Api) -> None:
    created = integration(api)
    [outcome] = post_alerts(api, created["key"], am_alert("never-fired", status="resolved"))
    assert outcome["result"] == "ignored"
    assert alerts_of(api, integration=created["id"]) == []


def test_a_person_resolving_the_incident_lets_the_next_alert_open_a_new_one(api: Api) -> None:
    created = integration(api)
    [first] = post_alerts(api, created["key"], am_alert("manual-1"))
    iid = incident_id_of(first)
    moved = api.responder.post(f"/api/v1/incidents/{iid}/status", json={"status": "resolved"})
    assert moved.status_code == 200
    [again] = post_alerts(api, created["key"], am_alert("manual-1"))
    assert again["result"] == "opened" and incident_id_of(again) != iid


def test_grouping_joins_alerts_sharing_labels_inside_the_window(api: Api, clock: TestClock) -> None:
    created = integration(api, group_by=["alertname", "cluster"], group_window_minutes=10)
    key = created["key"]
    [a] = post_alerts(api, key, am_alert("g-1", cluster="eu"))
    iid = incident_id_of(a)
    [b] = post_alerts(api, key, am_alert("g-2", cluster="eu"))
    assert (b["result"], b["incident_id"]) == ("joined", iid)
    [other_cluster] = post_alerts(api, key, am_alert("g-3", cluster="us"))
    assert other_cluster["result"] == "opened"
    [other_name] = post_alerts(api, key, am_alert("g-4", alertname="CPU", cluster="eu"))
    assert other_name["result"] == "opened"
    clock.advance(timedelta(minutes=11))
    [late] = post_alerts(api, key, am_alert("g-5", cluster="eu"))
    assert late["result"] == "opened" and incident_id_of(late) != iid
    joined = timeline(api, iid, "alert_joined")
    assert [e["data"]["alerts"][0]["dedup_key"] for e in joined] == ["fp-DiskFull-g-2"]
    trace = api.viewer.get(f"/api/v1/alerts/{b['alert_id']}").json()["trace"]
    group = next(step["result"] for step in trace if step["step"] == "group")
    assert "alertname=DiskFull, cluster=eu" in group and f"INC-{iid}" in group


def test_many_alerts_in_one_request_share_one_commit(api: Api) -> None:
    created = integration(api, group_by=["alertname"])
    outcomes = post_alerts(api, created["key"], *(am_alert(f"bulk-{n}") for n in range(100)))
    iid = incident_id_of(outcomes[0])
    assert all((o["result"], o["incident_id"]) == ("joined", iid) for o in outcomes[1:])
    assert len({o["alert_id"] for o in outcomes}) == 100
    [joined] = timeline(api, iid, "alert_joined")
    assert joined["data"]["count"] == 99 and len(joined["data"]["alerts"]) == 20
    assert len(alerts_of(api, incident=iid, limit=500)) == 100


def test_alert_filters(api: Api) -> None:
    created = integration(api)
    post_alerts(api, created["key"], am_alert("f-1"), am_alert("f-2", alertname="CPU"))
    post_alerts(api, created["key"], am_alert("f-1", status="resolved"))
    mine = {"integration": created["id"]}
    assert [a["name"] for a in alerts_of(api, **mine, status="resolved")] == ["DiskFull"]
    assert [a["name"] for a in alerts_of(api, **mine, name="CPU")] == ["CPU"]
    page = api.viewer.get("/api/v1/alerts", params={**mine, "limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = api.viewer.get("/api/v1/alerts", params={**mine, "cursor": page["next_cursor"]})
    assert len(rest.json()["items"]) == 1
    assert api.viewer.get("/api/v1/alerts", params={"status": "bogus"}).status_code == 422
    assert api.viewer.get("/api/v1/alerts/99999999").status_code == 404


def test_the_incident_page_shows_alerts_with_their_trace(api: Api) -> None:
    created = integration(api)
    [outcome] = post_alerts(api, created["key"], am_alert("page-1"))
    iid = incident_id_of(outcome)
    browser = api.anonymous()
    sign_in(browser, api, "viewer")
    page = browser.get(f"/incidents/{iid}")
    assert page.status_code == 200, page.text[:300]
    assert 'id="alerts"' in page.text
    assert f"opened INC-{iid}" in page.text


def test_grafana_webhooks_open_and_resolve(api: Api) -> None:
    created = integration(api, "grafana", auto_resolve=True)
    alert = am_alert("grafana-1", alertname="High memory usage")
    body = am_body(alert) | {"orgId": 1, "version": "1", "state": "alerting", "title": "[FIRING:1]"}
    alert |= {"silenceURL": "", "dashboardURL": "", "panelURL": "", "values": {"B": 44.2}}
    [opened] = hook(api, created["key"], body).json()["alerts"]
    iid = incident_id_of(opened)
    alert |= {"status": "resolved", "endsAt": now().isoformat()}
    assert hook(api, created["key"], body).status_code == 200
    assert incident(api, iid)["status"] == "resolved"


def test_webhook_rate_limit_names_the_limit(api: Api) -> None:
    created = integration(api, rate_limit_per_minute=3)
    post_alerts(api, created["key"], am_alert("rl-1"), am_alert("rl-2"))
    refused = hook(api, created["key"], am_body(am_alert("rl-3"), am_alert("rl-4")))
    assert refused.status_code == 429
    answer = refused.json()
    assert answer["field"] == "rate_limit_per_minute" and answer["limit"] == 3
    assert len(alerts_of(api, integration=created["id"])) == 2
