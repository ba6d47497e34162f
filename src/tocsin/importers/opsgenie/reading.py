"""Reading Opsgenie: its REST API with a GenieKey, or a configuration-backup folder.

Both give the same dict, so the conversion has one path:
``users`` (each with ``contacts`` and ``notificationRules``, rules with their ``steps``),
``teams`` (with ``members`` and ``routingRules``), ``schedules`` (with ``rotations`` and
``overrides``), ``escalations``, ``integrations``, ``services`` and, offline only,
``timelines`` (schedule id -> a saved ``/timeline`` answer) for ``--verify``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

from tocsin.importers.source import Api, SourceError, read_json

PAGE = 100
SECTIONS = ("users", "teams", "schedules", "escalations", "integrations", "services")


def _data(body: Any) -> Any:
    return body.get("data") if isinstance(body, Mapping) else None


def _list(body: Any) -> list[dict[str, Any]]:
    data = _data(body)
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def pages(api: Api, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every item of a paged list: ``offset``/``limit``, following ``paging.next``."""
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        body = api.get(path, {**(params or {}), "offset": offset, "limit": PAGE})
        batch = _list(body)
        items += batch
        following = (body.get("paging") or {}).get("next") if isinstance(body, Mapping) else None
        if not batch or not following:
            return items
        query = parse_qs(urlparse(str(following)).query)
        try:
            next_offset = int(query.get("offset", [offset + len(batch)])[0])
        except ValueError:
            next_offset = offset + len(batch)
        if next_offset <= offset:
            return items
        offset = next_offset


def _id(thing: Mapping[str, Any]) -> str:
    return quote(str(thing.get("id", "")), safe="")


def read_api(api: Api) -> dict[str, Any]:
    users = pages(api, "/v2/users")
    for user in users:
        base = f"/v2/users/{_id(user)}"
        user["contacts"] = _list(api.get(f"{base}/contacts"))
        rules = _list(api.get(f"{base}/notification-rules"))
        for index, rule in enumerate(rules):
            if rule.get("actionType") == "create-alert" and "steps" not in rule:
                full = _data(api.get(f"{base}/notification-rules/{_id(rule)}"))
                rules[index] = full if isinstance(full, dict) else rule
        user["notificationRules"] = rules
    teams = []
    for team in _list(api.get("/v2/teams")):
        full = _data(api.get(f"/v2/teams/{_id(team)}"))
        full = full if isinstance(full, dict) else team
        full["routingRules"] = _list(api.get(f"/v2/teams/{_id(team)}/routing-rules"))
        teams.append(full)
    schedules = pages(api, "/v2/schedules", {"expand": "rotation"})
    for schedule in schedules:
        schedule["overrides"] = _list(api.get(f"/v2/schedules/{_id(schedule)}/overrides"))
    return _sorted(
        {
            "users": users,
            "teams": teams,
            "schedules": schedules,
            "escalations": _list(api.get("/v2/escalations")),
            "integrations": _with_api_keys(api, _list(api.get("/v2/integrations"))),
            "services": pages(api, "/v1/services"),
            "timelines": {},
        }
    )


def _with_api_keys(api: Api, integrations: list[Any]) -> list[Any]:
    """The list leaves out an API integration's ``apiKey``; its own GET holds it
    (``tocsin import --keep-keys`` keeps it so the old Alert API calls keep working)."""
    for index, integration in enumerate(integrations):
        if str(integration.get("type") or "").lower() == "api" and "apiKey" not in integration:
            full = _data(api.get(f"/v2/integrations/{_id(integration)}"))
            if isinstance(full, dict) and full.get("apiKey"):
                integrations[index] = {**integration, "apiKey": full["apiKey"]}
    return integrations


def _unwrap(item: Any, wrapper: str, extras: Mapping[str, str]) -> dict[str, Any] | None:
    """A backup file holds ``{"<wrapper>": {...}, <extra lists>}``; a saved API object is
    taken as it is."""
    if not isinstance(item, dict):
        return None
    inner = item.get(wrapper)
    if not isinstance(inner, dict):
        return item
    entity = dict(inner)
    for source, target in extras.items():
        if isinstance(item.get(source), list) and target not in entity:
            entity[target] = item[source]
    return entity


_BACKUP: dict[str, tuple[str, dict[str, str]]] = {
    "users": ("user", {"notificationRuleList": "notificationRules"}),
    "teams": ("team", {"teamRoutingRules": "routingRules"}),
    "schedules": ("schedule", {"scheduleOverrideList": "overrides"}),
    "escalations": ("escalation", {}),
    "integrations": ("integration", {}),
    "services": ("service", {}),
}


def read_offline(path: Path) -> dict[str, Any]:
    """A backup folder (``users/``, ``teams/``, ``schedules/``, ``escalations/``,
    ``integrations/``, optional ``services/`` and ``timelines/<schedule id>.json``), or one
    JSON file holding the whole dict."""
    if path.is_file():
        whole = read_json(path)
        if not isinstance(whole, dict):
            raise SourceError(f"{path} is not a JSON object with users, teams, schedules...")
        data: dict[str, Any] = {name: list(whole.get(name) or []) for name in SECTIONS}
        data["timelines"] = dict(whole.get("timelines") or {})
        return _sorted(data)
    if not path.is_dir():
        raise SourceError(f"cannot read {path}: no such file or folder")
    root = path / "OpsGenieBackups" if (path / "OpsGenieBackups").is_dir() else path
    data = {}
    for section, (wrapper, extras) in _BACKUP.items():
        items = []
        for file in sorted((root / section).glob("*.json")):
            entity = _unwrap(read_json(file), wrapper, extras)
            if entity is not None:
                items.append(entity)
        data[section] = items
    if not any(data.values()):
        raise SourceError(f"{root} holds no Opsgenie backup (users/, schedules/, ... folders)")
    timelines = {}
    for file in sorted((root / "timelines").glob("*.json")):
        timelines[file.stem] = read_json(file)
    data["timelines"] = timelines
    return _sorted(data)


def _sorted(data: dict[str, Any]) -> dict[str, Any]:
    """Sections ordered by id: the same account gives the same file however it was read."""
    for section in SECTIONS:
        data[section] = sorted(data.get(section) or [], key=lambda item: str(item.get("id", "")))
    return data
