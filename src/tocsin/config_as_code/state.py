"""The current configuration, read through each feature's own use cases, in the file's shape.

Each object is known by the key a file gave it (``config_keys``); one no file has named yet
is known by ``<kind>-<id>`` (``person-12``), which is also the key ``tocsin export`` writes for
it, so applying an export adopts such objects instead of making copies.

Two forms come out of here. The *comparable* form is what plans compare: a Slack or Apprise
URL appears masked there, as the API shows it, and so does an integration's old tool's key
(``legacy_key``, its first 4 characters). The *export* form leaves those secrets out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tocsin import clock
from tocsin.alerts import integrations as alert_integrations
from tocsin.alerts import silences as alert_silences
from tocsin.alerts.maintenance_silences import is_maintenance_silence
from tocsin.alerts.state import IngestState
from tocsin.config_as_code.document import (
    SECTIONS,
    ContactMethodDoc,
    Document,
    IntegrationDoc,
    LayerDoc,
    LevelDoc,
    NotificationRuleDoc,
    OverrideDoc,
    PersonDoc,
    PolicyDoc,
    ScheduleDoc,
    ServiceDoc,
    SeverityPolicyDoc,
    SilenceDoc,
    TargetDoc,
    TeamDoc,
    dump,
    layer_fields,
)
from tocsin.config_as_code.tables import ConfigKey
from tocsin.core.roles import TeamRole
from tocsin.core.severity import Severity
from tocsin.db import Database
from tocsin.incidents import severity_policies as stored_policies
from tocsin.incidents.severity_policies import PolicyBook
from tocsin.oncall.escalation import service as escalation
from tocsin.oncall.escalation.schemas import TargetType
from tocsin.oncall.people import contacts
from tocsin.oncall.people import service as people
from tocsin.oncall.people.schemas import ContactKind
from tocsin.oncall.schedules import service as schedules
from tocsin.oncall.teams import service as teams

PREFIX = {
    "people": "person",
    "teams": "team",
    "schedules": "schedule",
    "escalation_policies": "policy",
    "services": "service",
    "integrations": "integration",
    "silences": "silence",
    "contact_methods": "contact",
}


def contact_scope(person_id: int, key: str) -> str:
    """How a contact method's key is stored: scoped by its person."""
    return f"{person_id}:{key}"


@dataclass
class Current:
    """The configuration as it is: comparable data, and the id behind each key."""

    config: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    ids: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    contact_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    policy_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each severity's policy as the deployment sets it (what --prune goes back to)."""
    sealed: set[tuple[str, str]] = field(default_factory=set)  # (person key, contact key)
    # integration key -> the digest of its old tool's key, to compare a file's key with
    legacy_digests: dict[str, str] = field(default_factory=dict)

    def key_of(self, section: str, object_id: int) -> str | None:
        for key, found in self.ids[section].items():
            if found == object_id:
                return key
        return None


class _Keys:
    def __init__(self, rows: list[ConfigKey]) -> None:
        self.by_id: dict[tuple[str, int], str] = {(r.kind, r.object_id): r.key for r in rows}
        self.taken: set[tuple[str, str]] = {(r.kind, r.key) for r in rows}

    def key(self, kind: str, object_id: int, *, scope: int | None = None) -> str:
        found = self.by_id.get((kind, object_id))
        if found is not None:
            return found.split(":", 1)[1] if scope is not None else found
        default = f"{PREFIX[kind]}-{object_id}"
        stored = contact_scope(scope, default) if scope is not None else default
        return default if (kind, stored) not in self.taken else f"{default}-unkeyed"


def legacy_mask(prefix: str, *, new: bool = False) -> str:
    """How a legacy key shows in a plan: its first 4 characters, never more."""
    return f"{prefix[:4]}…" + (" (new)" if new else "")


def read_keys(db: Database) -> list[ConfigKey]:
    with db.reading() as session:
        rows = list(session.scalars(select(ConfigKey)))
        session.expunge_all()
        return rows


def severity_key(severity: Severity) -> str:
    return severity.value.lower()


def read_current(
    db: Database, *, state: IngestState, policies: PolicyBook, now: datetime | None = None
) -> Current:
    now = now or clock.now()
    keys = _Keys(read_keys(db))
    current = Current()
    ids = current.ids

    def named(section: str, object_id: int) -> str:
        key = keys.key(section, object_id)
        ids[section][key] = object_id
        return key

    def key_by_id(section: str) -> dict[int, str]:
        return {v: k for k, v in ids[section].items()}

    all_people = people.list_people(db)
    for p in all_people:
        named("people", p.id)
    person_key = key_by_id("people")
    person_docs: dict[str, dict[str, Any]] = {}
    for p in all_people:
        pkey = person_key[p.id]
        methods = contacts.list_contact_methods(db, person_id=p.id)
        method_key = {}
        method_docs = []
        for m in methods:
            mkey = keys.key("contact_methods", m.id, scope=p.id)
            method_key[m.id] = mkey
            current.contact_ids[pkey, mkey] = m.id
            if m.kind.sealed:
                current.sealed.add((pkey, mkey))
            method_docs.append(
                ContactMethodDoc(key=mkey, kind=m.kind, label=m.label, address=m.address)
            )
        rules = [
            NotificationRuleDoc(
                contact=method_key[r.contact_method_id], delay_minutes=r.delay_minutes
            )
            for r in contacts.list_rules(db, person_id=p.id)
        ]
        doc = PersonDoc(
            key=pkey,
            name=p.name,
            handle=p.handle,
            email=p.email,
            time_zone=p.time_zone,
            contact_methods=method_docs,
            notification_rules=sort_rules(rules),
        )
        person_docs[pkey] = dump(doc)

    team_docs: dict[str, dict[str, Any]] = {}
    for t in teams.list_teams(db):
        tkey = named("teams", t.id)
        members = sorted(person_key[m.id] for m in t.members)
        admins = sorted(person_key[m.id] for m in t.members if m.role is TeamRole.ADMIN)
        team_docs[tkey] = dump(
            TeamDoc(
                key=tkey, name=t.name, description=t.description, members=members, admins=admins
            )
        )
    team_key = key_by_id("teams")

    schedule_docs: dict[str, dict[str, Any]] = {}
    all_schedules = schedules.list_schedules(db)
    for s in all_schedules:
        named("schedules", s.id)
    schedule_key = key_by_id("schedules")
    for s in all_schedules:
        skey = schedule_key[s.id]
        layers = [
            LayerDoc(**layer_fields(la), participants=[person_key[p.id] for p in la.participants])
            for la in s.layers
        ]
        overrides = [
            OverrideDoc(person=person_key[o.person.id], start=o.start, end=o.end)
            for o in schedules.list_overrides(db, schedule_id=s.id)
        ]
        schedule_docs[skey] = dump(
            ScheduleDoc(
                key=skey,
                name=s.name,
                description=s.description,
                time_zone=s.time_zone,
                team=team_key.get(s.team_id) if s.team_id else None,
                layers=layers,
                overrides=sort_overrides(overrides),
            )
        )

    policy_docs: dict[str, dict[str, Any]] = {}
    for pol in escalation.list_policies(db):
        pkey = named("escalation_policies", pol.id)
        levels = [
            LevelDoc(
                timeout_minutes=level.timeout_minutes,
                targets=[
                    TargetDoc(person=person_key[t.id])
                    if t.type is TargetType.PERSON
                    else TargetDoc(schedule=schedule_key[t.id])
                    for t in level.targets
                ],
            )
            for level in pol.levels
        ]
        policy_docs[pkey] = dump(
            PolicyDoc(
                key=pkey,
                name=pol.name,
                description=pol.description,
                repeat=pol.repeat,
                team=team_key.get(pol.team_id) if pol.team_id else None,
                levels=levels,
            )
        )
    policy_key = key_by_id("escalation_policies")

    service_docs: dict[str, dict[str, Any]] = {}
    for svc in escalation.list_services(db):
        skey = named("services", svc.id)
        service_docs[skey] = dump(
            ServiceDoc(
                key=skey,
                name=svc.name,
                description=svc.description,
                team=team_key.get(svc.team_id) if svc.team_id else None,
                escalation_policy=policy_key.get(svc.escalation_policy_id)
                if svc.escalation_policy_id
                else None,
            )
        )

    integration_docs: dict[str, dict[str, Any]] = {}
    legacy = alert_integrations.legacy_key_digests(db)
    for integ in alert_integrations.list_integrations(db, state=state):
        ikey = named("integrations", integ.id)
        integration_doc = dump(
            IntegrationDoc(
                key=ikey,
                kind=integ.kind,
                name=integ.name,
                service=integ.service,
                **integ.rules.model_dump(),
            )
        )
        if integ.id in legacy:
            current.legacy_digests[ikey] = legacy[integ.id]
            integration_doc["legacy_key"] = legacy_mask(integ.legacy_key_prefix or "")
        integration_docs[ikey] = integration_doc
    integration_key = key_by_id("integrations")

    silence_docs: dict[str, dict[str, Any]] = {}
    for sil in alert_silences.list_silences(db):
        if sil.ends_at <= max(now, sil.starts_at):
            continue  # ended (an ended future silence ends where it starts)
        if is_maintenance_silence(sil.created_by):
            continue  # a scheduled maintenance's own: it makes and ends them
        skey = named("silences", sil.id)
        silence_docs[skey] = dump(
            SilenceDoc(
                key=skey,
                matchers=sil.matchers,
                starts_at=sil.starts_at,
                ends_at=sil.ends_at,
                weekly=sil.weekly,
                comment=sil.comment,
                service=sil.service,
                integration=integration_key.get(sil.integration_id) if sil.integration_id else None,
            )
        )

    severity_docs: dict[str, dict[str, Any]] = {}
    for found in stored_policies.list_policies(db, policies):
        pkey = severity_key(found.severity)
        fields = found.model_dump(mode="json", exclude={"severity", "stored"})
        severity_docs[pkey] = dump(SeverityPolicyDoc.model_validate({"key": pkey, **fields}))
        deployment = policies.deployment[found.severity]
        current.policy_defaults[pkey] = {"key": pkey, **stored_policies.policy_fields(deployment)}

    current.config = {
        "people": person_docs,
        "teams": team_docs,
        "schedules": schedule_docs,
        "escalation_policies": policy_docs,
        "services": service_docs,
        "integrations": integration_docs,
        "silences": silence_docs,
        "severity_policies": severity_docs,
    }
    return current


def sort_rules(rules: list[NotificationRuleDoc]) -> list[NotificationRuleDoc]:
    return sorted(rules, key=lambda r: (r.delay_minutes, r.contact))


def sort_overrides(overrides: list[OverrideDoc]) -> list[OverrideDoc]:
    return sorted(overrides, key=lambda o: (o.start, o.end, o.person))


def export(current: Current) -> Document:
    """The export form: every section sorted by key, secret URLs left out."""
    data: dict[str, Any] = {}
    for section in SECTIONS:
        objects = [current.config[section][key] for key in sorted(current.config[section])]
        if section == "people":
            objects = [_without_secrets(p) for p in objects]
        if section == "integrations":
            objects = [{k: v for k, v in i.items() if k != "legacy_key"} for i in objects]
        data[section] = objects
    return Document.model_validate(data)


def _without_secrets(person: dict[str, Any]) -> dict[str, Any]:
    methods = [
        {**m, "address": None} if ContactKind(m["kind"]).sealed else m
        for m in person["contact_methods"]
    ]
    return {**person, "contact_methods": methods}
