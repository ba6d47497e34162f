"""The console's incident list (/incidents): its tabs, each row's age, who is paged now and
who commands, and "Acknowledge selected" (one timeline event each, refusals named, a form
post that needs its CSRF token and the responder role)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx

from tests.builders import declare, incident, kinds, ok, paged_service, person, unique
from tests.conftest import Api, TestClock, csrf_of, sign_in
from tocsin.worker.loop import Worker


@contextmanager
def signed_in(api: Api, role: str = "responder") -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=30, follow_redirects=True) as client:
        sign_in(client, api, role)
        yield client


def shown(page: str) -> list[int]:
    """The incident ids of the list's rows, in order."""
    return [int(i) for i in re.findall(r'<tr data-incident="(\d+)"', page)]


def row(page: str, incident_id: int) -> str:
    found = re.search(rf'<tr data-incident="{incident_id}">(.*?)</tr>', page, re.S)
    assert found, page
    return found.group(1)


def status(api: Api, incident_id: int, to: str) -> None:
    url = f"/api/v1/incidents/{incident_id}/status"
    ok(api.responder.post(url, json={"status": to}))


def test_the_tabs_show_triggered_acknowledged_open_and_all(api: Api) -> None:
    svc = unique("tabs")
    triggered, acked, resolved = (declare(api, services=[svc])["id"] for _ in range(3))
    status(api, acked, "acknowledged")
    status(api, resolved, "resolved")
    expected = {
        "triggered": [triggered],
        "acknowledged": [acked],
        "open": [acked, triggered],
        "all": [resolved, acked, triggered],
    }
    with signed_in(api, "viewer") as browser:
        for tab, ids in expected.items():
            page = browser.get("/incidents", params={"tab": tab, "service": svc})
            assert page.status_code == 200
            assert shown(page.text) == ids, tab
            assert re.search(
                rf'href="\?tab={tab}&amp;service={svc}" aria-current="page"', page.text
            )
        default = browser.get("/incidents", params={"service": svc}).text
        assert shown(default) == expected["open"]  # the open tab is the default
        bad = browser.get("/incidents", params={"tab": "someday"})
        assert bad.status_code == 422 and "tab" in bad.text


def test_each_row_shows_its_age_and_its_commander(api: Api, clock: TestClock) -> None:
    iid = declare(api, title=unique("aged"))["id"]
    body = {"holder": "Chidi Commander"}
    ok(api.responder.put(f"/api/v1/incidents/{iid}/roles/incident_commander", json=body))
    clock.advance(timedelta(minutes=12))
    cells = row(list_page(api), iid)
    assert "12 min ago</time>" in cells and "data-ago" in cells
    assert 'class="commander">Chidi Commander<' in cells
    clock.advance(timedelta(hours=3))
    assert "3 h ago</time>" in row(list_page(api), iid)
    clock.advance(timedelta(days=2))
    assert "2 d ago</time>" in row(list_page(api), iid)


def list_page(api: Api, **params: str) -> str:
    """The list as a viewer signed in just now sees it (a moved clock ends old sessions)."""
    with signed_in(api, "viewer") as browser:
        page = browser.get("/incidents", params=params)
    assert page.status_code == 200
    return page.text


def test_the_row_names_who_is_being_paged_now(api: Api, worker: Worker) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    iid = declare(api, services=[paged_service(api, [ana["id"], ben["id"]])])["id"]
    with signed_in(api, "viewer") as browser:
        assert 'class="paged">—<' in row(browser.get("/incidents").text, iid)  # not yet
        worker.run_until_idle()
        assert 'class="paged">Ana, Ben<' in row(browser.get("/incidents").text, iid)
        status(api, iid, "acknowledged")  # paging stops
        assert 'class="paged">—<' in row(browser.get("/incidents").text, iid)


def test_acknowledge_selected_acks_each_and_names_the_refused(api: Api) -> None:
    svc = unique("bulk")
    first, second, done = (declare(api, services=[svc])["id"] for _ in range(3))
    status(api, done, "resolved")
    with signed_in(api) as browser:
        page = browser.get("/incidents", params={"tab": "all", "service": svc})
        assert "Acknowledge selected" in page.text and f'value="{first}" form="bulk"' in page.text
        form = {"incident_id": [str(first), str(second), str(done)], "tab": "triggered"}
        answer = browser.post("/incidents/acknowledge", data=form)
    assert answer.status_code == 200 and "/incidents?tab=triggered" in str(answer.url)
    assert "Acknowledged 2 incidents." in answer.text
    assert f"INC-{done}: " in answer.text and 'role="alert"' in answer.text
    for iid in (first, second):
        assert incident(api, iid)["status"] == "acknowledged"
        assert kinds(api, iid).count("status_changed") == 1  # one timeline event each
    assert incident(api, done)["status"] == "resolved"


def test_acknowledge_selected_needs_csrf_and_the_responder_role(api: Api) -> None:
    iid = declare(api)["id"]
    form = {"incident_id": [str(iid)]}
    with signed_in(api) as browser:
        del browser.headers["X-CSRF-Token"]
        forged = browser.post("/incidents/acknowledge", data=form)
        assert forged.status_code == 403
        token = csrf_of(browser.get("/incidents").text)
        nothing = browser.post("/incidents/acknowledge", data={"csrf_token": token})
        assert "tick at least one incident" in nothing.text
    with signed_in(api, "viewer") as viewer:
        page = viewer.get("/incidents").text
        assert "Acknowledge selected" not in page and 'name="incident_id"' not in page
        refused = viewer.post("/incidents/acknowledge", data=form)
        assert refused.status_code == 403 and "viewers cannot change incidents" in refused.text
    assert incident(api, iid)["status"] == "triggered"
