"""Components follow the open incidents on their services, by the rule; or are set by hand."""

from __future__ import annotations

from tests.alerts.helpers import am_alert, post_alerts
from tests.builders import integration
from tests.conftest import Api
from tests.statuspage.helpers import (
    BASE,
    clean_page,
    component,
    created,
    declare,
    document,
    public_component,
    set_status,
    unique,
)


def test_a_component_follows_incidents_on_its_service_and_recovers(api: Api) -> None:
    service = unique("checkout")
    made = component(api, services=[service])
    assert made["status"] == "operational"
    other = component(api, services=[unique("elsewhere")])

    sev2 = declare(api, service, "SEV2")
    assert public_component(api, made["id"])["status"] == "partial_outage"
    sev1 = declare(api, service, "SEV1")
    assert public_component(api, made["id"])["status"] == "major_outage"  # the worst wins
    assert public_component(api, other["id"])["status"] == "operational"
    got = api.viewer.get(f"{BASE}/components/{made['id']}").json()
    assert (got["status"], got["computed_status"]) == ("major_outage", "major_outage")

    set_status(api, sev1["id"], "resolved")
    assert public_component(api, made["id"])["status"] == "partial_outage"
    set_status(api, sev2["id"], "resolved")
    assert public_component(api, made["id"])["status"] == "operational"
    summary = public_component(api, made["id"], "summary.json")
    assert summary == public_component(api, made["id"])  # the same facts everywhere


def test_a_status_set_by_hand_overrides_the_rule_until_cleared(api: Api) -> None:
    service = unique("search")
    made = component(api, services=[service], status="under_maintenance")
    assert made["status"] == "under_maintenance"
    incident = declare(api, service, "SEV3")
    assert public_component(api, made["id"])["status"] == "under_maintenance"
    url = f"{BASE}/components/{made['id']}"
    cleared = api.responder.patch(url, json={"status": None}).json()
    assert (cleared["status"], cleared["override_status"]) == ("degraded_performance", None)
    assert public_component(api, made["id"])["status"] == "degraded_performance"
    api.responder.patch(url, json={"status": "major_outage"})
    assert public_component(api, made["id"])["status"] == "major_outage"
    set_status(api, incident["id"], "resolved")
    assert public_component(api, made["id"])["status"] == "major_outage"  # still by hand
    api.responder.patch(url, json={"status": None})
    assert public_component(api, made["id"])["status"] == "operational"


def test_the_rule_is_settable(api: Api) -> None:
    service = unique("billing")
    made = component(api, services=[service])
    declare(api, service, "SEV4")
    assert public_component(api, made["id"])["status"] == "operational"
    rule = api.viewer.get(f"{BASE}/rule").json()["rule"]
    assert rule == {
        "SEV1": "major_outage",
        "SEV2": "partial_outage",
        "SEV3": "degraded_performance",
        "SEV4": "operational",
    }
    changed = api.responder.put(f"{BASE}/rule", json={"rule": {"SEV4": "degraded_performance"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["rule"]["SEV4"] == "degraded_performance"
    assert changed.json()["rule"]["SEV1"] == "major_outage"  # left out: the default
    assert public_component(api, made["id"])["status"] == "degraded_performance"
    api.responder.put(f"{BASE}/rule", json={"rule": {}})
    assert public_component(api, made["id"])["status"] == "operational"


def test_groups_hold_components_and_show_the_worst(api: Api) -> None:
    group = created(api.responder.post(f"{BASE}/groups", json={"name": unique("group")}))
    first = component(api, group_id=group["id"], position=1)
    second = component(api, group_id=group["id"], position=2, status="partial_outage")
    shown = public_component(api, group["id"])
    assert shown["group"] is True
    assert shown["components"] == [str(first["id"]), str(second["id"])]
    assert shown["status"] == "partial_outage"
    assert public_component(api, first["id"])["group_id"] == str(group["id"])
    listed = [g for g in api.viewer.get(f"{BASE}/groups").json() if g["id"] == group["id"]]
    assert listed[0]["components"] == [first["id"], second["id"]]

    assert api.responder.delete(f"{BASE}/groups/{group['id']}").status_code == 204
    assert public_component(api, first["id"])["group_id"] is None  # kept, ungrouped
    assert api.responder.delete(f"{BASE}/components/{first['id']}").status_code == 204
    ids = [c["id"] for c in document(api, "components.json")["components"]]
    assert str(first["id"]) not in ids
    assert api.viewer.get(f"{BASE}/components/{first['id']}").status_code == 404


def test_the_indicator_follows_components_and_public_incidents(api: Api) -> None:
    clean_page(api)
    assert document(api, "status.json")["status"] == {
        "indicator": "none",
        "description": "All Systems Operational",
    }
    made = component(api)
    url = f"{BASE}/components/{made['id']}"
    for status, expected in [
        ("under_maintenance", "maintenance"),
        ("degraded_performance", "minor"),
        ("partial_outage", "major"),
        ("major_outage", "critical"),
        ("operational", "none"),
    ]:
        api.responder.patch(url, json={"status": status})
        assert document(api, "status.json")["status"]["indicator"] == expected
        assert document(api, "summary.json")["status"]["indicator"] == expected
    published = created(
        api.responder.post(
            f"{BASE}/incidents", json={"name": "Slow logins", "impact": "minor", "body": "Looking."}
        )
    )
    assert document(api, "status.json")["status"]["indicator"] == "minor"
    body = {"status": "resolved", "body": "Fixed."}
    created(api.responder.post(f"{BASE}/incidents/{published['id']}/updates", json=body))
    assert document(api, "status.json")["status"]["indicator"] == "none"
    clean_page(api)


def test_bad_input_is_a_422_naming_the_field(api: Api) -> None:
    made = component(api)
    cases = [
        ("post", f"{BASE}/components", {"name": ""}, "name"),
        ("post", f"{BASE}/components", {"name": "x", "status": "sideways"}, "status"),
        ("post", f"{BASE}/components", {"name": "x", "group_id": made["id"]}, "group_id"),
        ("post", f"{BASE}/components", {"name": "x", "services": ["no way!"]}, "services.0"),
        ("patch", f"{BASE}/components/{made['id']}", {"name": None}, "name"),
        ("patch", f"{BASE}/components/{made['id']}", {"group_id": 2**31 - 1}, "group_id"),
        ("put", f"{BASE}/rule", {"rule": {"SEV9": "major_outage"}}, "rule.SEV9.[key]"),
        ("put", f"{BASE}/rule", {"rule": {"SEV1": "down"}}, "rule.SEV1"),
        ("post", f"{BASE}/incidents", {"name": "x", "body": ""}, "body"),
        ("post", f"{BASE}/incidents", {"name": "x", "body": "y", "impact": "huge"}, "impact"),
        (
            "post",
            f"{BASE}/incidents",
            {"name": "x", "body": "y", "incident_id": 2**31 - 1},
            "incident_id",
        ),
        (
            "post",
            f"{BASE}/incidents",
            {"name": "x", "body": "y", "components": [2**31 - 1]},
            "components",
        ),
    ]
    for method, url, body, field in cases:
        response = getattr(api.responder, method)(url, json=body)
        assert response.status_code == 422, (url, body, response.text)
        assert response.json()["field"].startswith(field.split(".[")[0]), (body, response.json())
    assert api.viewer.post(f"{BASE}/components", json={"name": "x"}).status_code == 403
    assert api.anonymous().get(f"{BASE}/components").status_code == 401
    missing = api.responder.patch(f"{BASE}/groups/{made['id']}", json={"name": "x"})
    assert missing.status_code == 404  # a component is not a group


def test_a_component_follows_incidents_opened_together_by_alerts(api: Api) -> None:
    service = unique("ingest")
    made = component(api, services=[service])
    alerts = integration(api, service=service)
    outcomes = post_alerts(
        api,
        alerts["key"],
        am_alert("together-1", severity="error"),  # SEV2
        am_alert("together-2", severity="critical"),  # SEV1: the worst wins
    )
    assert [o["result"] for o in outcomes] == ["opened", "opened"]
    assert public_component(api, made["id"])["status"] == "major_outage"
    for outcome in outcomes:
        set_status(api, outcome["incident_id"], "resolved")
    assert public_component(api, made["id"])["status"] == "operational"
