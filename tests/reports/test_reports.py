"""Customer reports through the API: matched to open incidents (service, component, text),
left in triage otherwise, attached / merged / dismissed by a person, counted per incident."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from tests.builders import declare, ok, timeline, unique
from tests.conftest import Api
from tests.reports.helpers import email, incident_reports, refused, report, token
from tests.statuspage.helpers import component, set_status


def test_a_report_on_the_service_of_an_open_incident_is_attached(api: Api) -> None:
    service = unique("svc")
    iid = declare(api, title=f"Outage {token()}", services=[service])["id"]
    got = report(api, service=service, source="zendesk")
    assert (got["state"], got["incident_id"]) == ("attached", iid)
    assert got["reason"] == "matched: same service"
    assert got["source"] == "zendesk"
    events = timeline(api, iid, "customer_report")
    assert [e["data"]["report_id"] for e in events] == [got["id"]]
    assert events[0]["data"]["how"] == "matched: same service"
    found = incident_reports(api, iid)
    assert found["affected_customers"] == 1
    assert [r["id"] for r in found["reports"]] == [got["id"]]


def test_a_component_stands_for_its_services(api: Api) -> None:
    service = unique("svc")
    part = component(api, services=[service])
    iid = declare(api, title=f"Outage {token()}", services=[service])["id"]
    got = report(api, component_id=part["id"])
    assert (got["state"], got["incident_id"]) == ("attached", iid)


def test_a_report_like_the_title_is_attached_without_a_service(api: Api) -> None:
    word = token()
    iid = declare(api, title=f"Invoices {word} missing", services=[unique("svc")])["id"]
    got = report(api, text=f"my invoices {word} are missing since this morning")
    assert (got["state"], got["incident_id"]) == ("attached", iid)
    assert got["reason"].startswith("matched: text like the title")


def test_a_report_older_than_the_window_goes_to_triage(api: Api) -> None:
    service = unique("svc")
    declare(api, title=f"Outage {token()}", services=[service])
    started = ok(api.viewer.get("/api/v1/incidents", params={"service": service}))["items"][0]
    before = datetime.fromisoformat(started["impact_started_at"]) - timedelta(hours=3)
    got = report(api, service=service, started_at=before.isoformat())
    assert (got["state"], got["incident_id"]) == ("triage", None)


def test_a_resolved_incident_takes_no_reports(api: Api) -> None:
    service = unique("svc")
    iid = declare(api, title=f"Outage {token()}", services=[service])["id"]
    set_status(api, iid, "resolved")
    assert report(api, service=service)["state"] == "triage"


def test_unmatched_reports_wait_in_triage_and_a_person_attaches_one(api: Api) -> None:
    got = report(api, text=f"nothing like anything {token()}")
    assert got["state"] == "triage"
    queue = ok(api.viewer.get("/api/v1/reports", params={"state": "triage", "limit": 200}))
    assert got["id"] in [r["id"] for r in queue["items"]]
    assert all(r["state"] == "triage" for r in queue["items"])

    iid = declare(api, title=f"Outage {token()}", services=[unique("svc")])["id"]
    attached = ok(
        api.responder.post(f"/api/v1/reports/{got['id']}/attach", json={"incident_id": iid})
    )
    assert (attached["state"], attached["incident_id"]) == ("attached", iid)
    assert attached["decided_by"]
    assert [e["data"]["report_id"] for e in timeline(api, iid, "customer_report")] == [got["id"]]
    queue = ok(api.viewer.get("/api/v1/reports", params={"state": "triage", "limit": 200}))
    assert got["id"] not in [r["id"] for r in queue["items"]]

    again = api.responder.post(f"/api/v1/reports/{got['id']}/attach", json={"incident_id": iid})
    refused(again, 409, "report_id")


def test_attach_refuses_a_missing_or_closed_incident(api: Api) -> None:
    got = report(api, text=f"nothing like anything {token()}")
    url = f"/api/v1/reports/{got['id']}/attach"
    refused(api.responder.post(url, json={"incident_id": 2_000_000_000}), 422, "incident_id")
    iid = declare(api, title=f"Outage {token()}", services=[unique("svc")])["id"]
    set_status(api, iid, "resolved")
    refused(api.responder.post(url, json={"incident_id": iid}), 409, "incident_id")
    refused(api.responder.post(url, json={}), 422, "incident_id")
    refused(
        api.responder.post("/api/v1/reports/2000000000/attach", json={"incident_id": iid}),
        404,
        "report_id",
    )


def test_duplicates_merge_and_count_once_per_customer(api: Api) -> None:
    ana = email("ana")
    first = report(api, contact=ana, text=f"cannot log in {token()}")
    second = report(api, contact=ana.upper(), text=f"login broken {token()}")
    third = report(api, text=f"login fails {token()}")
    merged = ok(
        api.responder.post(
            f"/api/v1/reports/{second['id']}/merge", json={"into_report_id": first["id"]}
        )
    )
    assert (merged["state"], merged["merged_into_id"]) == ("merged", first["id"])
    ok(
        api.responder.post(
            f"/api/v1/reports/{third['id']}/merge", json={"into_report_id": second["id"]}
        )
    )
    assert ok(api.viewer.get(f"/api/v1/reports/{third['id']}"))["merged_into_id"] == first["id"]

    iid = declare(api, title=f"Outage {token()}", services=[unique("svc")])["id"]
    ok(api.responder.post(f"/api/v1/reports/{first['id']}/attach", json={"incident_id": iid}))
    found = incident_reports(api, iid)
    assert sorted(r["id"] for r in found["reports"]) == [first["id"], second["id"], third["id"]]
    assert found["affected_customers"] == 2  # ana twice (any case) and the third customer

    assert [e["data"]["report_id"] for e in timeline(api, iid, "customer_report")] == [first["id"]]
    late = report(api, contact=ana, text=f"still broken {token()}")
    ok(
        api.responder.post(
            f"/api/v1/reports/{late['id']}/merge", json={"into_report_id": first["id"]}
        )
    )
    assert incident_reports(api, iid)["affected_customers"] == 2
    merged_later = timeline(api, iid, "customer_report")[-1]["data"]
    how = f"duplicate of report {first['id']}"
    assert (merged_later["report_id"], merged_later["how"]) == (late["id"], how)


def test_merge_refuses_itself_a_missing_or_dismissed_report(api: Api) -> None:
    got = report(api, text=f"nothing like anything {token()}")
    url = f"/api/v1/reports/{got['id']}/merge"
    refused(api.responder.post(url, json={"into_report_id": got["id"]}), 422, "into_report_id")
    refused(api.responder.post(url, json={"into_report_id": 2_000_000_000}), 422, "into_report_id")
    other = report(api, text=f"nothing like anything {token()}")
    ok(api.responder.post(f"/api/v1/reports/{other['id']}/dismiss", json={"reason": "spam"}))
    refused(api.responder.post(url, json={"into_report_id": other["id"]}), 409, "into_report_id")


def test_a_person_dismisses_a_report_with_a_reason(api: Api) -> None:
    got = report(api, text=f"nothing like anything {token()}")
    url = f"/api/v1/reports/{got['id']}/dismiss"
    refused(api.responder.post(url, json={}), 422, "reason")
    refused(api.responder.post(url, json={"reason": "  "}), 422, "reason")
    done = ok(api.responder.post(url, json={"reason": "not our product"}))
    assert (done["state"], done["reason"]) == ("dismissed", "not our product")
    dismissed = ok(api.viewer.get("/api/v1/reports", params={"state": "dismissed", "limit": 200}))
    assert got["id"] in [r["id"] for r in dismissed["items"]]
    refused(api.responder.post(url, json={"reason": "again"}), 409, "report_id")


def test_bad_reports_are_refused_naming_the_field(api: Api) -> None:
    def post(**fields: object) -> httpx.Response:
        body = {"name": "Ana", "contact": email(), "text": "broken"} | fields
        return api.responder.post("/api/v1/reports", json=body)

    refused(post(contact="not-an-address"), 422, "contact")
    refused(post(name=""), 422, "name")
    refused(post(text="x" * 5001), 422, "text")
    refused(post(component_id=2_000_000_000), 422, "component_id")
    refused(post(page_id=2_000_000_000), 422, "page_id")
    refused(post(started_at="2026-01-01T00:00:00"), 422, "started_at")
    refused(post(started_at="2999-01-01T00:00:00Z"), 422, "started_at")
    refused(post(extra=1), 422, "extra")
    anonymous = api.anonymous().post("/api/v1/reports", json={"name": "a"})
    assert anonymous.status_code == 401
    viewer = api.viewer.post(
        "/api/v1/reports", json={"name": "Ana", "contact": email(), "text": "x"}
    )
    assert viewer.status_code == 403


def test_text_comes_back_as_it_was_written(api: Api) -> None:
    evil = "<script>alert(1)</script>"
    got = report(api, name=evil, text=f"{evil} {token()}")
    assert got["name"] == evil
    again = api.viewer.get(f"/api/v1/reports/{got['id']}")
    assert again.headers["content-type"].startswith("application/json")
    assert again.json()["name"] == evil


def test_reports_of_a_missing_incident_is_a_404(api: Api) -> None:
    refused(api.viewer.get("/api/v1/incidents/2000000000/reports"), 404, "incident_id")
