"""Postmortems open themselves when an incident whose severity requires one resolves (owner:
the Incident Commander; deadlines in the team's zone), open by hand for the others, and
once per incident."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from tests.builders import declare, incident, ok, schedule, timeline, unique
from tests.conftest import Api, TestClock
from tests.postmortems.conftest import commanded, opened, postmortem_of, resolve

FRIDAY = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def test_resolving_a_sev2_opens_its_postmortem_owned_by_the_commander(
    api: Api, clock: TestClock
) -> None:
    clock.set(FRIDAY)
    iid, commander = commanded(api, "SEV2")
    resolve(api, iid)
    found = postmortem_of(api, iid)
    assert found["status"] == "draft"
    assert found["owner"] == {"person_id": commander["id"], "name": "Ivo"}
    assert datetime.fromisoformat(found["draft_due_at"]) == FRIDAY + timedelta(hours=48)
    # five business days from Friday, in UTC (no team): the end of next Friday
    assert datetime.fromisoformat(found["review_due_at"]) == datetime(2026, 12, 12, tzinfo=UTC)
    assert found["time_zone"] == "UTC"
    [event] = timeline(api, iid, "postmortem_opened")
    assert event["data"]["postmortem_id"] == found["id"]


def test_a_sev3_opens_none_by_itself_but_one_by_hand(api: Api) -> None:
    iid = declare(api, severity="SEV3", services=[unique("svc")], commander="Pat Doe")["id"]
    resolve(api, iid)
    missing = api.viewer.get(f"/api/v1/incidents/{iid}/postmortem")
    assert missing.status_code == 404
    made = ok(api.responder.post(f"/api/v1/incidents/{iid}/postmortem"), 201)
    assert made["owner"] == {"person_id": None, "name": "Pat Doe"}  # a name, not a person
    again = ok(api.responder.post(f"/api/v1/incidents/{iid}/postmortem"), 200)
    assert again["id"] == made["id"]


def test_resolving_again_after_a_reopen_keeps_the_one_postmortem(api: Api) -> None:
    iid, first, _ = opened(api, "SEV1")
    move = {"status": "investigating"}
    ok(api.responder.post(f"/api/v1/incidents/{iid}/status", json=move))
    resolve(api, iid)
    assert postmortem_of(api, iid)["id"] == first["id"]
    assert len(timeline(api, iid, "postmortem_opened")) == 1


def test_the_review_deadline_counts_in_the_team_zone(api: Api, clock: TestClock) -> None:
    clock.set(datetime(2026, 12, 4, 23, 30, tzinfo=UTC))  # already Saturday in Berlin
    team = ok(api.admin.post("/api/v1/teams", json={"name": unique("team")}), 201)
    schedule(api, [], time_zone="Europe/Berlin", team_id=team["id"])
    svc = ok(
        api.admin.post("/api/v1/services", json={"name": unique("svc"), "team_id": team["id"]}),
        201,
    )
    iid = declare(api, severity="SEV1", services=[svc["name"]])["id"]
    resolve(api, iid)
    found = postmortem_of(api, iid)
    assert found["time_zone"] == "Europe/Berlin" and found["team_id"] == team["id"]
    # Saturday in Berlin: the fifth business day is Friday the 11th, ending 23:00 UTC
    assert datetime.fromisoformat(found["review_due_at"]) == datetime(2026, 12, 11, 23, tzinfo=UTC)


def test_opening_by_hand_names_another_owner_and_checks_it(api: Api) -> None:
    iid = declare(api, severity="SEV4", services=[unique("svc")])["id"]
    url = f"/api/v1/incidents/{iid}/postmortem"
    bad = api.responder.post(url, json={"owner": {"person_id": 2_000_000_000}})
    assert bad.status_code == 422 and bad.json()["field"] == "owner.person_id"
    empty = api.responder.post(url, json={"owner": {}})
    assert empty.status_code == 422
    made = ok(api.responder.post(url, json={"owner": {"name": "Sam"}}), 201)
    assert made["owner"]["name"] == "Sam"
    assert api.viewer.post(url).status_code == 403
    assert api.responder.post("/api/v1/incidents/2000000000/postmortem").status_code == 404


def test_the_impact_section_is_prefilled_from_the_incident(api: Api, clock: TestClock) -> None:
    clock.set(FRIDAY)
    started = (FRIDAY - timedelta(minutes=30)).isoformat()
    svc = unique("svc")
    iid = declare(api, severity="SEV2", services=[svc], impact_started_at=started)["id"]
    for contact in ("a@example.com", "A@example.com", "b@example.com"):  # 2 customers
        report = {"name": "Ann", "contact": contact, "text": "Checkout fails", "service": svc}
        made = api.responder.post("/api/v1/reports", json=report)
        assert made.status_code == 201, made.text
        attached = api.responder.post(
            f"/api/v1/reports/{made.json()['id']}/attach", json={"incident_id": iid}
        )
        assert attached.status_code in (200, 409), attached.text  # 409: matched already
    clock.advance(timedelta(minutes=45))
    resolve(api, iid)
    pm = postmortem_of(api, iid)
    sections = ok(api.viewer.get(f"/api/v1/postmortems/{pm['id']}/sections"))
    impact = next(s for s in sections if s["key"] == "impact")
    assert impact["content"]["duration_minutes"] == 75
    assert impact["content"]["components"] == [svc]
    assert impact["content"]["customers_affected"] == 2
    assert "customer reports" in impact["content"]["customers_note"]
    assert incident(api, iid)["learning"] == "pending"


def test_opening_at_once_from_several_clients_opens_one(api: Api) -> None:
    iid = declare(api, severity="SEV3", services=[unique("svc")])["id"]
    url = f"/api/v1/incidents/{iid}/postmortem"
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: api.responder.post(url), range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(timeline(api, iid, "postmortem_opened")) == 1
