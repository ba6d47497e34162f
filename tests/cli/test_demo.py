"""`tocsin demo` on a fresh database of the test's own (SQLite and PostgreSQL): what it makes,
that the dashboard's API answers with it, and that a second run refuses without --force."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import BACKENDS, run_cli, serving, settings_for, throwaway_postgres
from tests.web.test_pages import signed_in
from tocsin.db import Database
from tocsin.demo.plan import PlannedIncident, plan_year
from tocsin.incidents.tables import Incident
from tocsin.oncall.people.tables import Person
from tocsin.postmortems.tables import ActionItem, Postmortem


@pytest.fixture(scope="module", params=BACKENDS)
def demo_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    else:
        with throwaway_postgres() as url:
            yield url


@pytest.fixture(scope="module")
def demo(
    demo_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, str]]:
    """The output of one `tocsin demo` run, with its database URL and key folder."""
    keys = tmp_path_factory.mktemp("demo-keys")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOCSIN_DATABASE_URL", demo_url)
        patch.setenv("TOCSIN_SECRET_KEY_FILE", str(keys / "tocsin.key"))
        patch.setenv("COLUMNS", "250")
        output = run_cli("demo", "--seed", "7")
    yield demo_url, keys, output


def count(url: str, what: object) -> int:
    db = Database(url)
    try:
        with db.reading() as session:
            return int(session.scalar(select(func.count()).select_from(what)) or 0)  # type: ignore[arg-type]
    finally:
        db.dispose()


def printed(output: str) -> dict[str, int]:
    found = {}
    for line in output.splitlines():
        name, sep, value = line.rpartition(": ")
        if sep and value.strip().isdigit():
            found[name.strip()] = int(value)
    return found


def test_demo_makes_a_year_in_the_expected_ranges(demo: tuple[str, Path, str]) -> None:
    url, _, output = demo
    made = printed(output)
    assert made["incidents"] == 600 == count(url, Incident)
    assert made["teams"] == 3 and made["people"] == 12 and made["services"] == 8
    assert 300 <= made["alerts"] <= 600
    assert 150 <= made["pages"] <= 600
    assert 400 <= made["internal updates"] <= 2000
    assert 30 <= made["postmortems"] == count(url, Postmortem) <= 150
    assert 30 <= made["public incidents"] <= 150
    assert made["customer reports"] > 0 and made["maintenances"] == 1
    assert made["timeline events"] > 5 * made["incidents"]
    assert "/metrics" in output


def test_action_items_exist_in_every_status_some_overdue(demo: tuple[str, Path, str]) -> None:
    url, _, _ = demo
    db = Database(url)
    try:
        with db.reading() as session:
            statuses = dict(
                session.execute(
                    select(ActionItem.status, func.count()).group_by(ActionItem.status)
                ).all()
            )
            postmortems = set(session.scalars(select(Postmortem.status)))
            overdue = session.scalar(
                select(func.count())
                .select_from(ActionItem)
                .where(ActionItem.status.in_(("open", "in_progress")))
                .where(ActionItem.due_on < func.current_date())
            )
    finally:
        db.dispose()
    assert set(statuses) == {"open", "in_progress", "done", "wont_do"}
    assert postmortems == {"draft", "in_review", "published"}
    assert overdue and overdue > 0


def test_the_metrics_api_answers_non_empty_groups(demo: tuple[str, Path, str]) -> None:
    url, keys, _ = demo
    db = Database(url)
    try:
        with serving(settings_for(url, keys), db) as api:
            for group_by in ("severity", "service", "team"):
                answer = api.viewer.get("/api/v1/metrics", params={"group_by": group_by})
                assert answer.status_code == 200, answer.text
                body = answer.json()
                assert len(body["groups"]) >= 2, group_by
                assert all(g["incidents"] > 0 for g in body["groups"])
                assert body["total"]["mttr"]["count"] > 0
            load = api.viewer.get("/api/v1/metrics").json()
            assert load["oncall_load"] and load["alert_noise"]
    finally:
        db.dispose()


def test_a_second_run_refuses_without_force(demo: tuple[str, Path, str]) -> None:
    url, keys, _ = demo
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOCSIN_DATABASE_URL", url)
        patch.setenv("TOCSIN_SECRET_KEY_FILE", str(keys / "tocsin.key"))
        patch.setenv("COLUMNS", "250")
        output = run_cli("demo", exit_code=1)
    assert "--force" in output
    assert count(url, Incident) == 600


def test_the_demo_rows_read_back_through_every_feature(demo: tuple[str, Path, str]) -> None:
    """The rows written set-based have the shape each feature writes: its API and pages
    read them back (incident, timeline, alerts, paging, postmortem, action items)."""
    url, keys, _ = demo
    db = Database(url)
    try:
        with db.reading() as session:
            pm_id, iid = session.execute(
                select(Postmortem.id, Postmortem.incident_id)
                .where(Postmortem.status == "published")
                .order_by(Postmortem.id)
            ).first()  # type: ignore[misc]
        with serving(settings_for(url, keys), db) as api:
            for path in (
                f"/api/v1/incidents/{iid}",
                f"/api/v1/incidents/{iid}/events",
                f"/api/v1/incidents/{iid}/updates",
                f"/api/v1/incidents/{iid}/alerts",
                f"/api/v1/incidents/{iid}/paging",
                f"/api/v1/incidents/{iid}/postmortem",
                f"/api/v1/postmortems/{pm_id}/sections",
                f"/api/v1/postmortems/{pm_id}/timeline",
                f"/api/v1/postmortems/{pm_id}/action-items",
                "/api/v1/action-items",
                "/api/v1/alerts/noise",
            ):
                answer = api.viewer.get(path)
                assert answer.status_code == 200, (path, answer.text[:500])
            with signed_in(api, "viewer") as browser:
                for page in (f"/incidents/{iid}", f"/postmortems/{pm_id}", "/metrics"):
                    shown = browser.get(page)
                    assert shown.status_code == 200, (page, shown.text[:500])
            kinds = {
                e["kind"] for e in api.viewer.get(f"/api/v1/incidents/{iid}/events").json()["items"]
            }
    finally:
        db.dispose()
    assert {"declared", "status_changed", "role_assigned", "learning_settled"} <= kinds


def test_the_same_seed_plans_the_same_year_and_another_seed_another() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    services = ["payments-api", "search", "web-frontend"]

    def year(seed: int) -> list[PlannedIncident]:
        return plan_year(random.Random(seed), now=now, services=services, people=12, count=200)

    first = year(7)
    assert first == year(7)
    assert first != year(8)
    assert all(now - timedelta(days=366) <= p.impact_started_at <= now for p in first)
    severities = Counter(p.severity for p in first)
    assert severities["SEV4"] + severities["SEV3"] > 4 * (severities["SEV1"] + severities["SEV2"])
    assert sum(p.recurring for p in first) >= 2
    assert sum(p.resolved_at is None for p in first) == 2


def test_force_adds_a_year_to_the_demo_organisation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'forced.db'}"
    monkeypatch.setenv("TOCSIN_DATABASE_URL", url)
    monkeypatch.setenv("TOCSIN_SECRET_KEY_FILE", str(tmp_path / "tocsin.key"))
    monkeypatch.setenv("COLUMNS", "250")
    run_cli("demo")
    again = printed(run_cli("demo", "--force"))
    assert again["incidents"] == 600 and again["maintenances"] == 0
    assert count(url, Incident) == 1200
    assert count(url, Person) == 12
