"""The handlers of an apply for the on-call directory: people (with their contact methods
and notification rules), teams, schedules (with their overrides) and escalation policies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from tocsin.config_as_code.document import (
    Instant,
    PersonDoc,
    PolicyDoc,
    ScheduleDoc,
    TeamDoc,
    layer_fields,
)
from tocsin.config_as_code.run import Run
from tocsin.config_as_code.state import contact_scope
from tocsin.core.config_plan import Change
from tocsin.oncall.escalation import service as escalation
from tocsin.oncall.escalation.schemas import LevelIn, PolicyCreate, TargetIn, TargetType
from tocsin.oncall.people import contacts
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


class DirectoryHandlers(Run):
    """Create, change and delete people, teams, schedules and escalation policies."""

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
                contacts.delete_contact_method(self.db, person_id=person_id, contact_method_id=cid)
                self.forget("contact_methods", cid)
                method_ids.pop(key, None)
        by_key = {m.key: m for m in doc.contact_methods or []}
        for m in want["contact_methods"]:
            if m["key"] in method_ids:
                continue
            source = by_key[m["key"]]
            assert source.address is not None, "the plan refuses a new method without address"
            made = contacts.create_contact_method(
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
        for rule in contacts.list_rules(self.db, person_id=person_id):
            contacts.delete_rule(self.db, person_id=person_id, rule_id=rule.id)
        for contact, delay in sorted(wanted_rules, key=lambda r: (r[1], r[0])):
            contacts.create_rule(
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

    def _team_fields(self, doc: TeamDoc) -> dict[str, Any]:
        return {
            "name": doc.name,
            "description": doc.description,
            "members": [self.ids["people"][k] for k in sorted(set(doc.members))],
            "admins": [self.ids["people"][k] for k in sorted(set(doc.admins))],
        }

    def _create_teams(self, change: Change) -> None:
        doc = self.docs["teams"][change.key]
        body = TeamCreate(**self._team_fields(doc))
        self.remember("teams", doc.key, teams.create_team(self.db, body=body).id)

    def _change_teams(self, change: Change) -> None:
        doc = self.docs["teams"][change.key]
        patch = TeamPatch(**self._team_fields(doc))
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


_INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)


def _iso(moment: datetime) -> str:
    """An instant as the plan writes it (UTC, ``Z``)."""
    return str(_INSTANT.dump_python(_INSTANT.validate_python(moment), mode="json"))
