"""The integrations pages: the key shown once with a first request that works, rotate,
delete; admins, and a team admin for their team's services, as the API."""

from __future__ import annotations

import json
import shlex
from typing import Any

import httpx
import pytest

from tests.builders import integration, ok, service, team_admin, unique
from tests.conftest import Api
from tests.console import Browser, shown_error, text_of


def _request_of(command: str) -> tuple[str, dict[str, str], bytes | None]:
    """The URL, headers and body of the page's curl command, as the shell would read it."""
    args = shlex.split(command.replace("\\\n", " "))
    assert args[0] == "curl"
    url, headers, body = "", {}, None
    rest = iter(args[1:])
    for arg in rest:
        if arg == "-X":
            assert next(rest) == "POST"
        elif arg == "-H":
            name, value = next(rest).split(":", 1)
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            body = next(rest).encode()
        elif arg.startswith("-"):
            assert arg == "-sS", arg
        else:
            url = arg
    return url, headers, body


def run_sample(page: httpx.Response) -> httpx.Response:
    url, headers, body = _request_of(text_of(page, "sample-request"))
    return httpx.post(url, headers=headers, content=body, timeout=30)


def _make(browser: Browser, kind: str, **fields: str) -> tuple[httpx.Response, str]:
    name = unique(kind)
    page = browser.submit("/integrations", kind=kind, name=name, service="checkout", **fields)
    assert page.status_code == 200, page.text[:500]
    assert not shown_error(page), shown_error(page)
    return page, name


def _listed(api: Api, name: str, include_revoked: bool = False) -> dict[str, Any]:
    params = {"include_revoked": include_revoked}
    [found] = [
        i for i in ok(api.viewer.get("/api/v1/integrations", params=params)) if i["name"] == name
    ]
    return found


MAPPING = {
    "root": "data.events",
    "summary": "message",
    "dedup_key": "check.id",
    "status": "check.status",
    "labels": "check.labels",
    "name": "check.name",
}


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("alertmanager", {}),
        ("grafana", {}),
        ("pagerduty", {}),
        ("generic", {"generic": json.dumps(MAPPING)}),
        ("generic", {"generic": '{"summary": "title", "severity": "level"}'}),
        ("heartbeat", {"heartbeat_interval_minutes": "10"}),
    ],
)
def test_the_key_is_shown_once_with_a_sample_request_the_server_accepts(
    api: Api, kind: str, fields: dict[str, str]
) -> None:
    with Browser(api, "admin") as browser:
        page, name = _make(browser, kind, **fields)
        key = text_of(page, "integration-key")
        assert 'class="secret" id="integration-key"' in page.text
        assert 'data-copy="#integration-key"' in page.text
        assert page.headers["cache-control"] == "no-store"
        assert key.startswith(_listed(api, name)["key_prefix"])
        assert key in text_of(page, "sample-request")
        sent = run_sample(page)
        assert 200 <= sent.status_code < 300, sent.text
        if kind == "heartbeat":
            assert _listed(api, name)["last_beat_at"] is not None
        else:
            alerts = ok(
                api.viewer.get("/api/v1/alerts", params={"integration": _listed(api, name)["id"]})
            )
            assert [a["summary"] for a in alerts["items"]] == ["Test alert from the Tocsin console"]
        later = browser.get("/integrations")
        assert name in later.text and key not in later.text
        assert key not in browser.get("/integrations", revoked="true").text


def test_the_alertmanager_sample_has_a_receiver_to_paste(api: Api) -> None:
    with Browser(api, "admin") as browser:
        page, _ = _make(browser, "alertmanager")
    config = text_of(page, "sample-config")
    url = text_of(page, "integration-url")
    assert "webhook_configs:" in config and f"url: '{url}'" in config
    assert "send_resolved: true" in config


def test_rotate_shows_a_new_key_once_and_the_old_one_stops_working(api: Api) -> None:
    made = integration(api)
    with Browser(api, "admin") as browser:
        listing = browser.get("/integrations")
        assert f'action="/integrations/{made["id"]}/rotate" data-confirm=' in listing.text
        page = browser.submit(f"/integrations/{made['id']}/rotate")
        new_key = text_of(page, "integration-key")
        assert new_key != made["key"]
        assert 200 <= run_sample(page).status_code < 300
        assert httpx.post(f"{api.url}/hooks/{made['key']}", json={"alerts": []}).status_code in (
            401,
            404,
        )
        assert new_key not in browser.get("/integrations").text


def test_delete_revokes_the_integration(api: Api) -> None:
    made = integration(api)
    with Browser(api, "admin") as browser:
        listing = browser.get("/integrations")
        assert f'action="/integrations/{made["id"]}/delete" data-confirm=' in listing.text
        page = browser.submit(f"/integrations/{made['id']}/delete")
        assert "Integration deleted" in page.text
    shown = ok(api.viewer.get(f"/api/v1/integrations/{made['id']}"))
    assert shown["revoked_at"] is not None


def test_one_services_integrations(api: Api) -> None:
    here = integration(api, service=unique("svc"))
    other = integration(api)
    with Browser(api, "viewer") as browser:
        page = browser.get("/integrations", service=here["service"])
    assert here["name"] in page.text and other["name"] not in page.text


def test_a_bad_field_is_shown_naming_it(api: Api) -> None:
    with Browser(api, "admin") as browser:
        page = browser.submit("/integrations", kind="carrier-pigeon", name="x", service="checkout")
        assert shown_error(page).startswith("kind:")
        page = browser.submit(
            "/integrations", kind="generic", name="x", service="checkout", generic="{oops"
        )
        assert shown_error(page).startswith("generic: not JSON")
        page = browser.submit("/integrations", kind="generic", name="x", service="checkout")
        assert shown_error(page).startswith("generic:")
        page = browser.submit("/integrations", kind="heartbeat", name="x", service="checkout")
        assert shown_error(page).startswith("heartbeat_interval_minutes:")
        page = browser.submit(
            "/integrations",
            kind="alertmanager",
            name="x",
            service="checkout",
            heartbeat_interval_minutes="soon",
        )
        assert page.status_code == 200 and shown_error(page).startswith(
            "heartbeat_interval_minutes:"
        )
        assert browser.submit("/integrations/999999/rotate").status_code == 200
        assert "999999" in shown_error(browser.submit("/integrations/999999/rotate"))


def test_the_forms_need_the_csrf_token(api: Api) -> None:
    name = unique("am")
    with Browser(api, "admin") as browser:
        refused = browser.forge("/integrations", kind="alertmanager", name=name, service="checkout")
    assert refused.status_code == 403
    assert not [i for i in ok(api.viewer.get("/api/v1/integrations")) if i["name"] == name]


@pytest.mark.parametrize(
    ("role", "needs"), [("viewer", "the responder role"), ("responder", "the admin role")]
)
def test_a_viewer_or_responder_gets_no_forms_as_in_the_api(api: Api, role: str, needs: str) -> None:
    made = integration(api)
    name = unique("am")
    with Browser(api, role) as browser:
        page = browser.get("/integrations")
        assert made["name"] in page.text
        assert "Add an integration" not in page.text and "/rotate" not in page.text
        refused = browser.submit(
            "/integrations", kind="alertmanager", name=name, service="checkout"
        )
        assert refused.status_code == 403 and needs in refused.text
        assert "integration-key" not in refused.text
        refused = browser.submit(f"/integrations/{made['id']}/rotate")
        assert refused.status_code == 403 and needs in refused.text
        assert browser.submit(f"/integrations/{made['id']}/delete").status_code == 403
    assert not [i for i in ok(api.viewer.get("/api/v1/integrations")) if i["name"] == name]
    assert 200 <= httpx.post(f"{api.url}/hooks/{made['key']}/heartbeat").status_code < 300


def test_a_team_admin_changes_the_integrations_of_their_teams_services_only(api: Api) -> None:
    mine, email = team_admin(api)
    own = service(api, team_id=mine["id"])["name"]
    ours, theirs = integration(api, service=own), integration(api)  # theirs: "checkout"
    with Browser(api, email=email) as browser:
        page = browser.get("/integrations").text
        assert "Add an integration" in page
        assert f'action="/integrations/{ours["id"]}/rotate"' in page
        assert f'action="/integrations/{theirs["id"]}/rotate"' not in page
        assert f'action="/integrations/{theirs["id"]}/delete"' not in page
        made = browser.submit("/integrations", kind="alertmanager", name=unique("am"), service=own)
        assert made.status_code == 200 and text_of(made, "integration-key")
        rotated = browser.submit(f"/integrations/{ours['id']}/rotate")
        assert text_of(rotated, "integration-key") != ours["key"]
        refused = browser.submit(
            "/integrations", kind="alertmanager", name=unique("am"), service="checkout"
        )
        assert refused.status_code == 403
        assert browser.submit(f"/integrations/{theirs['id']}/rotate").status_code == 403
        assert browser.submit(f"/integrations/{theirs['id']}/delete").status_code == 403
    assert ok(api.viewer.get(f"/api/v1/integrations/{theirs['id']}"))["revoked_at"] is None
    assert 200 <= httpx.post(f"{api.url}/hooks/{theirs['key']}/heartbeat").status_code < 300
