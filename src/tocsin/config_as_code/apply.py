"""Carry a plan out through each feature's own use cases, and record it.

Changes go one by one, in the plan's order (creates and changes from people to severity
policies, then deletes backwards), all in one transaction (``Database.unit_of_work``: each
use case's own transaction is a savepoint of it). The first failure stops the apply and
rolls back all of it: the configuration stays as it was, and the record says where it
failed.

Secrets made on the way (a new integration's key, a new webhook's signing secret) are in the
answer once and nowhere else: not in the record, not in a later export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import delete, select

from tocsin import clock
from tocsin.access import acting
from tocsin.alerts import integrations as alert_integrations
from tocsin.alerts import silences as alert_silences
from tocsin.alerts.schemas import IntegrationCreate, IntegrationPatch, SilenceCreate
from tocsin.alerts.state import IngestState
from tocsin.config_as_code.document import (
    SECTIONS,
    Instant,
    IntegrationDoc,
    PersonDoc,
    PolicyDoc,
    ScheduleDoc,
    ServiceDoc,
    SilenceDoc,
    TeamDoc,
    layer_fields,
)
from tocsin.config_as_code.plan import Plan
from tocsin.config_as_code.state import PREFIX, contact_scope
from tocsin.config_as_code.tables import ConfigApply, ConfigKey
from tocsin.core.config_plan import Action, Change
from tocsin.core.severity import Severity
from tocsin.crypto import SecretBox
from tocsin.db import Database
from tocsin.errors import TocsinError
from tocsin.incidents import severity_policies as stored_policies
from tocsin.incidents.schemas import SeverityPolicyFields
from tocsin.incidents.severity_policies import PolicyBook
from tocsin.oncall.escalation import service as escalation
from tocsin.oncall.escalation.schemas import (
    LevelIn,
    PolicyCreate,
    ServiceCreate,
    ServicePatch,
    TargetIn,
    TargetType,
)
from tocsin.oncall.people import service as people
from tocsin.oncall.people.schemas import (
    ContactMethodCreate,
    NotificationRuleCreate,
    PersonCreate,
    PersonPatch,
)
from tocsin.oncall.schedules import service as schedules
from tocsin.oncall.schedules.schemas import LayerIn, OverrideCreate, ScheduleIn
from tocsin.oncall.teams import service as teams
from tocsin.oncall.teams.schemas import TeamCreate, TeamPatch


@dataclass(frozen=True)
class Context:
    """What the use cases need besides the database."""

    state: IngestState
    policies: PolicyBook
    box: SecretBox
    outbound_allow: Sequence[str]
    base_url: str
    actor: str


@dataclass
class Outcome:
    apply_id: int
    applied: list[Change]
    secrets: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None


class _Run:
    def __init__(self, db: Database, plan: Plan, ctx: Context) -> None:
        self.db, self.plan, self.ctx = db, plan, ctx
        self.ids: dict[str, dict[str, int]] = {s: dict(v) for s, v in plan.current.ids.items()}
        self.secrets: list[dict[str, str]] = []
        self.docs = {
            section: {obj.key: obj for obj in getattr(plan.document, section)}
            for section in SECTIONS
        }

    # ------------------------------------------------------------ keys

    def remember(self, section: str, key: str, object_id: int) -> None:
        self.ids.setdefault(section, {})[key] = object_id
        self._store(section, key, object_id)

    def _store(self, kind: str, key: str, object_id: int) -> None:
        with self.db.transaction() as session:
            session.execute(
                delete(ConfigKey).where(
                    (ConfigKey.kind == kind)
                    & ((ConfigKey.key == key) | (ConfigKey.object_id == object_id))
                )
            )
            session.add(ConfigKey(kind=kind, key=key, object_id=object_id))

    def forget(self, kind: str, object_id: int) -> None:
        with self.db.transaction() as session:
            session.execute(
                delete(ConfigKey).where(ConfigKey.kind == kind, ConfigKey.object_id == object_id)
            )

    def id_of(self, section: str, key: str | None) -> int | None:
        return None if key is None else self.ids[section][key]

    def adopt_all(self) -> None:
        """Store the key of every object the file names that is known by its default key."""
        with self.db.reading() as session:
            stored = {(r.kind, r.key) for r in session.scalars(select(ConfigKey))}
        for section, docs in self.docs.items():
            for key in docs:
                if key in self.ids.get(section, {}) and (section, key) not in stored:
                    self._store(section, key, self.ids[section][key])
        for (pkey, mkey), method_id in self.plan.current.contact_ids.items():
            person_id = self.ids["people"].get(pkey)
            if person_id is not None and pkey in self.docs["people"]:
                scoped = contact_scope(person_id, mkey)
                if ("contact_methods", scoped) not in stored:
                    self._store("contact_methods", scoped, method_id)

    # ------------------------------------------------------------ one change

    def run(self, change: Change) -> None:
        handler = getattr(self, f"_{change.action.value}_{change.section}")
        handler(change)

    # people

    def _person_fields(self, doc: PersonDoc) -> dict[str, Any]:
        return {
            "name": doc.name,
            "handle": doc.handle,
            "email": doc.email,
            "time_zone": doc.time_zone,
        }

    def _create_people(self, change: Change) -> None:
        doc = self.docs["people"][change.key]
        made = people.create_person(self.db, body=PersonCreate(**self._person_fields(doc)))
        self.remember("people", doc.key, made.id)
        self._contacts(doc, made.id, rebuild=True)

    def _change_people(self, change: Change) -> None:
        doc = self.docs["people"][change.key]
        person_id = self.ids["people"][doc.key]
        top = {f.path.split(".", 1)[0] for f in change.fields}
        if top & {"name", "handle", "email", "time_zone"}:
            people.edit_person(
                self.db, person_id=person_id, patch=PersonPatch(**self._person_fields(doc))
            )
        if top & {"contact_methods", "notification_rules"}:
            self._contacts(doc, person_id, rebuild=False)

    def _contacts(self, doc: PersonDoc, person_id: int, *, rebuild: bool) -> None:
        """Contact methods made, remade (a changed one: delete and create) or deleted, then
        the rules set anew: a method remade loses its rules, so they are all made again."""
        have = self.plan.current.config["people"].get(doc.key) if not rebuild else None
        want = self.plan.wanted["people"][doc.key]
        old = {m["key"]: m for m in (have or {}).get("contact_methods", [])}
        method_ids: dict[str, int] = {}
        for m in want["contact_methods"]:
            if (doc.key, m["key"]) in self.plan.current.contact_ids and m["key"] in old:
                method_ids[m["key"]] = self.plan.current.contact_ids[doc.key, m["key"]]
        for key, method in old.items():
            wanted_method = next((m for m in want["contact_methods"] if m["key"] == key), None)
            if wanted_method is None or wanted_method != method:
                cid = self.plan.current.contact_ids[doc.key, key]
                people.delete_contact_method(self.db, person_id=person_id, contact_method_id=cid)
                self.forget("contact_methods", cid)
                method_ids.pop(key, None)
        by_key = {m.key: m for m in doc.contact_methods or []}
        for m in want["contact_methods"]:
            if m["key"] in method_ids:
                continue
            source = by_key[m["key"]]
            assert source.address is not None, "the plan refuses a new method without address"
            made = people.create_contact_method(
                self.db,
                person_id=person_id,
                body=ContactMethodCreate(
                    kind=source.kind, address=source.address, label=source.label
                ),
                box=self.ctx.box,
                outbound_allow=self.ctx.outbound_allow,
            )
            method_ids[m["key"]] = made.id
            self._store("contact_methods", contact_scope(person_id, m["key"]), made.id)
            if made.signing_secret:
                self.secrets.append(
                    {
                        "what": f"people.{doc.key}.contact_methods.{m['key']}",
                        "signing_secret": made.signing_secret,
                    }
                )
        wanted_rules = {(r["contact"], r["delay_minutes"]) for r in want["notification_rules"]}
        for rule in people.list_rules(self.db, person_id=person_id):
            people.delete_rule(self.db, person_id=person_id, rule_id=rule.id)
        for contact, delay in sorted(wanted_rules, key=lambda r: (r[1], r[0])):
            people.create_rule(
                self.db,
                person_id=person_id,
                body=NotificationRuleCreate(
                    contact_method_id=method_ids[contact], delay_minutes=delay
                ),
            )

    def _delete_people(self, change: Change) -> None:
        person_id = self.ids["people"][change.key]
        people.delete_person(self.db, person_id=person_id)
        self.forget("people", person_id)

    # teams

    def _team_members(self, doc: TeamDoc) -> list[int]:
        return [self.ids["people"][k] for k in sorted(set(doc.members))]

    def _team_admins(self, doc: TeamDoc) -> list[int]:
        return [self.ids["people"][k] for k in sorted(set(doc.admins))]

    def _create_teams(self, change: Change) -> None:
        doc = self.docs["teams"][change.key]
        body = TeamCreate(
            name=doc.name,
            description=doc.description,
            members=self._team_members(doc),
            admins=self._team_admins(doc),
        )
        self.remember("teams", doc.key, teams.create_team(self.db, body=body).id)

    def _change_teams(self, change: Change) -> None:
        doc = self.docs["teams"][change.key]
        patch = TeamPatch(
            name=doc.name,
            description=doc.description,
            members=self._team_members(doc),
            admins=self._team_admins(doc),
        )
        teams.edit_team(self.db, team_id=self.ids["teams"][doc.key], patch=patch)

    def _delete_teams(self, change: Change) -> None:
        team_id = self.ids["teams"][change.key]
        teams.delete_team(self.db, team_id=team_id)
        self.forget("teams", team_id)

    # schedules

    def _schedule_body(self, doc: ScheduleDoc) -> ScheduleIn:
        return ScheduleIn(
            name=doc.name,
            description=doc.description,
            time_zone=doc.time_zone,
            team_id=self.id_of("teams", doc.team),
            layers=[
                LayerIn(
                    **layer_fields(la),
                    participants=[self.ids["people"][k] for k in la.participants],
                )
                for la in doc.layers
            ],
        )

    def _create_schedules(self, change: Change) -> None:
        doc = self.docs["schedules"][change.key]
        made = schedules.create_schedule(self.db, body=self._schedule_body(doc))
        self.remember("schedules", doc.key, made.id)
        self._overrides(doc, made.id)

    def _change_schedules(self, change: Change) -> None:
        doc = self.docs["schedules"][change.key]
        schedule_id = self.ids["schedules"][doc.key]
        top = {f.path.split(".", 1)[0] for f in change.fields}
        if top - {"overrides"}:
            schedules.replace_schedule(
                self.db, schedule_id=schedule_id, body=self._schedule_body(doc)
            )
        if "overrides" in top:
            self._overrides(doc, schedule_id)

    def _overrides(self, doc: ScheduleDoc, schedule_id: int) -> None:
        want = self.plan.wanted["schedules"][doc.key]["overrides"]
        wanted = {(self.ids["people"][o["person"]], o["start"], o["end"]) for o in want}
        existing = schedules.list_overrides(self.db, schedule_id=schedule_id)
        kept = set()
        for o in existing:
            found = (o.person.id, _iso(o.start), _iso(o.end))
            if found in wanted and found not in kept:
                kept.add(found)
            else:
                schedules.delete_override(self.db, schedule_id=schedule_id, override_id=o.id)
        for person_id, start, end in sorted(wanted - kept, key=lambda o: (o[1], o[2], o[0])):
            schedules.create_override(
                self.db,
                schedule_id=schedule_id,
                body=OverrideCreate(
                    person_id=person_id,
                    start=_INSTANT.validate_python(start),
                    end=_INSTANT.validate_python(end),
                ),
                actor=self.ctx.actor,
            )

    def _delete_schedules(self, change: Change) -> None:
        schedule_id = self.ids["schedules"][change.key]
        schedules.delete_schedule(self.db, schedule_id=schedule_id)
        self.forget("schedules", schedule_id)

    # escalation policies

    def _policy_body(self, doc: PolicyDoc) -> PolicyCreate:
        levels = []
        for level in doc.levels:
            targets = [
                TargetIn(type=TargetType.PERSON, id=self.ids["people"][t.person])
                if t.person is not None
                else TargetIn(type=TargetType.SCHEDULE, id=self.ids["schedules"][str(t.schedule)])
                for t in level.targets
            ]
            levels.append(LevelIn(timeout_minutes=level.timeout_minutes, targets=targets))
        return PolicyCreate(
            name=doc.name,
            description=doc.description,
            repeat=doc.repeat,
            team_id=self.id_of("teams", doc.team),
            levels=levels,
        )

    def _create_escalation_policies(self, change: Change) -> None:
        doc = self.docs["escalation_policies"][change.key]
        made = escalation.create_policy(self.db, body=self._policy_body(doc))
        self.remember("escalation_policies", doc.key, made.id)

    def _change_escalation_policies(self, change: Change) -> None:
        doc = self.docs["escalation_policies"][change.key]
        policy_id = self.ids["escalation_policies"][doc.key]
        escalation.replace_policy(self.db, policy_id=policy_id, body=self._policy_body(doc))

    def _delete_escalation_policies(self, change: Change) -> None:
        policy_id = self.ids["escalation_policies"][change.key]
        escalation.delete_policy(self.db, policy_id=policy_id)
        self.forget("escalation_policies", policy_id)

    # services

    def _create_services(self, change: Change) -> None:
        doc: ServiceDoc = self.docs["services"][change.key]
        body = ServiceCreate(
            name=doc.name,
            description=doc.description,
            team_id=self.id_of("teams", doc.team),
            escalation_policy_id=self.id_of("escalation_policies", doc.escalation_policy),
        )
        self.remember("services", doc.key, escalation.create_service(self.db, body=body).id)

    def _change_services(self, change: Change) -> None:
        doc: ServiceDoc = self.docs["services"][change.key]
        patch = ServicePatch(
            description=doc.description,
            team_id=self.id_of("teams", doc.team),
            escalation_policy_id=self.id_of("escalation_policies", doc.escalation_policy),
        )
        escalation.edit_service(self.db, name=doc.name, patch=patch)

    def _delete_services(self, change: Change) -> None:
        name = self.plan.current.config["services"][change.key]["name"]
        escalation.delete_service(self.db, name=name)
        self.forget("services", self.ids["services"][change.key])

    # integrations

    def _create_integrations(self, change: Change) -> None:
        doc: IntegrationDoc = self.docs["integrations"][change.key]
        body = IntegrationCreate.model_validate(doc.model_dump(exclude={"key"}))
        made = alert_integrations.create_integration(
            self.db,
            state=self.ctx.state,
            integration=body,
            created_by=self.ctx.actor,
            base_url=self.ctx.base_url,
        )
        self.remember("integrations", doc.key, made.id)
        self.secrets.append(
            {
                "what": f"integrations.{doc.key}",
                "key": made.key,
                "url": made.url,
                "heartbeat_url": made.heartbeat_url,
            }
        )

    def _change_integrations(self, change: Change) -> None:
        doc: IntegrationDoc = self.docs["integrations"][change.key]
        changed = {f.path.split(".", 1)[0] for f in change.fields}
        values = doc.model_dump(include=changed)
        alert_integrations.change_integration(
            self.db,
            state=self.ctx.state,
            integration_id=self.ids["integrations"][doc.key],
            patch=IntegrationPatch.model_validate(values),
        )

    def _delete_integrations(self, change: Change) -> None:
        integration_id = self.ids["integrations"][change.key]
        alert_integrations.revoke_integration(
            self.db, state=self.ctx.state, integration_id=integration_id
        )
        self.forget("integrations", integration_id)

    # silences (they cannot be edited: a changed one is ended and made anew)

    def _create_silences(self, change: Change) -> None:
        doc: SilenceDoc = self.docs["silences"][change.key]
        body = SilenceCreate(
            matchers=doc.matchers,
            starts_at=doc.starts_at,
            ends_at=doc.ends_at,
            weekly=doc.weekly,
            comment=doc.comment,
            service=doc.service,
            integration_id=self.id_of("integrations", doc.integration),
        )
        made = alert_silences.create_silence(
            self.db, state=self.ctx.state, silence=body, created_by=self.ctx.actor
        )
        self.remember("silences", doc.key, made.id)

    def _change_silences(self, change: Change) -> None:
        self._delete_silences(change)
        self._create_silences(change)

    def _delete_silences(self, change: Change) -> None:
        silence_id = self.ids["silences"][change.key]
        alert_silences.expire_silence(self.db, state=self.ctx.state, silence_id=silence_id)
        self.forget("silences", silence_id)

    # severity policies (every severity has one: a change stores the file's fields, a
    # severity a pruning file leaves out goes back to the deployment's policy)

    def _change_severity_policies(self, change: Change) -> None:
        severity = Severity(change.key.upper())
        doc = self.docs["severity_policies"].get(change.key)
        if doc is None:
            stored_policies.reset_policy(
                self.db, self.ctx.policies, severity=severity, actor=self.ctx.actor
            )
            return
        fields = SeverityPolicyFields.model_validate(
            doc.model_dump(exclude_unset=True, exclude={"key"})
        )
        stored_policies.set_policy(
            self.db, self.ctx.policies, severity=severity, change=fields, actor=self.ctx.actor
        )


_INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)


def _iso(moment: datetime) -> str:
    """An instant as the plan writes it (UTC, ``Z``)."""
    return str(_INSTANT.dump_python(_INSTANT.validate_python(moment), mode="json"))


def apply_plan(db: Database, plan: Plan, ctx: Context, *, source: str) -> Outcome:
    """Carry out ``plan``; the record is written whether it went through or stopped.

    Its changes are the caller's, made through config as code (the audit log's ``via``)."""
    with acting.via("config"):
        return _carry_out(db, plan, ctx, source=source)


def _carry_out(db: Database, plan: Plan, ctx: Context, *, source: str) -> Outcome:
    run = _Run(db, plan, ctx)
    done: list[Change] = []
    error: str | None = None
    try:
        with db.unit_of_work():  # all or nothing
            run.adopt_all()
            for change in plan.changes:
                run.run(change)
                done.append(change)
    except TocsinError as failure:
        change = plan.changes[len(done)]
        error = (
            f"{change.section}.{change.key} ({change.action}): {failure.message} "
            "(nothing was changed)"
        )
        done, run.secrets = [], []  # rolled back: no object of the file was made
    finally:
        # their parts told the caches before the whole committed (or rolled back)
        ctx.state.configuration_changed()
        ctx.policies.changed()
    with db.transaction() as session:
        record = ConfigApply(
            applied_at=clock.now(),
            actor=ctx.actor,
            source=source[:300],
            prune=plan.prune,
            outcome="failed" if error else "applied",
            error=error[:2000] if error else None,
            changes=[c.to_dict() for c in done],
        )
        session.add(record)
        session.flush()
        apply_id = record.id
    return Outcome(apply_id=apply_id, applied=done, secrets=run.secrets, error=error)


def list_applies(db: Database, *, limit: int = 50) -> list[ConfigApply]:
    with db.reading() as session:
        rows = list(
            session.scalars(select(ConfigApply).order_by(ConfigApply.id.desc()).limit(limit))
        )
        session.expunge_all()
        return rows


__all__ = ["PREFIX", "Action", "Context", "Outcome", "apply_plan", "list_applies"]
