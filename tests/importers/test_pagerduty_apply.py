"""The file `tocsin import pagerduty` writes, applied through the real apply engine on
SQLite and PostgreSQL: everything is made once, and a second apply changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import ok
from tests.config_as_code.helpers import applied, fresh_server, planned
from tests.conftest import Api
from tests.importers.test_pagerduty import IMPORTER, RECORDED, _text
from tocsin.importers.keys import PeopleDirectory


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    with fresh_server(request.param, tmp_path) as api:
        yield api


def test_the_imported_file_applies_and_a_second_apply_changes_nothing(fresh: Api) -> None:
    text = _text(IMPORTER.convert(IMPORTER.read_offline(RECORDED), PeopleDirectory()))
    done = applied(fresh, text)
    assert done["changes"]
    assert [s["what"] for s in done["secrets"]] == ["integrations.pd-integration-pint001"]
    schedules = {s["name"]: s for s in ok(fresh.viewer.get("/api/v1/schedules"))}
    primary = schedules["Platform primary"]
    assert [layer["kind"] for layer in primary["layers"]] == ["hours", "weekly", "hours", "daily"]
    # the shift-based (v3) schedules: business hours a week each, evenings one weekday layer
    # each (Monday's cut turn first), Tokyo nights two days each
    business = schedules["Support business hours"]
    assert business["time_zone"] == "America/New_York"
    assert [layer["kind"] for layer in business["layers"]] == ["weekly", "hours"] + ["weekly"] * 5
    assert len(business["layers"][0]["restrictions"]) == 5
    assert [layer["kind"] for layer in schedules["Tokyo nights"]["layers"]] == ["hours", "days"]
    service = ok(fresh.viewer.get("/api/v1/services/checkout-api"))
    policy = ok(fresh.viewer.get(f"/api/v1/escalation-policies/{service['escalation_policy_id']}"))
    assert [level["timeout_minutes"] for level in policy["levels"]] == [7, 13]
    assert policy["repeat"] == 2
    assert planned(fresh, text)["changes"] == []
    again = applied(fresh, text)
    assert again["changes"] == [] and again["secrets"] == []
