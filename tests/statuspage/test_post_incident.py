"""The public post-incident report: drafted when a SEV1/SEV2 resolves, edited, published
into the page's documents; its 72-hour deadline shown (the ``clock`` fixture moves time)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.builders import ok, timeline
from tests.conftest import Api, TestClock
from tests.statuspage.helpers import BASE, component, created, declare, document, set_status, unique
from tocsin.worker.loop import Worker

EVIL = "<script>alert(1)</script>"


def publish(api: Api, incident_id: int, **fields: Any) -> dict[str, Any]:
    body = {"incident_id": incident_id, "name": f"Checkout trouble {unique('x')}"}
    body["body"] = "We are looking into failed payments."
    return created(api.responder.post(f"{BASE}/incidents", json=body | fields))


def report_url(public_id: int) -> str:
    return f"{BASE}/incidents/{public_id}/report"


def public_incident(api: Api, public_id: int) -> dict[str, Any]:
    found = [i for i in document(api, "incidents.json")["incidents"] if i["id"] == str(public_id)]
    assert len(found) == 1
    return found[0]


def test_a_resolved_sev1_gets_a_draft_that_is_edited_and_published(
    api: Api, clock: TestClock
) -> None:
    service = unique("svc")
    part = component(api, name=f"Payments {unique('c')}", services=[service])
    iid = declare(api, service, severity="SEV1", summary="A bad config push")["id"]
    public = publish(api, iid)
    update = {"status": "identified", "body": "We rolled back the config."}
    created(api.responder.post(f"{BASE}/incidents/{public['id']}/updates", json=update))
    clock.advance(timedelta(minutes=90))
    set_status(api, iid, "resolved")

    draft = ok(api.viewer.get(report_url(public["id"])))
    assert draft["state"] == "draft" and draft["published_at"] is None
    resolved = datetime.fromisoformat(draft["resolved_at"])
    assert datetime.fromisoformat(draft["due_at"]) == resolved + timedelta(hours=72)
    assert draft["overdue"] is False
    assert "1 h 30 min" in draft["what_happened"] and part["name"] in draft["what_happened"]
    assert part["name"] in draft["apology"]
    assert draft["root_cause"] == "A bad config push"
    assert "We rolled back the config." in draft["actions_taken"]
    assert draft["prevention"] == ""
    assert "postmortem_body" not in public_incident(api, public["id"])  # a draft is not public

    refused = api.responder.post(f"{report_url(public['id'])}/publish")
    assert refused.status_code == 422 and refused.json()["field"] == "prevention"

    edit = {"prevention": f"A canary for config pushes {EVIL}", "root_cause": "A config error."}
    saved = ok(api.responder.put(report_url(public["id"]), json=edit))
    assert saved["prevention"] == edit["prevention"] and saved["apology"] == draft["apology"]
    published = ok(api.responder.post(f"{report_url(public['id'])}/publish"))
    assert published["state"] == "published" and published["overdue"] is False

    shown = public_incident(api, public["id"])
    assert shown["postmortem_published_at"] is not None
    assert edit["prevention"] in shown["postmortem_body"]  # JSON carries the text as written
    assert "Root cause\nA config error." in shown["postmortem_body"]
    assert shown["post_incident_report"]["prevention"] == edit["prevention"]
    page = httpx.get(f"{api.url}/status/incidents/{public['id']}/", timeout=30)
    assert '<h2 id="report-heading">Post-incident report</h2>' in page.text
    assert "A canary for config pushes &lt;script&gt;" in page.text  # escaped on the page

    changed = ok(api.responder.put(report_url(public["id"]), json={"apology": "Sorry."}))
    assert changed["state"] == "published"
    assert public_incident(api, public["id"])["post_incident_report"]["apology"] == "Sorry."


def test_the_deadline_is_72_hours_after_the_resolution(api: Api, clock: TestClock) -> None:
    service = unique("svc")
    iid = declare(api, service, severity="SEV2")["id"]
    public = publish(api, iid)
    set_status(api, iid, "resolved")
    clock.advance(timedelta(hours=72, minutes=1))
    assert ok(api.viewer.get(report_url(public["id"])))["overdue"] is True

    # reopened and resolved again: still one report, due from the last resolution
    set_status(api, iid, "investigating")
    set_status(api, iid, "resolved")
    again = ok(api.viewer.get(report_url(public["id"])))
    assert again["overdue"] is False
    assert datetime.fromisoformat(again["due_at"]) > datetime.fromisoformat(again["resolved_at"])


def test_lower_severities_get_no_draft_but_one_may_be_written(api: Api) -> None:
    iid = declare(api, unique("svc"), severity="SEV3")["id"]
    public = publish(api, iid)
    missing = api.viewer.get(report_url(public["id"]))
    assert missing.status_code == 404 and "no post-incident report" in missing.json()["message"]
    early = api.responder.put(report_url(public["id"]), json={"prevention": "x"})
    assert early.status_code == 409 and "not resolved" in early.json()["message"]
    set_status(api, iid, "resolved")
    written = ok(api.responder.put(report_url(public["id"]), json={"prevention": "Alerts."}))
    assert written["state"] == "draft" and written["prevention"] == "Alerts."


def test_bad_report_requests_are_refused(api: Api) -> None:
    assert api.viewer.get(report_url(2_000_000_000)).status_code == 404
    iid = declare(api, unique("svc"), severity="SEV1")["id"]
    public = publish(api, iid)
    set_status(api, iid, "resolved")
    unknown = api.responder.put(report_url(public["id"]), json={"summary": "x"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "summary"
    null = api.responder.put(report_url(public["id"]), json={"apology": None})
    assert null.status_code == 422 and null.json()["field"] == "apology"
    assert api.viewer.put(report_url(public["id"]), json={}).status_code == 403


@pytest.fixture
def worker(api: Api) -> Iterator[Worker]:
    running = Worker(api.tocsin, name=unique("test"))
    yield running
    running.pool.shutdown(wait=True)


def test_an_overdue_report_reminds_the_communications_lead(
    api: Api, clock: TestClock, worker: Worker
) -> None:
    iid = declare(api, unique("svc"), severity="SEV1")["id"]
    role = {"holder": "casey"}
    ok(api.responder.put(f"/api/v1/incidents/{iid}/roles/communications_lead", json=role))
    late, on_time = publish(api, iid), publish(api, iid)
    set_status(api, iid, "resolved")
    ok(
        api.responder.put(
            report_url(on_time["id"]), json={"prevention": "Canaries.", "root_cause": "A bug."}
        )
    )
    ok(api.responder.post(f"{report_url(on_time['id'])}/publish"))

    clock.advance(timedelta(hours=71))
    worker.run_until_idle()
    assert timeline(api, iid, "post_incident_report_overdue") == []
    clock.advance(timedelta(hours=1, minutes=1))
    worker.run_until_idle()
    [event] = timeline(api, iid, "post_incident_report_overdue")
    assert event["data"]["public_incident_id"] == late["id"]  # not the published one
    assert (event["data"]["role"], event["data"]["remind"]) == ("communications_lead", ["casey"])
    worker.run_until_idle()
    assert len(timeline(api, iid, "post_incident_report_overdue")) == 1
