"""Grafana OnCall (self-hosted OSS or Cloud) into Tocsin: users and their notification rules,
web and calendar schedules with their rotations and overrides, escalation chains, and
integrations with their default route's chain.

The API is the OnCall instance's ``/api/v1`` with the token in ``Authorization`` (no
``Bearer``); offline, a folder of the collections' JSON (see ``docs/import-grafana-oncall.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tocsin.config_as_code.document import Document
from tocsin.importers.base import Conversion, Importer
from tocsin.importers.grafana_oncall.escalation import convert_chain, convert_integrations
from tocsin.importers.grafana_oncall.people import convert_people, why
from tocsin.importers.grafana_oncall.schedules import convert_schedule
from tocsin.importers.keys import PeopleDirectory, normalize_email
from tocsin.importers.report import ImportReport
from tocsin.importers.source import Api, SourceError, read_json
from tocsin.importers.verify import Span

COLLECTIONS = (
    "users",
    "personal_notification_rules",
    "schedules",
    "on_call_shifts",
    "escalation_chains",
    "escalation_policies",
    "integrations",
)
_MAX_PAGES = 1000


def _results(body: Any, where: str) -> list[dict[str, Any]]:
    """A collection's items from a paged body (``results``) or a bare list."""
    if isinstance(body, Mapping) and isinstance(body.get("results"), list):
        return list(body["results"])
    if isinstance(body, list):
        return list(body)
    raise SourceError(f"{where} holds neither a list nor a paged body with 'results'")


def _pages(api: Api, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    body = api.get(path, params)
    for _ in range(_MAX_PAGES):
        items += _results(body, f"GET {api.base_url}{path}")
        following = body.get("next") if isinstance(body, Mapping) else None
        if not following:
            return items
        # the frame passes params separately, which would drop a query left in the URL
        url = httpx.URL(str(following))
        body = api.get(str(url.copy_with(query=None)), dict(url.params.multi_items()))
    raise SourceError(f"GET {api.base_url}{path} did not end after {_MAX_PAGES} pages")


def _as_utc(text: str) -> datetime:
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _identified(data: Mapping[str, Any], name: str, report: ImportReport) -> list[dict[str, Any]]:
    """The collection's objects that have an id; any other entry is reported, not fatal."""
    found = []
    for number, item in enumerate(data.get(name) or []):
        if isinstance(item, dict) and item.get("id") not in (None, ""):
            found.append(item)
        else:
            report.lost(f"{name} entry {number + 1}", "has no id; skipped")
    return found


def _minute(moment: datetime, *, up: bool = False) -> str:
    """``final_shifts`` takes UTC ``YYYY-MM-DDTHH:MM``; the window is widened to whole minutes."""
    moment = moment.astimezone(UTC)
    whole = moment.replace(second=0, microsecond=0)
    if up and whole < moment:
        whole += timedelta(minutes=1)
    return whole.strftime("%Y-%m-%dT%H:%M")


class GrafanaOnCallImporter(Importer):
    vendor = "grafana-oncall"
    default_base_url = "http://localhost:8080/api/v1"

    def api(self, api_key: str, base_url: str | None) -> Api:
        return Api(base_url or self.default_base_url, {"Authorization": api_key})

    def read_api(self, api: Api) -> dict[str, Any]:
        data: dict[str, Any] = {name: _pages(api, f"/{name}/") for name in COLLECTIONS}
        data["final_shifts"] = {}
        return data

    def read_offline(self, path: Path) -> dict[str, Any]:
        if not path.is_dir():
            raise SourceError(f"{path} is not a folder of Grafana OnCall JSON files")
        data: dict[str, Any] = {}
        for name in COLLECTIONS:
            file = path / f"{name}.json"
            data[name] = _results(read_json(file), str(file)) if file.exists() else []
        data["final_shifts"] = {
            file.stem: _results(read_json(file), str(file))
            for file in sorted((path / "final_shifts").glob("*.json"))
        }
        return data

    def convert(
        self, data: Mapping[str, Any], people: PeopleDirectory, *, keep_keys: bool = False
    ) -> Conversion:
        report = ImportReport()
        items = {name: _identified(data, name, report) for name in COLLECTIONS}
        rules = [r for r in data.get("personal_notification_rules") or [] if isinstance(r, dict)]
        persons, keys = convert_people(items["users"], rules, people, report)
        teams: dict[str, list[str]] = {}
        for user in sorted(items["users"], key=lambda u: str(u["id"])):
            for team in user.get("teams") or []:
                if str(user["id"]) in keys:
                    teams.setdefault(str(team), []).append(keys[str(user["id"])])
        shifts_of: dict[str, list[dict[str, Any]]] = {}
        for shift in items["on_call_shifts"]:
            shifts_of.setdefault(str(shift.get("schedule")), []).append(shift)
        by_id = {str(s["id"]): s for s in items["on_call_shifts"]}
        schedules, schedule_keys = [], {}
        for schedule in sorted(items["schedules"], key=lambda s: str(s["id"])):
            own = {str(s["id"]): s for s in shifts_of.get(str(schedule["id"]), [])}
            for shift_id in schedule.get("shifts") or []:
                if str(shift_id) in by_id:
                    own.setdefault(str(shift_id), by_id[str(shift_id)])
            try:
                doc = convert_schedule(schedule, list(own.values()), keys, report)
            except (KeyError, TypeError, ValueError) as error:
                report.lost(f"schedule {schedule['id']}", f"cannot be carried ({why(error)})")
                continue
            if doc is not None:
                schedules.append(doc)
                schedule_keys[str(schedule["id"])] = doc.key
        steps_of: dict[str, list[dict[str, Any]]] = {}
        for step in items["escalation_policies"]:
            steps_of.setdefault(str(step.get("escalation_chain_id")), []).append(step)
        policies, policy_keys = [], {}
        for chain in sorted(items["escalation_chains"], key=lambda c: str(c["id"])):
            steps = steps_of.get(str(chain["id"]), [])
            try:
                policy = convert_chain(chain, steps, keys, schedule_keys, teams, report)
            except (KeyError, TypeError, ValueError) as error:
                what = f"escalation chain {chain['id']}"
                report.lost(what, f"cannot be carried ({why(error)})")
                continue
            if policy is not None:
                policies.append(policy)
                policy_keys[str(chain["id"])] = policy.key
        services, integrations = convert_integrations(
            items["integrations"], policy_keys, report, keep_keys=keep_keys
        )
        document = Document(
            people=persons,
            schedules=schedules,
            escalation_policies=policies,
            services=services,
            integrations=integrations,
        )
        return Conversion(document, report, schedule_keys)

    def rendered(
        self,
        data: Mapping[str, Any],
        conversion: Conversion,
        start: datetime,
        end: datetime,
        api: Api | None,
    ) -> dict[str, list[Span]]:
        by_email = {normalize_email(p.email): p.key for p in conversion.document.people if p.email}
        truth: dict[str, list[Span]] = {}
        for source_id, key in sorted(conversion.schedules.items()):
            if api is not None:
                params = {"start_date": _minute(start), "end_date": _minute(end, up=True)}
                shifts = _pages(api, f"/schedules/{source_id}/final_shifts", params)
            elif source_id in data.get("final_shifts", {}):
                shifts = data["final_shifts"][source_id]
            else:
                conversion.report.note(
                    f"schedule {source_id}",
                    f"no final_shifts/{source_id}.json saved; not verified",
                )
                continue
            spans = []
            for shift in shifts:
                person = by_email.get(normalize_email(shift.get("user_email")))
                if person is None:
                    person = f"unknown:{shift.get('user_email') or shift.get('user_pk')}"
                low = max(_as_utc(shift["shift_start"]), start.astimezone(UTC))
                high = min(_as_utc(shift["shift_end"]), end.astimezone(UTC))
                if low < high:
                    spans.append(Span(low, high, person))
            truth[key] = sorted(spans, key=lambda s: (s.start, s.person))
        return truth


IMPORTER = GrafanaOnCallImporter()
