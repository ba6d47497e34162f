"""Grafana OnCall escalation chains as Tocsin policies, integrations as services with a
Tocsin integration each.

An OnCall chain is a list of steps; ``wait`` steps are the only delays. Tocsin's policy is a
list of levels, each paging its targets and waiting ``timeout_minutes`` before the next, so
the notify steps between two waits make one level and the wait after them is its timeout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from tocsin.alerts.schemas import IntegrationKind
from tocsin.config_as_code.document import (
    IntegrationDoc,
    LevelDoc,
    PolicyDoc,
    ServiceDoc,
    TargetDoc,
)
from tocsin.importers.keys import KEPT, source_key, usable_secret
from tocsin.importers.report import ImportReport

PREFIX = "go"
REPEATS = 5  # OnCall's "repeat escalation" step repeats the chain at most five times
_NOT_SLUG = re.compile(r"[^a-z0-9_.-]+")
_KINDS = {
    "alertmanager": IntegrationKind.ALERTMANAGER,
    "grafana_alerting": IntegrationKind.GRAFANA,
    "grafana": IntegrationKind.GRAFANA,
    "webhook": IntegrationKind.GENERIC,
    "formatted_webhook": IntegrationKind.GENERIC,
}
# OnCall's formatted webhook: {"alert_uid", "title", "message", "state": "alerting"|"ok"}
_FORMATTED_WEBHOOK = {"summary": "title", "dedup_key": "alert_uid", "status": "state"}
_SKIPPED = {
    "notify_if_time_from_to": "the steps after it run at any time of day",
    "notify_if_num_alerts_in_window": "the steps after it run for every alert",
    "trigger_webhook": "no webhook is called; add a webhook contact method to a target instead",
    "resolve": "the incident is not resolved by escalation; the policy simply ends",
    "notify_whole_channel": "nobody is paged for it; add the channel's people as targets",
    "declare_incident": "nothing was made; Tocsin opens the incident from the alert already",
}


def policy_key(chain_id: str) -> str:
    return source_key(PREFIX, "policy", chain_id)


def _timeout(seconds: int, what: str, report: ImportReport) -> int:
    minutes, rest = divmod(seconds, 60)
    if rest:
        minutes += 1 if rest >= 30 else 0
        report.changed(what, f"wait {seconds}s is not whole minutes; {max(minutes, 1)} min used")
    if minutes > 1440:
        report.changed(what, f"wait {minutes} min is over a day; 1440 min used")
    return min(max(minutes, 1), 1440)


def _targets(
    step: Mapping[str, Any],
    what: str,
    people: Mapping[str, str],
    schedules: Mapping[str, str],
    teams: Mapping[str, list[str]],
    report: ImportReport,
) -> list[TargetDoc]:
    kind = step.get("type")
    if kind in ("notify_persons", "notify_person_next_each_time"):
        if kind == "notify_person_next_each_time":
            report.changed(what, "pages one of its people in turn in OnCall; Tocsin pages all")
        found = []
        for user in (
            step.get("persons_to_notify") or step.get("persons_to_notify_next_each_time") or []
        ):
            if str(user) in people:
                found.append(TargetDoc(person=people[str(user)]))
            else:
                report.unmatched(what, f"user {user} is not among the users; left out")
        return found
    if kind == "notify_on_call_from_schedule":
        schedule = str(step.get("notify_on_call_from_schedule"))
        if schedule in schedules:
            return [TargetDoc(schedule=schedules[schedule])]
        report.unmatched(what, f"schedule {schedule} was not imported; the step was dropped")
        return []
    if kind == "notify_team_members":
        team = str(step.get("team_to_notify"))
        members = teams.get(team, [])
        report.changed(
            what, f"team {team} pages its {len(members)} members, listed as person targets"
        )
        return [TargetDoc(person=key) for key in members]
    if kind == "notify_user_group":
        report.lost(what, "Slack user groups cannot be paged by Tocsin; nobody was added")
        return []
    instead = _SKIPPED.get(str(kind), "the step was skipped")
    report.lost(what, f"Tocsin has no {kind!r} step; {instead}")
    return []


def convert_chain(
    chain: Mapping[str, Any],
    steps: Sequence[Mapping[str, Any]],
    people: Mapping[str, str],
    schedules: Mapping[str, str],
    teams: Mapping[str, list[str]],
    report: ImportReport,
) -> PolicyDoc | None:
    name = f"escalation chain {chain['id']} ({chain.get('name')})"
    levels: list[LevelDoc] = []
    pending: list[TargetDoc] = []
    repeat = 0
    lead_wait = 0
    for step in sorted(steps, key=lambda s: (s.get("position", 0), str(s.get("id")))):
        what = f"{name} step {step.get('position', '?')} ({step.get('type')})"
        kind = step.get("type")
        if kind == "repeat_escalation":
            repeat = REPEATS
            break
        if kind == "wait":
            seconds = int(step.get("duration") or 0)
            if pending:
                levels.append(
                    LevelDoc(timeout_minutes=_timeout(seconds, what, report), targets=pending[:20])
                )
                pending = []
            elif levels:
                total = levels[-1].timeout_minutes * 60 + seconds
                levels[-1] = LevelDoc(
                    timeout_minutes=_timeout(total, what, report), targets=levels[-1].targets
                )
            else:
                lead_wait += seconds
            continue
        if step.get("important"):
            report.changed(what, "is an important notification; Tocsin uses the usual rules")
        for target in _targets(step, what, people, schedules, teams, report):
            if target not in pending:
                pending.append(target)
    if pending:
        levels.append(LevelDoc(timeout_minutes=1, targets=pending[:20]))
        if repeat:
            report.changed(name, "repeats right after its last step; Tocsin repeats after 1 min")
    if lead_wait:
        report.changed(name, f"waits {lead_wait}s before its first page; Tocsin pages at once")
    if not levels:
        report.lost(name, "pages nobody Tocsin can reach; no policy was made")
        return None
    if len(levels) > 20:
        report.lost(name, f"{len(levels) - 20} levels beyond Tocsin's 20 were dropped")
    return PolicyDoc(
        key=policy_key(str(chain["id"])),
        name=str(chain.get("name") or chain["id"])[:200],
        repeat=repeat,
        levels=levels[:20],
    )


def _slug(text: str, taken: set[str]) -> str:
    base = _NOT_SLUG.sub("-", text.lower()).strip("-._")[:90] or "service"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def url_token(link: Any) -> str | None:
    """The token of an OnCall integration URL (``.../integrations/v1/<kind>/<token>/``)."""
    if not isinstance(link, str):
        return None
    parts = urlsplit(link).path.rstrip("/").split("/")
    if len(parts) < 5 or parts[-4:-2] != ["integrations", "v1"]:
        return None
    return usable_secret(parts[-1])


def convert_integrations(
    integrations: Sequence[Mapping[str, Any]],
    policies: Mapping[str, str],
    report: ImportReport,
    *,
    keep_keys: bool = False,
) -> tuple[list[ServiceDoc], list[IntegrationDoc]]:
    """A service and an integration for each OnCall integration; with ``keep_keys`` the
    integration keeps the token of its OnCall URL (``link``) as its ``legacy_key``."""
    services: list[ServiceDoc] = []
    docs: list[IntegrationDoc] = []
    taken: set[str] = set()
    for item in sorted(integrations, key=lambda i: str(i["id"])):
        what = f"integration {item['id']} ({item.get('name')})"
        route = item.get("default_route") or {}
        chain = route.get("escalation_chain_id")
        policy = policies.get(str(chain)) if chain else None
        if chain and policy is None:
            report.unmatched(what, f"escalation chain {chain} was not imported; no policy set")
        kind = _KINDS.get(str(item.get("type")))
        if kind is None:
            kind = IntegrationKind.GENERIC
            report.changed(
                what,
                f"type {item.get('type')!r} became a generic webhook integration reading "
                "OnCall's formatted-webhook fields (title, alert_uid, state); change its "
                "field mapping (generic) if the tool sends another shape",
            )
        slug = _slug(str(item.get("name") or item["id"]), taken)
        services.append(
            ServiceDoc(
                key=source_key(PREFIX, "service", str(item["id"])),
                name=slug,
                description=f"Imported from Grafana OnCall integration {item['id']}",
                escalation_policy=policy,
            )
        )
        kept = url_token(item.get("link")) if keep_keys else None
        docs.append(
            IntegrationDoc(
                key=source_key(PREFIX, "integration", str(item["id"])),
                kind=kind,
                name=str(item.get("name") or item["id"])[:100],
                service=slug,
                generic=_FORMATTED_WEBHOOK if kind is IntegrationKind.GENERIC else None,
                legacy_key=kept,
            )
        )
        if kept is not None:
            path = urlsplit(str(item["link"])).path
            report.note(
                what,
                f"keeps its OnCall URL token: {KEPT} (change only the host of "
                f"{item['link']} to Tocsin's: <base>{path})",
            )
        else:
            missing = " (OnCall exported no URL token)" if keep_keys else ""
            report.note(
                what,
                f"point the monitoring tool (now sending to {item.get('link') or 'OnCall'}) at "
                f"Tocsin's <base>/hooks/<key>; `tocsin apply` shows the new key once{missing}",
            )
        if len(item.get("routes") or []) > 1:
            report.lost(what, "only its default route was carried; other routes were not")
    return services, docs
