"""The plan of a file against the current configuration: the file put in comparable form,
its references checked, and ``tocsin.core.config_plan`` asked for the changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tocsin.alerts.integrations import digest
from tocsin.config_as_code.document import SECTIONS, Document, dump
from tocsin.config_as_code.state import Current, legacy_mask, sort_overrides
from tocsin.core.config_plan import Action, Change, count, plan
from tocsin.oncall.people.contacts import mask
from tocsin.oncall.people.schemas import ContactKind


@dataclass(frozen=True)
class PlanProblem:
    """Something the file asks that cannot be done; ``path`` is a dotted path in the file."""

    path: str
    message: str


class PlanRefused(Exception):
    def __init__(self, problems: list[PlanProblem]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Plan:
    document: Document
    current: Current
    wanted: dict[str, dict[str, dict[str, Any]]]
    changes: list[Change]
    prune: bool

    def counts(self) -> dict[str, int]:
        return count(self.changes)


def _person(
    doc: dict[str, Any], have: dict[str, Any] | None, problems: list[PlanProblem], where: str
) -> dict[str, Any]:
    """A person in comparable form: left-out lists kept, secret URLs masked."""
    result = dict(doc)
    for name in ("contact_methods", "notification_rules"):
        if result[name] is None:
            result[name] = have[name] if have else []
    before = {m["key"]: m for m in (have or {}).get("contact_methods", [])}
    methods = []
    for index, method in enumerate(result["contact_methods"]):
        method = dict(method)
        old = before.get(method["key"])
        if method["address"] is None:
            if old is None or old["kind"] != method["kind"]:
                problems.append(
                    PlanProblem(
                        f"{where}.contact_methods.{index}.address",
                        "required to create a contact method",
                    )
                )
            else:
                method["address"] = old["address"]
        elif ContactKind(method["kind"]).sealed:
            method["address"] = mask(method["address"])
        methods.append(method)
    result["contact_methods"] = methods
    known = {m["key"] for m in methods}
    for index, rule in enumerate(result["notification_rules"]):
        if rule["contact"] not in known:
            problems.append(
                PlanProblem(
                    f"{where}.notification_rules.{index}.contact",
                    f"no contact method {rule['contact']!r} for this person",
                )
            )
    result["notification_rules"] = sorted(
        result["notification_rules"], key=lambda r: (r["delay_minutes"], r["contact"])
    )
    return result


def _integration(
    doc: dict[str, Any], have: dict[str, Any] | None, current: Current
) -> dict[str, Any]:
    """An integration in comparable form: its old tool's key masked, and kept when left out
    (a key equal to the one set is no change: the digests are compared)."""
    given = doc.pop("legacy_key", None)
    kept = (have or {}).get("legacy_key")
    if given is not None and current.legacy_digests.get(doc["key"]) != digest(given):
        kept = legacy_mask(given, new=True)
    return {**doc, "legacy_key": kept} if kept is not None else doc


def make_plan(document: Document, current: Current, *, prune: bool, now: datetime) -> Plan:
    problems: list[PlanProblem] = []
    wanted: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in SECTIONS}
    have = current.config

    for index, p in enumerate(document.people):
        wanted["people"][p.key] = _person(
            dump(p), have["people"].get(p.key), problems, f"people.{index}"
        )
    for t in document.teams:
        data = dump(t)
        data["members"] = sorted(set(data["members"]))
        data["admins"] = sorted(set(data["admins"]))
        wanted["teams"][t.key] = data
    for s in document.schedules:
        data = dump(s)
        data["layers"] = sorted(data["layers"], key=lambda la: la["position"])
        if s.overrides is None:
            data["overrides"] = have["schedules"].get(s.key, {}).get("overrides", [])
        else:
            future = [o for o in s.overrides if o.end > now]
            data["overrides"] = [dump(o) for o in sort_overrides(future)]
        wanted["schedules"][s.key] = data
    for pol in document.escalation_policies:
        wanted["escalation_policies"][pol.key] = dump(pol)
    for svc in document.services:
        wanted["services"][svc.key] = dump(svc)
    for integ in document.integrations:
        wanted["integrations"][integ.key] = _integration(
            dump(integ), have["integrations"].get(integ.key), current
        )
    for sil in document.silences:
        if sil.ends_at > now:  # a silence that has ended is history, not configuration
            wanted["silences"][sil.key] = dump(sil)
    if prune:  # every severity has a policy: one the file leaves out goes back to the default
        wanted["severity_policies"] = dict(current.policy_defaults)
    for sev in document.severity_policies:
        wanted["severity_policies"][sev.key] = {**current.policy_defaults[sev.key], **sev.given()}

    _check_references(document, current, wanted, prune, problems)
    changes = plan(have, wanted, sections=SECTIONS, prune=prune)
    _check_changes(document, changes, problems)
    if problems:
        raise PlanRefused(problems)
    return Plan(document=document, current=current, wanted=wanted, changes=changes, prune=prune)


def _check_references(
    document: Document,
    current: Current,
    wanted: dict[str, dict[str, dict[str, Any]]],
    prune: bool,
    problems: list[PlanProblem],
) -> None:
    def known(section: str) -> set[str]:
        keys = set(wanted[section])
        return keys if prune else keys | set(current.config[section])

    people, teams, schedules = known("people"), known("teams"), known("schedules")
    policies, integrations = known("escalation_policies"), known("integrations")

    def need(keys: set[str], key: str | None, path: str, what: str) -> None:
        if key is not None and key not in keys:
            problems.append(PlanProblem(path, f"no {what} with the key {key!r}"))

    for i, t in enumerate(document.teams):
        for j, member in enumerate(t.members):
            need(people, member, f"teams.{i}.members.{j}", "person")
    for i, s in enumerate(document.schedules):
        need(teams, s.team, f"schedules.{i}.team", "team")
        for j, layer in enumerate(s.layers):
            for k, who in enumerate(layer.participants):
                need(people, who, f"schedules.{i}.layers.{j}.participants.{k}", "person")
        for j, o in enumerate(s.overrides or []):
            need(people, o.person, f"schedules.{i}.overrides.{j}.person", "person")
    for i, pol in enumerate(document.escalation_policies):
        need(teams, pol.team, f"escalation_policies.{i}.team", "team")
        for j, level in enumerate(pol.levels):
            for k, target in enumerate(level.targets):
                where = f"escalation_policies.{i}.levels.{j}.targets.{k}"
                need(people, target.person, f"{where}.person", "person")
                need(schedules, target.schedule, f"{where}.schedule", "schedule")
    for i, svc in enumerate(document.services):
        need(teams, svc.team, f"services.{i}.team", "team")
        need(
            policies, svc.escalation_policy, f"services.{i}.escalation_policy", "escalation policy"
        )
    for i, sil in enumerate(document.silences):
        need(integrations, sil.integration, f"silences.{i}.integration", "integration")


_INTEGRATION_FIXED = ("kind", "service")
_CHECKED = frozenset({"services", "integrations"})


def _check_changes(document: Document, changes: list[Change], problems: list[PlanProblem]) -> None:
    """Changes no use case can make (a service's name, an integration's kind or service)."""
    index = {
        section: {obj.key: i for i, obj in enumerate(getattr(document, section))}
        for section in SECTIONS
    }
    for change in changes:
        if change.action is not Action.CHANGE or change.section not in _CHECKED:
            continue
        where = f"{change.section}.{index[change.section][change.key]}"
        top = {f.path.split(".", 1)[0] for f in change.fields}
        if change.section == "services" and "name" in top:
            problems.append(
                PlanProblem(
                    f"{where}.name",
                    "a service's name cannot change (incidents name it); "
                    "give the new name a new key",
                )
            )
        if change.section == "integrations":
            for name in sorted(top & set(_INTEGRATION_FIXED)):
                problems.append(
                    PlanProblem(
                        f"{where}.{name}",
                        f"an integration's {name} cannot change; "
                        "give it a new key (a new integration, with a new URL)",
                    )
                )
            for f in change.fields:
                if f.path in ("auto_resolve", "generic") and f.new is None:
                    problems.append(
                        PlanProblem(f"{where}.{f.path}", "cannot be cleared once set; give a value")
                    )
