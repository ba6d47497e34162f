"""PagerDuty escalation policies, services and their integrations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tocsin.alerts.schemas import IntegrationKind
from tocsin.config_as_code.document import (
    IntegrationDoc,
    LevelDoc,
    PolicyDoc,
    ServiceDoc,
    TargetDoc,
)
from tocsin.importers.keys import KEPT, usable_secret
from tocsin.importers.pagerduty.common import key, label, ref_id, ref_type, slug, teams_of, unique
from tocsin.importers.report import ImportReport

EVENTS_V2 = "events_api_v2_inbound_integration"
ENQUEUE_PATH = "/v2/enqueue"


def _level(
    rule: Mapping[str, Any],
    people: Mapping[str, str],
    schedules: Mapping[str, str],
    report: ImportReport,
    where: str,
) -> LevelDoc | None:
    targets: list[TargetDoc] = []
    for target in rule.get("targets") or ():
        kind, target_id = ref_type(target), ref_id(target) or ""
        if kind == "user" and target_id in people:
            targets.append(TargetDoc(person=people[target_id]))
        elif kind == "schedule" and target_id in schedules:
            targets.append(TargetDoc(schedule=schedules[target_id]))
        else:
            report.unmatched(where, f"target {kind} {target_id} was not imported; left out")
    strategy = (rule.get("escalation_rule_assignment_strategy") or {}).get("type")
    if strategy == "round_robin":
        report.changed(where, "round-robin assignment: Tocsin pages every target of the level")
    if not targets:
        report.lost(where, "no target could be mapped; the level was dropped")
        return None
    delay = int(rule.get("escalation_delay_in_minutes") or 0)
    exact = min(max(delay, 1), 1440)
    if exact != delay:
        report.changed(where, f"a delay of {delay} minutes is outside 1-1440; {exact} is used")
    return LevelDoc(timeout_minutes=exact, targets=targets)


def convert_policies(
    policies: Sequence[Mapping[str, Any]],
    people: Mapping[str, str],
    schedules: Mapping[str, str],
    report: ImportReport,
) -> tuple[list[PolicyDoc], dict[str, str]]:
    docs: list[PolicyDoc] = []
    by_id: dict[str, str] = {}
    for policy in policies:
        where = f"escalation policy {label(policy)}"
        levels = []
        for number, rule in enumerate(policy.get("escalation_rules") or (), start=1):
            level = _level(rule, people, schedules, report, f"{where} rule {number}")
            if level is not None:
                levels.append(level)
        if not levels:
            report.lost(where, "no rule could be carried over; the policy was not imported")
            continue
        loops = int(policy.get("num_loops") or 0)
        repeat = min(max(loops, 0), 9)
        if repeat != loops:
            report.changed(where, f"repeats {loops} times; Tocsin repeats at most 9")
        by_id[str(policy["id"])] = key("policy", str(policy["id"]))
        docs.append(
            PolicyDoc(
                key=by_id[str(policy["id"])],
                name=str(policy.get("name") or policy["id"]).strip()[:200],
                description=str(policy.get("description") or ""),
                repeat=repeat,
                levels=levels,
            )
        )
    return docs, by_id


def convert_services(
    services: Sequence[Mapping[str, Any]],
    policies: Mapping[str, str],
    teams: Mapping[str, str],
    report: ImportReport,
    *,
    keep_keys: bool = False,
) -> tuple[list[ServiceDoc], list[IntegrationDoc]]:
    """Services and their Events API v2 integrations; with ``keep_keys`` each keeps
    PagerDuty's integration key as its ``legacy_key`` (the routing key senders already use)."""
    docs: list[ServiceDoc] = []
    integrations: list[IntegrationDoc] = []
    names: set[str] = set()
    for service in services:
        where = f"service {label(service)}"
        service_id = str(service["id"])
        name = unique(slug(str(service.get("name") or ""), 100), names, service_id, 100)
        policy_id = ref_id(service.get("escalation_policy"))
        policy = policies.get(policy_id or "")
        if policy_id and policy is None:
            report.unmatched(where, f"escalation policy {policy_id} was not imported; none set")
        if service.get("support_hours"):
            report.lost(where, "support hours (urgency by time of day) have no Tocsin equivalent")
        team = next((teams[t] for t in teams_of(service) if t in teams), None)
        docs.append(
            ServiceDoc(
                key=key("service", service_id),
                name=name,
                description=str(service.get("description") or ""),
                team=team,
                escalation_policy=policy,
            )
        )
        for integration in service.get("integrations") or ():
            kind = ref_type(integration)
            title = str(integration.get("name") or integration.get("summary") or kind)[:100]
            there = f"{where} integration {label(integration)}"
            if kind == EVENTS_V2:
                kept = usable_secret(integration.get("integration_key")) if keep_keys else None
                integrations.append(
                    IntegrationDoc(
                        key=key("integration", str(integration["id"])),
                        kind=IntegrationKind.PAGERDUTY,
                        name=title.strip() or "Events API v2",
                        service=name,
                        legacy_key=kept,
                    )
                )
                if kept is not None:
                    report.note(
                        there,
                        f"keeps PagerDuty's integration key: {KEPT} (send to <your Tocsin "
                        f"URL>{ENQUEUE_PATH} with the same routing key; only the host changes)",
                    )
                    continue
                missing = " (PagerDuty exported none)" if keep_keys else ""
                report.note(
                    there,
                    f"send its events to <your Tocsin URL>{ENQUEUE_PATH} with the new routing "
                    "key `tocsin apply` prints for this integration (PagerDuty's integration "
                    f"key does not carry over{missing})",
                )
            else:
                report.lost(
                    there,
                    f"type {kind or '?'} is not PagerDuty Events API v2; create a Tocsin "
                    "alertmanager, grafana or generic integration for this sender instead",
                )
    return docs, integrations
