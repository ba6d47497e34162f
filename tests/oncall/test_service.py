"""The Python interface paging uses, called directly inside a transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.builders import PUBLIC_HOOK, contact, layer, level, ok, person, policy, schedule, service
from tests.conftest import Api
from tocsin.notify.channels.base import Target
from tocsin.oncall import service as oncall_service
from tocsin.oncall.service import PersonRef, PlannedContact

BEFORE_HANDOFF = datetime(2026, 4, 1, 12, 59, tzinfo=UTC)  # 08:59 New York
AT_HANDOFF = datetime(2026, 4, 1, 13, 0, tzinfo=UTC)


def test_escalation_snapshot_of_the_first_service_with_a_policy(api: Api) -> None:
    ana = person(api, "Ana")
    sched = schedule(api, [layer([ana["id"]])])
    levels = [
        level(schedules=[sched["id"]], timeout=10),
        level(people=[ana["id"]], timeout=20),
    ]
    first, second = policy(api, levels, repeat=3), policy(api, levels[1:])
    bare, paged, later = service(api), service(api, first["id"]), service(api, second["id"])
    names = ["not-in-catalog", bare["name"], paged["name"], later["name"]]
    with api.db.transaction() as session:
        snapshot = oncall_service.escalation_snapshot_in(session, services=names)
        nothing = oncall_service.escalation_snapshot_in(session, services=[bare["name"], "x"])
        empty = oncall_service.escalation_snapshot_in(session, services=[])
    assert nothing is None and empty is None
    assert snapshot == {
        "policy_id": first["id"],
        "policy_name": first["name"],
        "repeat": 3,
        "levels": [
            {
                "timeout_minutes": 10,
                "targets": [{"type": "schedule", "id": sched["id"], "name": sched["name"]}],
            },
            {
                "timeout_minutes": 20,
                "targets": [{"type": "person", "id": ana["id"], "name": "Ana"}],
            },
        ],
    }
    assert json.loads(json.dumps(snapshot)) == snapshot


def test_resolve_people_deduplicates_and_follows_the_schedule(api: Api) -> None:
    ana, ben = person(api, "Ana"), person(api, "Ben")
    sched = schedule(api, [layer([ana["id"], ben["id"]], start="2026-03-31T09:00:00-04:00")])
    empty = schedule(api, [layer([ana["id"]], start="2030-01-01T00:00:00Z")])
    targets = [
        {"type": "schedule", "id": sched["id"], "name": "s"},
        {"type": "person", "id": ana["id"], "name": "Ana"},
        {"type": "schedule", "id": empty["id"], "name": "nobody yet"},
        {"type": "person", "id": 999_999, "name": "deleted since"},
    ]
    with api.db.transaction() as session:
        before = oncall_service.resolve_people_in(session, targets=targets, at=BEFORE_HANDOFF)
        after = oncall_service.resolve_people_in(session, targets=targets, at=AT_HANDOFF)
    assert before == [PersonRef(id=ana["id"], name="Ana", handle=ana["handle"])]
    assert [p.id for p in after] == [ben["id"], ana["id"]]
    assert after[0].to_dict() == {"id": ben["id"], "name": "Ben", "handle": ben["handle"]}


def test_notification_plan_defaults_then_follows_rules(api: Api) -> None:
    ana = person(api)
    mail = contact(api, ana["id"], "email", "ana@example.com")
    hook = contact(api, ana["id"], "webhook", PUBLIC_HOOK, label="pager")
    with api.db.reading() as session:
        default = oncall_service.notification_plan_in(session, person_id=ana["id"])
    assert default == [
        PlannedContact(mail["id"], "email", "email", 0),
        PlannedContact(hook["id"], "webhook", "pager", 0),
    ]
    rules = f"/api/v1/people/{ana['id']}/notification-rules"
    for method, delay in ((mail, 10), (hook, 2), (mail, 0)):
        body = {"contact_method_id": method["id"], "delay_minutes": delay}
        ok(api.responder.post(rules, json=body), 201)
    with api.db.reading() as session:
        plan = oncall_service.notification_plan_in(session, person_id=ana["id"])
        nobody = oncall_service.notification_plan_in(session, person_id=999_999)
    assert [(p.kind, p.delay_minutes) for p in plan] == [
        ("email", 0),
        ("webhook", 2),
        ("email", 10),
    ]
    assert plan[1].to_dict() == {
        "contact_method_id": hook["id"],
        "kind": "webhook",
        "label": "pager",
        "delay_minutes": 2,
    }
    assert nobody == []


def test_delivery_targets_open_their_secrets(api: Api) -> None:
    ana = person(api)
    mail = contact(api, ana["id"], "email", "ana@example.com")
    hook = contact(api, ana["id"], "webhook", PUBLIC_HOOK)
    slack_url = "https://93.184.215.14/services/T000/B000/secret"
    slack = contact(api, ana["id"], "slack", slack_url)
    tgram = "tgram://123456789:abcdefg_hijklmnop/12315544/"
    apprise = contact(api, ana["id"], "apprise", tgram)
    box = api.settings.secret_box
    with api.db.reading() as session:
        found = {
            m["kind"]: oncall_service.delivery_target_in(
                session, contact_method_id=m["id"], box=box
            )
            for m in (mail, hook, slack, apprise)
        }
    assert found == {
        "email": Target("email", "ana@example.com"),
        "webhook": Target("webhook", PUBLIC_HOOK, secret=hook["signing_secret"]),
        "slack": Target("slack", slack_url),
        "apprise": Target("apprise", tgram),
    }
    ok(api.responder.delete(f"/api/v1/people/{ana['id']}/contact-methods/{slack['id']}"), 204)
    with api.db.reading() as session:
        gone = oncall_service.delivery_target_in(session, contact_method_id=slack["id"], box=box)
    assert gone is None
