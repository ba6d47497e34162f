"""The silences page: add a silence through the form, end it early, read both back through
the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.builders import ok, person, unique, user_of
from tests.conftest import Api, TestClock
from tests.console import Browser, shown_error


def _silence(api: Api, comment: str) -> dict[str, Any]:
    every = ok(api.viewer.get("/api/v1/silences", params={"include_expired": True}))
    [found] = [s for s in every if s["comment"] == comment]
    return found


def test_a_silence_is_added_for_a_duration_and_ended_early(api: Api, clock: TestClock) -> None:
    comment = unique("disk maintenance")
    with Browser(api, "responder") as browser:
        page = browser.submit(
            "/silences",
            matchers='alertname=DiskFull\n\nenv=~"prod.*"',
            duration_minutes="90",
            comment=comment,
            service="checkout",
        )
        assert "Silence added." in page.text and not shown_error(page)
        made = _silence(api, comment)
        assert made["matchers"] == ['alertname="DiskFull"', 'env=~"prod.*"']
        assert made["active"] and made["service"] == "checkout"
        starts, ends = (datetime.fromisoformat(made[k]) for k in ("starts_at", "ends_at"))
        assert ends - starts == timedelta(minutes=90)
        current = page.text.split('id="current-silences"', 1)[1].split("</table>", 1)[0]
        assert comment in current
        assert f'action="/silences/{made["id"]}/expire" data-confirm=' in current

        page = browser.submit(f"/silences/{made['id']}/expire")
        assert f"Silence {made['id']} ended." in page.text
        assert not _silence(api, comment)["active"]
        ended = page.text.split('id="expired-silences"', 1)[1]
        assert comment in ended


def test_a_silence_from_a_start_to_an_end_in_utc(api: Api) -> None:
    comment = unique("window")
    with Browser(api, "responder") as browser:
        page = browser.submit(
            "/silences",
            matchers="team=db",
            starts_at="2030-01-02T03:04",
            ends_at="2030-01-02T05:00",
            comment=comment,
        )
        assert not shown_error(page)
    made = _silence(api, comment)
    assert datetime.fromisoformat(made["starts_at"]) == datetime.fromisoformat("2030-01-02T03:04Z")
    assert datetime.fromisoformat(made["ends_at"]) == datetime.fromisoformat("2030-01-02T05:00Z")
    assert not made["active"]  # not yet


def test_times_typed_are_read_in_the_users_zone(api: Api) -> None:
    comment = unique("berlin")
    email = user_of(api, person(api, "Ute")["id"])
    with Browser(api, email=email) as browser:
        chosen = browser.submit("/account/time-zone", time_zone="Europe/Berlin")
        assert str(chosen.url).endswith("/account?notice=time-zone-set")
        assert "From (Europe/Berlin; empty: now)" in browser.get("/silences").text
        page = browser.submit(
            "/silences",
            matchers="team=db",
            starts_at="2030-07-02T03:04",
            ends_at="2030-07-02T05:00",
            comment=comment,
        )
        assert not shown_error(page)
    made = _silence(api, comment)  # summer time in Berlin: UTC+2
    assert datetime.fromisoformat(made["starts_at"]) == datetime.fromisoformat("2030-07-02T01:04Z")
    assert datetime.fromisoformat(made["ends_at"]) == datetime.fromisoformat("2030-07-02T03:00Z")


def test_a_bad_field_is_shown_naming_it_never_a_500(api: Api) -> None:
    with Browser(api, "responder") as browser:
        cases = {
            "matchers": {"matchers": "alertname=~(", "duration_minutes": "10", "comment": "x"},
            "ends_at": {"matchers": "a=b", "comment": "x"},
            "duration_minutes": {"matchers": "a=b", "duration_minutes": "soon", "comment": "x"},
            "starts_at": {
                "matchers": "a=b",
                "starts_at": "tuesday",
                "ends_at": "2030-01-01T00:00",
                "comment": "x",
            },
            "comment": {"matchers": "a=b", "duration_minutes": "10"},
        }
        for field, fields in cases.items():
            page = browser.submit("/silences", **fields)
            assert page.status_code == 200
            assert shown_error(page).startswith(field), (field, shown_error(page))
        page = browser.submit("/silences", matchers="a=b", ends_at="2001-01-01T00:00", comment="x")
        assert shown_error(page).startswith("ends_at:")
        assert "999999" in shown_error(browser.submit("/silences/999999/expire"))


def test_the_forms_need_the_csrf_token(api: Api) -> None:
    comment = unique("forged")
    with Browser(api, "responder") as browser:
        refused = browser.forge("/silences", matchers="a=b", duration_minutes="5", comment=comment)
    assert refused.status_code == 403
    every = ok(api.viewer.get("/api/v1/silences", params={"include_expired": True}))
    assert comment not in [s["comment"] for s in every]


def test_a_viewer_gets_no_forms_and_a_viewers_post_is_refused(api: Api) -> None:
    kept = unique("kept")
    body = {"matchers": ["a=b"], "ends_at": "2099-01-01T00:00:00Z", "comment": kept}
    made = ok(api.responder.post("/api/v1/silences", json=body), 201)
    with Browser(api, "viewer") as browser:
        page = browser.get("/silences")
        assert kept in page.text
        assert "Add a silence" not in page.text and "/expire" not in page.text
        refused = browser.submit("/silences", matchers="a=b", duration_minutes="5", comment="x")
        assert refused.status_code == 403 and "needs the responder role" in refused.text
        refused = browser.submit(f"/silences/{made['id']}/expire")
        assert refused.status_code == 403 and "needs the responder role" in refused.text
    assert _silence(api, kept)["active"]
