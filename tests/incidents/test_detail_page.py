"""The incident page over HTTP, as a browser uses it: a signed-in session's cookie, the
page's own forms (with the CSRF token they carry), and what a responder reads at 3 a.m."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from typing import Any

import httpx

from tests.alerts.helpers import am_alert, incident_id_of, post_alerts
from tests.builders import declare, incident, integration, ok, paged_service, person
from tests.conftest import Api, csrf_of, session_cookie
from tests.peers import SmtpServer
from tocsin.worker.loop import Worker


@contextmanager
def browser(api: Api, role: str = "responder") -> Iterator[httpx.Client]:
    cookies = {"tocsin_session": session_cookie(api, role)}
    with httpx.Client(base_url=api.url, cookies=cookies, timeout=30) as client:
        yield client


def show(client: httpx.Client, iid: int) -> str:
    page = client.get(f"/incidents/{iid}")
    assert page.status_code == 200, page.text[:300]
    return page.text


def submit(client: httpx.Client, iid: int, to: str, **fields: str) -> str:
    """Post one of the page's forms as the browser would, and follow back to the page."""
    token = csrf_of(show(client, iid))
    sent = client.post(to, data={"csrf_token": token, **fields})
    assert sent.status_code == 303, sent.text[:300]
    back = client.get(sent.headers["location"])
    assert back.status_code == 200
    return back.text


def section(page: str, element_id: str) -> str:
    """The text of the element with ``element_id`` up to its closing ``</section>``."""
    start = page.index(f'id="{element_id}"')
    return unescape(page[start : page.index("</section>", start)])


def test_the_pinned_header_shows_the_latest_update_and_the_commander(api: Api) -> None:
    iid = declare(api, commander="dana")["id"]
    path = f"/api/v1/incidents/{iid}/updates"
    update = {"status": "First look", "impact": "some carts", "actions": "reading logs"}
    ok(api.responder.post(path, json=update), 201)
    ok(api.responder.post(path, json=update | {"status": "Rolled back 4.2"}), 201)
    with browser(api, "viewer") as client:
        pinned = section(show(client, iid), "pinned")
    assert "Incident Commander: <strong>dana</strong>" in pinned
    assert "Rolled back 4.2" in pinned and "First look" not in pinned
    assert "SEV2" in pinned and 'id="status">triggered' in pinned


def test_paged_now_names_the_person_and_the_contact(
    api: Api, worker: Worker, smtp_server: SmtpServer
) -> None:
    mia = person(api, "mia", contacts={"email": "mia@example.test"})
    noor = person(api, "noor", contacts={"email": "noor@example.test"})
    iid = declare(api, services=[paged_service(api, [mia["id"]], [noor["id"]])])["id"]
    worker.run_until_idle()
    with browser(api, "viewer") as client:
        paged = section(show(client, iid), "paged-now")
    assert "mia" in paged and "mia@example.test" in paged and "email" in paged
    assert "delivered" in paged and "noor@example.test" not in paged
    assert "level 2 (pass 1) pages noor" in paged and "unless acknowledged" in paged

    ok(api.responder.post(f"/api/v1/incidents/{iid}/status", json={"status": "acknowledged"}))
    with browser(api, "viewer") as client:
        paged = section(show(client, iid), "paged-now")
    assert 'id="acked-by">token:test-responder' in paged
    assert 'id="next-escalation"' not in paged


def test_the_composer_is_prefilled_and_counts_down_to_the_next_update(api: Api) -> None:
    iid = declare(api, severity="SEV1", summary="Card payments fail")["id"]
    with browser(api) as client:
        composer = section(show(client, iid), "composer").replace("</form>", "")
        assert "Card payments fail</textarea>" in composer  # the first time: the summary
        assert 'name="next_update_in_minutes"' in composer and 'value="15"' in composer  # SEV1
        countdown = r'<time datetime="[^"]+" title="[^"]+" data-countdown>due in 1[45] min</time>'
        assert re.search(countdown, composer)
        page = submit(
            client,
            iid,
            f"/incidents/{iid}/updates",
            status="Failing over to the second PSP",
            impact="EU card payments",
            actions="failover",
            next_update_in_minutes="30",
        )
    assert "Failing over to the second PSP</textarea>" in unescape(page)  # the latest, to edit
    assert "due in 30 min" in page or "due in 29 min" in page


def test_the_alerts_show_labels_annotations_runbook_and_source(api: Api) -> None:
    created = integration(api)
    alert = am_alert("db-7", team="payments")
    alert["annotations"] |= {
        "description": "Disk /var at 97%",
        "runbook_url": "https://runbooks.example.test/disk-full",
    }
    iid = incident_id_of(post_alerts(api, created["key"], alert)[0])
    with browser(api, "viewer") as client:
        alerts = section(show(client, iid), "alerts")
    assert '<th scope="row">team</th><td>payments</td>' in alerts
    assert '<th scope="row">description</th><td>Disk /var at 97%</td>' in alerts
    assert 'class="runbook" href="https://runbooks.example.test/disk-full"' in alerts
    assert 'href="http://prometheus:9090/graph"' in alerts and ">Source</a>" in alerts


def test_a_sev1_is_resolved_its_learning_settled_and_closed_from_the_page(api: Api) -> None:
    iid = declare(api, severity="SEV1", title="Checkout down")["id"]
    with browser(api) as client:
        page = submit(client, iid, f"/incidents/{iid}/status", status="resolved")
        assert 'id="status">resolved' in page
        assert 'data-confirm="Close INC-' in page  # closing asks first
        assert "Before closing:" in page and "requires a postmortem" in page

        refused = submit(client, iid, f"/incidents/{iid}/status", status="closed")
        assert 'role="alert"' in refused and "requires a postmortem" in refused
        assert incident(api, iid)["status"] == "resolved"

        no_reason = submit(client, iid, f"/incidents/{iid}/learning", state="waived")
        assert 'role="alert"' in no_reason and "reason: a reason is required" in no_reason

        settled = submit(
            client, iid, f"/incidents/{iid}/learning", state="waived", reason="a known fault"
        )
        assert 'id="learning">waived' in settled and 'id="settle-learning"' not in settled
        closed = submit(client, iid, f"/incidents/{iid}/status", status="closed")
    assert 'id="status">closed' in closed and 'role="alert"' not in closed
    found: dict[str, Any] = incident(api, iid)
    assert found["status"] == "closed" and found["learning"] == "waived"


def test_a_refused_action_says_why(api: Api) -> None:
    iid = declare(api)["id"]
    with browser(api) as client:
        page = submit(client, iid, f"/incidents/{iid}/status", status="closed")
    assert 'role="alert"' in page
    assert "cannot move from triggered to closed" in page


def test_the_postmortem_opens_from_the_page_and_its_action_items_are_counted(api: Api) -> None:
    iid = declare(api, severity="SEV3")["id"]
    with browser(api) as client:
        token = csrf_of(show(client, iid))
        opened = client.post(f"/incidents/{iid}/postmortem", data={"csrf_token": token})
        assert opened.status_code == 303 and opened.headers["location"].startswith("/postmortems/")
        learning = section(show(client, iid), "learning-phase")
    assert "Open the postmortem" in learning and "0 action items" in learning


def test_an_incident_is_published_to_the_status_page_from_its_page(api: Api) -> None:
    iid = declare(api, title="Login slow")["id"]
    with browser(api) as client:
        page = submit(
            client,
            iid,
            f"/incidents/{iid}/statuspage",
            name="Sign-in is slow",
            status="investigating",
            acknowledgement="We are aware that sign-in is slow.",
            impact="Some users wait a minute.",
            action="We are adding capacity.",
            next_update_in_minutes="30",
        )
    public = section(page, "statuspage")
    assert "Sign-in is slow" in public and "We are aware that sign-in is slow." in public
    assert incident(api, iid)["first_public_at"] is not None


def test_a_viewer_sees_no_action_forms(api: Api) -> None:
    iid = declare(api, severity="SEV1")["id"]
    ok(api.responder.post(f"/api/v1/incidents/{iid}/status", json={"status": "resolved"}))
    with browser(api, "viewer") as client:
        page = show(client, iid)
        assert "<form" not in page.split("<main")[1]
        token = csrf_of(page)
        refused = client.post(
            f"/incidents/{iid}/learning", data={"csrf_token": token, "state": "done"}
        )
    assert refused.status_code == 403 and "viewers cannot" in refused.text  # as the API
    assert incident(api, iid)["learning"] == "pending"
