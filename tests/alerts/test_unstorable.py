"""Ingest keeps the storable-text rule per alert, and answers any body with a 4xx or a store.

Alertmanager retries a notification it got a 5xx for, forever: a body no database can
store must be a 4xx, and one bad alert must not make its neighbours fail.
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.alerts.helpers import alerts_of, am_alert, am_body, enqueue
from tests.builders import integration
from tests.conftest import Api
from tests.inputs import NUL, nested

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def raw_post(url: str, text: str) -> httpx.Response:
    return httpx.post(url, content=text, headers={"content-type": "application/json"}, timeout=30)


def pd_event(key: str, **payload: Any) -> dict[str, Any]:
    body = {"summary": "Disk full", "source": "db1", "severity": "critical"} | payload
    return {"routing_key": key, "event_action": "trigger", "payload": body}


def test_one_unstorable_alert_does_not_refuse_its_neighbours(api: Api) -> None:
    created = integration(api)
    bad = am_alert("db2", team=f"ops{NUL}")
    body = am_body(am_alert("db1"), bad, am_alert("db3"))
    response = httpx.post(f"{api.url}/hooks/{created['key']}", json=body, timeout=30)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert len(answer["alerts"]) == 2
    (refusal,) = answer["refused"]
    assert refusal["index"] == 1
    assert refusal["field"] == "alerts[1].labels.team"
    assert "NUL" in refusal["message"]
    stored = {a["labels"]["instance"] for a in alerts_of(api, integration=created["id"])}
    assert stored == {"db1", "db3"}


def test_a_notification_of_only_unstorable_alerts_is_a_422(api: Api) -> None:
    created = integration(api)
    alert = am_alert("db1")
    alert["annotations"]["summary"] = f"broken{NUL}"
    response = httpx.post(f"{api.url}/hooks/{created['key']}", json=am_body(alert), timeout=30)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["field"] == "alerts[0].details.annotations.summary"
    assert "NUL" in answer["message"]
    # msgspec refuses a lone surrogate while reading: the whole body is unreadable
    text = msgspec.json.encode(am_body(am_alert("db2"))).decode().replace("db2", "\\ud800")
    response = raw_post(f"{api.url}/hooks/{created['key']}", text)
    assert response.status_code == 400, response.text
    assert alerts_of(api, integration=created["id"]) == []


def test_pagerduty_events_with_unstorable_text_are_a_400_naming_the_field(api: Api) -> None:
    created = integration(api, "pagerduty")
    for event, field in (
        (pd_event(created["key"], summary=f"disk{NUL}"), "payload.summary"),
        (
            pd_event(created["key"], custom_details={"note": f"x{NUL}"}),
            "payload.custom_details.note",
        ),
        (
            pd_event(created["key"], custom_details={f"k{NUL}": 1}),
            "payload.custom_details.k\\u0000",
        ),
    ):
        response = enqueue(api, event)
        assert response.status_code == 400, response.text
        assert response.json()["status"] == "invalid event"
        assert any(field in error for error in response.json()["errors"]), response.text


@pytest.mark.parametrize("depth", [256, 1_000, 100_000])
def test_deep_custom_details_are_refused(api: Api, depth: int) -> None:
    created = integration(api, "pagerduty")
    event = pd_event(created["key"])
    prefix = msgspec.json.encode(event).decode()[:-2]  # drop the closing "}}"
    text = prefix + ',"custom_details":' + '{"k":' * depth + '"x"' + "}" * depth + "}}"
    response = raw_post(f"{api.url}/v2/enqueue", text)
    assert response.status_code == 400, response.text
    assert alerts_of(api, integration=created["id"]) == []


def test_details_within_the_bounds_are_stored_and_listed(api: Api) -> None:
    created = integration(api, "pagerduty")
    response = enqueue(api, pd_event(created["key"], custom_details=nested(20)))
    assert response.status_code == 202, response.text
    (alert,) = alerts_of(api, integration=created["id"])
    assert alert["details"]["custom_details"] == nested(20)
    assert api.viewer.get(f"/api/v1/alerts/{alert['id']}").status_code == 200
    too_big = pd_event(created["key"], custom_details={"blob": "x" * 70_000})
    assert enqueue(api, too_big).status_code == 400


# ---------------------------------------------------------------- any body at all

json_leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=25,
)


def alertish(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Bodies close to a real notification, so the parsers' deeper paths are reached too."""
    alert = st.fixed_dictionaries(
        {"status": st.sampled_from(["firing", "resolved", "x"]), "labels": values},
        optional={
            "annotations": values,
            "startsAt": st.sampled_from(["2026-01-01T00:00:00Z", "soon", 5]),
            "fingerprint": values,
            "endsAt": values,
        },
    )
    return st.fixed_dictionaries({"alerts": st.lists(alert, max_size=3)})


def pd_like(key: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {
            "routing_key": st.just(key),
            "event_action": st.sampled_from(["trigger", "acknowledge", "resolve", "pause", 1]),
        },
        optional={
            "dedup_key": values,
            "payload": st.fixed_dictionaries(
                {
                    "summary": values,
                    "source": values,
                    "severity": st.sampled_from(["critical", "error", "info", "bad", None]),
                },
                optional={"custom_details": values, "timestamp": values},
            ),
            "links": values,
            "images": values,
        },
    )


def bodies(shaped: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    encoded = (shaped | json_values).map(lambda value: msgspec.json.encode(value))
    return st.binary(max_size=200) | encoded


def judged(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")
    response.json()


@pytest.mark.parametrize("kind", ["alertmanager", "grafana", "generic"])
def test_any_webhook_body_is_a_4xx_or_stored(api: Api, kind: str) -> None:
    rules = {"generic": {"summary": "title", "labels": "labels"}} if kind == "generic" else {}
    created = integration(api, kind, rate_limit_per_minute=1_000_000, **rules)
    url = f"{api.url}/hooks/{created['key']}"

    @FUZZ
    @given(body=bodies(alertish(json_values)))
    def check(body: bytes) -> None:
        response = httpx.post(url, content=body, headers={"content-type": "application/json"})
        judged(response)
        if response.status_code == 200:
            for outcome in response.json()["alerts"]:
                if outcome["alert_id"] is not None:
                    stored = api.viewer.get(f"/api/v1/alerts/{outcome['alert_id']}")
                    assert stored.status_code == 200, stored.text

    check()


def test_any_pagerduty_event_is_a_4xx_or_stored(api: Api) -> None:
    created = integration(api, "pagerduty", rate_limit_per_minute=1_000_000)

    @FUZZ
    @given(body=bodies(pd_like(created["key"], json_values)))
    def check(body: bytes) -> None:
        response = httpx.post(
            f"{api.url}/v2/enqueue", content=body, headers={"content-type": "application/json"}
        )
        judged(response)
        event = msgspec.json.decode(body) if response.status_code == 202 else None
        if isinstance(event, dict) and event.get("event_action") == "trigger":
            key = response.json()["dedup_key"]
            keys = {a["dedup_key"] for a in alerts_of(api, integration=created["id"], limit=500)}
            assert key in keys

    check()
