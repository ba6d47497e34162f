"""An integration's ``legacy_key`` in a file: set on create, kept when left out, never
exported, masked in plans, and the same file applied twice changes nothing."""

from __future__ import annotations

import json
import secrets

import httpx

from tests.builders import ok
from tests.config_as_code.helpers import applied, exported, planned, send, suffix
from tests.conftest import Api


def _file(s: str, legacy_key: str | None) -> str:
    line = f"    legacy_key: {legacy_key}\n" if legacy_key else ""
    return f"""\
version: 1
services:
  - key: legacy-svc-{s}
    name: legacy-{s}
integrations:
  - key: legacy-pd-{s}
    kind: pagerduty
    name: Old PagerDuty {s}
    service: legacy-{s}
{line}"""


def _send_event(api: Api, routing_key: str) -> httpx.Response:
    body = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "payload": {"summary": "Queue stuck", "source": "q1", "severity": "error"},
    }
    return httpx.post(f"{api.url}/v2/enqueue", json=body, timeout=30)


def _integration(api: Api, s: str) -> dict:
    found = [
        i for i in ok(api.viewer.get("/api/v1/integrations")) if i["name"] == f"Old PagerDuty {s}"
    ]
    assert len(found) == 1
    return found[0]


def test_legacy_key_applied_once_masked_kept_and_never_exported(api: Api) -> None:
    s = suffix()
    old = secrets.token_hex(16)
    text = _file(s, old)
    plan = planned(api, text)
    plan_text = json.dumps(plan)
    assert old not in plan_text and old[4:] not in plan_text
    done = applied(api, text)
    assert old not in json.dumps(done)
    made = _integration(api, s)
    assert made["legacy_key_set"] is True and made["legacy_key_prefix"] == old[:4]
    assert _send_event(api, old).status_code == 202

    # The same file again: nothing to do (the key is compared by digest, not shown).
    assert planned(api, text)["changes"] == []
    assert applied(api, text)["changes"] == []
    # A file without the key (an export, say) leaves it as it is.
    assert planned(api, _file(s, None))["changes"] == []
    assert applied(api, _file(s, None))["changes"] == []
    assert _integration(api, s)["legacy_key_set"] is True

    everything = exported(api)
    assert old not in json.dumps(everything)
    [doc] = [i for i in everything["integrations"] if i["name"] == f"Old PagerDuty {s}"]
    assert "legacy_key" not in doc
    history = ok(api.admin.get("/api/v1/config/applies"))
    assert old not in json.dumps(history)

    # Another key in the file replaces it; the plan shows only 4 characters of it.
    new = secrets.token_hex(16)
    replan = planned(api, _file(s, new))
    [change] = replan["changes"]
    [field] = change["fields"]
    assert field["path"] == "legacy_key" and new not in json.dumps(replan)
    assert field["new"].startswith(new[:4])
    applied(api, _file(s, new))
    assert _send_event(api, new).status_code == 202
    assert _send_event(api, old).status_code == 400


def test_a_legacy_key_another_integration_has_stops_the_apply(api: Api) -> None:
    s = suffix()
    old = secrets.token_hex(16)
    applied(api, _file(s, old))
    other = suffix()
    response = send(api, "apply", _file(other, old))
    assert response.status_code == 200, response.text
    assert "legacy_key" in response.json()["error"]
