"""The live streams (tocsin.live): a change made through the API by another client arrives
on a signed-in page's stream, a reconnect resumes after Last-Event-ID, a heartbeat keeps a
quiet stream open, and a client that goes away ends its stream."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.builders import declare, ok, timeline, unique
from tests.conftest import Api
from tests.web.sse import first, signed_in, streaming, wait_until
from tocsin import live


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server runs in this process: poll often, so the tests are quick."""
    monkeypatch.setattr(live, "POLL_SECONDS", 0.05)
    yield


def note(api: Api, incident_id: int, body: str) -> None:
    ok(api.responder.post(f"/api/v1/incidents/{incident_id}/notes", json={"body": body}), 201)


def test_a_note_added_by_another_client_arrives_on_the_timeline_stream(api: Api) -> None:
    iid = declare(api, title=unique("live"))["id"]
    last = timeline(api, iid)[-1]["id"]
    with (
        signed_in(api) as browser,
        streaming(browser, f"/incidents/{iid}/live?after={last}") as (
            response,
            stream,
        ),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = unique("checking the database")
        note(api, iid, body)  # another client, through the API
        frame = first(stream, lambda f: f.event == "timeline")
    [made] = [e for e in timeline(api, iid) if e["id"] > last]
    assert frame.id == str(made["id"])
    assert body in frame.text and 'data-kind="' in frame.text


def test_a_reconnect_resumes_after_the_last_event_id(api: Api) -> None:
    iid = declare(api, title=unique("live"))["id"]
    note(api, iid, "first")
    note(api, iid, "second")
    ids = [e["id"] for e in timeline(api, iid)]
    headers = {"Last-Event-ID": str(ids[-2])}  # it wins over the page's ?after=
    url = f"/incidents/{iid}/live?after={ids[0]}"
    with signed_in(api) as browser, streaming(browser, url, headers) as (_, stream):
        frame = first(stream, lambda f: f.event == "timeline")
    assert frame.id == str(ids[-1]) and "second" in frame.text


def test_without_a_cursor_the_stream_starts_with_the_whole_timeline(api: Api) -> None:
    iid = declare(api, title=unique("live"))["id"]
    ids = [str(e["id"]) for e in timeline(api, iid)]
    with signed_in(api) as browser, streaming(browser, f"/incidents/{iid}/live") as (_, stream):
        got = [first(stream, lambda f: f.event == "timeline").id for _ in ids]
    assert got == ids


def test_a_quiet_stream_sends_heartbeats(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.1)
    iid = declare(api, title=unique("live"))["id"]
    last = timeline(api, iid)[-1]["id"]
    with (
        signed_in(api) as browser,
        streaming(browser, f"/incidents/{iid}/live?after={last}") as (
            _,
            stream,
        ),
    ):
        assert first(stream, lambda f: f.comment is not None).comment == "heartbeat"


def test_a_client_that_goes_away_ends_its_stream(api: Api) -> None:
    iid = declare(api, title=unique("live"))["id"]
    before = live.OPEN.count
    with signed_in(api) as browser:
        with streaming(browser, f"/incidents/{iid}/live?after=0") as (_, stream):
            first(stream, lambda f: f.event == "timeline")
            assert live.OPEN.count > before
        wait_until(lambda: live.OPEN.count <= before)


def test_the_list_stream_sends_the_rows_when_an_incident_is_declared(api: Api) -> None:
    with signed_in(api) as browser:
        page = browser.get("/incidents?tab=open")
        found = re.search(r'data-live="/incidents/live\?tab=open&amp;after=(\d+)"', page.text)
        assert found, page.text
        after = found.group(1)
        url = f"/incidents/live?tab=open&after={after}"
        with streaming(browser, url) as (_, stream):
            title = unique("declared elsewhere")
            declare(api, title=title)
            frame = first(stream, lambda f: f.event == "list" and title in f.text)
    assert int(frame.id or 0) > int(after)
    assert "<tr" in frame.text


def test_bad_cursors_and_unknown_incidents_are_refused(api: Api) -> None:
    iid = declare(api, title=unique("live"))["id"]
    with signed_in(api) as browser:
        assert browser.get(f"/incidents/{iid}/live?after=x1").status_code == 422
        headers = {"Last-Event-ID": "nope"}
        assert browser.get(f"/incidents/{iid}/live", headers=headers).status_code == 422
        assert browser.get("/incidents/999999999/live").status_code == 404
        assert browser.get("/incidents/live?tab=nope").status_code == 422
    with api.anonymous() as stranger:
        assert stranger.get(f"/incidents/{iid}/live").status_code == 303  # to /login
