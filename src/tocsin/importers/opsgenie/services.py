"""Opsgenie services and integrations as Tocsin services and integrations.

Opsgenie routes an alert by its integration's team and that team's routing rules; Tocsin
sends an integration's alerts to one service, whose policy pages. So a service takes its
team's default routing rule's escalation (or the team's only escalation), and an integration
goes to its team's service (made when the team has none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tocsin.alerts.schemas import IntegrationKind
from tocsin.config_as_code.document import IntegrationDoc, PolicyDoc, ServiceDoc
from tocsin.importers.keys import KEPT, usable_secret
from tocsin.importers.opsgenie.common import Context, key, label, slug, unique

DEFAULT_SERVICE = "opsgenie"

# Opsgenie's Alert API body (POST /v2/alerts) read by a generic integration.
ALERT_API_MAPPING = {
    "summary": "message",
    "dedup_key": "alias",
    "severity": "priority",
    "labels": "details",
}
PRIORITIES = {"P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "P4": "SEV4", "P5": "SEV4"}


def _kind(integration: Mapping[str, Any]) -> IntegrationKind | None:
    kind = str(integration.get("type") or "").lower()
    if kind == "api":
        return IntegrationKind.GENERIC
    if "prometheus" in kind or "alertmanager" in kind:
        return IntegrationKind.ALERTMANAGER
    if "grafana" in kind:
        return IntegrationKind.GRAFANA
    return None


def team_policies(
    teams: Sequence[Mapping[str, Any]],
    escalations: Sequence[Mapping[str, Any]],
    policies: Mapping[str, PolicyDoc],
    ctx: Context,
) -> dict[str, str]:
    """Opsgenie team id -> the policy key its alerts go to."""
    owned: dict[str, list[str]] = {}
    for escalation in escalations:
        team = ctx.team(escalation.get("ownerTeam"))
        if team and str(escalation.get("id")) in policies:
            owned.setdefault(team, []).append(str(escalation.get("id")))
    found: dict[str, str] = {}
    for each in teams:
        team_id, where = str(each.get("id")), label(each, "team")
        rules = each.get("routingRules") or []
        default = next((r for r in rules if r.get("isDefault")), None)
        others = [str(r.get("name") or r.get("id")) for r in rules if r is not default]
        if others:
            ctx.report.lost(
                where,
                f"routing rules {', '.join(others)}: Tocsin routes an "
                "integration to one service; only the default rule is used",
            )
        notify = (default or {}).get("notify") or {}
        chosen: str | None = None
        if notify.get("type") == "escalation":
            ref = str(notify.get("id") or ctx.policy_names.get(str(notify.get("name")), ""))
            chosen = ref if ref in policies else None
        elif notify.get("type") == "schedule":
            ctx.report.changed(
                where,
                "its default routing rule notifies a schedule directly; "
                "its service gets no policy (make one with that schedule)",
            )
        elif len(owned.get(team_id, [])) == 1:
            chosen = owned[team_id][0]
        if chosen is not None:
            found[team_id] = policies[chosen].key
    return found


def convert_services(
    services: Sequence[Mapping[str, Any]],
    integrations: Sequence[Mapping[str, Any]],
    routed: Mapping[str, str],
    ctx: Context,
    *,
    keep_keys: bool = False,
) -> tuple[list[ServiceDoc], list[IntegrationDoc]]:
    """Services, and an integration for each Opsgenie one Tocsin can read; with
    ``keep_keys`` an integration keeps its Opsgenie ``apiKey`` as its ``legacy_key``, so the
    tool's Alert API calls (``POST /v2/alerts`` with that ``GenieKey``) keep working."""
    names: set[str] = set()
    made: list[ServiceDoc] = []
    by_team: dict[str, str] = {}  # Opsgenie team id -> service name
    for service in services:
        team = ctx.team({"id": service.get("teamId")} if service.get("teamId") else None)
        name = unique(slug(str(service.get("name") or ""), "service", 100), names, 100)
        made.append(
            ServiceDoc(
                key=key("service", service.get("id")),
                name=name,
                description=str(service.get("description") or ""),
                team=ctx.team_keys.get(team) if team else None,
                escalation_policy=routed.get(team) if team else None,
            )
        )
        if team:
            by_team.setdefault(team, name)
        if team and team not in routed:
            ctx.report.changed(
                label(service, "service"),
                "its team routes to no escalation Tocsin has; the service has no policy",
            )
    docs: list[IntegrationDoc] = []
    for integration in integrations:
        where = label(integration, "integration")
        kind = _kind(integration)
        if kind is None:
            ctx.report.lost(
                where,
                f"type {integration.get('type')!r} has no Tocsin kind; make a "
                "generic integration with a field mapping (docs/alert-sources.md)",
            )
            continue
        team = ctx.team(
            integration.get("ownerTeam")
            or ({"id": integration["teamId"]} if integration.get("teamId") else None)
        )
        target = by_team.get(team) if team else None
        if target is None:
            target, made = _service_for(team, routed, names, made, by_team, ctx)
        kept = usable_secret(integration.get("apiKey")) if keep_keys else None
        docs.append(_integration(integration, kind, target, kept))
        if integration.get("enabled") is False:
            ctx.report.note(where, "is disabled in Opsgenie; the Tocsin one accepts alerts")
        path = "/v2/enqueue" if kind is IntegrationKind.PAGERDUTY else "/hooks/<key>"
        if kept is not None:
            ctx.report.note(
                where,
                f"now a Tocsin {kind.value} integration on service {target} that keeps its "
                f"Opsgenie API key: {KEPT} (point the tool's Opsgenie API URL at "
                "<tocsin>: POST /v2/alerts and .../close with the same GenieKey)",
            )
        else:
            missing = " (Opsgenie exported no apiKey)" if keep_keys else ""
            ctx.report.note(
                where,
                f"now a Tocsin {kind.value} integration on service {target}: point the "
                f"tool at <tocsin>{path} (tocsin apply prints the key once){missing}",
            )
        if kind is IntegrationKind.GENERIC and kept is None:
            ctx.report.changed(
                where,
                "reads Opsgenie's Alert API body (message, alias, "
                "priority); closing by alias (POST .../close) is not understood",
            )
    return sorted(made, key=lambda s: s.key), sorted(docs, key=lambda d: d.key)


def _service_for(
    team: str | None,
    routed: Mapping[str, str],
    names: set[str],
    made: list[ServiceDoc],
    by_team: dict[str, str],
    ctx: Context,
) -> tuple[str, list[ServiceDoc]]:
    """The service an integration without one goes to: one per team, or ``opsgenie``."""
    team_key = ctx.team_keys.get(team) if team else None
    service_key = f"{team_key}-alerts" if team_key else key("service", DEFAULT_SERVICE)
    existing = next((s for s in made if s.key == service_key), None)
    if existing is not None:
        return existing.name, made
    team_name = next((n for n, i in ctx.team_names.items() if i == team), "") if team else ""
    wanted = slug(team_name, DEFAULT_SERVICE, 100) if team_key else DEFAULT_SERVICE
    name = unique(wanted, names, 100)
    made.append(
        ServiceDoc(
            key=service_key,
            name=name,
            description="Made by the Opsgenie import for the integrations of "
            + (f"team {team_key}" if team_key else "no team"),
            team=team_key,
            escalation_policy=routed.get(team) if team else None,
        )
    )
    if team:
        by_team[team] = name
    return name, made


def _integration(
    integration: Mapping[str, Any], kind: IntegrationKind, service: str, kept: str | None
) -> IntegrationDoc:
    extra: dict[str, Any] = {}
    if kind is IntegrationKind.GENERIC:
        extra = {"generic": ALERT_API_MAPPING, "severity_mapping": PRIORITIES}
    return IntegrationDoc(
        key=key("integration", integration.get("id")),
        kind=kind,
        name=str(integration.get("name") or integration.get("id"))[:100],
        service=service,
        legacy_key=kept,
        **extra,
    )
