"""PagerDuty (REST API v2, and ``/v3/schedules`` for shift-based schedules) as a Tocsin
configuration file.

Read from ``https://api.pagerduty.com`` (EU: ``https://api.eu.pagerduty.com``) with an API
key, or offline from a folder of saved answers (``docs/import-pagerduty.md`` shows its
layout). The same dict comes out of both, so :meth:`PagerDutyImporter.convert` has one path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from tocsin.config_as_code.document import Document, ScheduleDoc
from tocsin.importers.base import Conversion, Importer
from tocsin.importers.keys import PeopleDirectory
from tocsin.importers.pagerduty.common import instant, items, key, ref_id
from tocsin.importers.pagerduty.escalation import convert_policies, convert_services
from tocsin.importers.pagerduty.people import convert_people, convert_teams
from tocsin.importers.pagerduty.schedules import convert_schedule
from tocsin.importers.pagerduty.shift_based import convert_schedule_v3
from tocsin.importers.report import ImportReport
from tocsin.importers.source import Api, SourceError, read_json
from tocsin.importers.verify import Span

EU_BASE_URL = "https://api.eu.pagerduty.com"
PAGE = 100
FILES = ("users", "teams", "schedules", "schedules_v3", "escalation_policies", "services")
# Shift-based schedules answer under /v3 in plain JSON. The early-access header was needed
# until 2026-05 (PagerDuty's API changelog); it is still sent, harmless where no longer needed.
# The classic API answers 400 "... shift-based schedule. Use the v3 Schedules API" for those
_SHIFT_BASED = re.compile(r"answered 400.*(shift-based|v3)", re.IGNORECASE)
V3_HEADERS = {"Accept": "application/json", "X-Early-Access": "flexible-schedules-early-access"}


@dataclass
class PagerDutyConversion(Conversion):
    # PagerDuty user id -> person key, to read PagerDuty's renderings
    people: dict[str, str] = field(default_factory=dict)
    # ids of the shift-based (v3) schedules, rendered by /v3/schedules/{id}
    shift_based: frozenset[str] = frozenset()


ScheduleConverter = Callable[
    [
        Mapping[str, Any],
        Sequence[Mapping[str, Any]],
        Mapping[str, str],
        Mapping[str, str],
        ImportReport,
    ],
    ScheduleDoc | None,
]


def _schedules(
    data: Mapping[str, Any],
    name: str,
    overrides_name: str,
    convert: ScheduleConverter,
    people: Mapping[str, str],
    teams: Mapping[str, str],
    report: ImportReport,
) -> dict[str, ScheduleDoc]:
    """The schedules of ``data[name]`` converted, by PagerDuty id; one that cannot be read
    is reported and the others still come."""
    found: dict[str, ScheduleDoc] = {}
    for schedule in data.get(name) or ():
        schedule_id = str(schedule["id"])
        overrides = (data.get(overrides_name) or {}).get(schedule_id, [])
        try:
            doc = convert(schedule, overrides, people, teams, report)
        except (SourceError, ValueError, KeyError, TypeError) as error:
            report.lost(f"schedule {schedule_id}", f"not readable ({error}); not imported")
            continue
        if doc is not None:
            found[schedule_id] = doc
    return found


def _list(
    api: Api,
    path: str,
    name: str,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> list[Any]:
    """Every page of a classic-paginated list (``limit``, ``offset``, ``more``)."""
    found: list[Any] = []
    offset = 0
    while True:
        body = api.get(path, {**(params or {}), "limit": PAGE, "offset": offset}, headers)
        page = items(body, name)
        found += page
        if not (isinstance(body, Mapping) and body.get("more")) or not page:
            return found
        offset += len(page)


def _rendered_entries(body: Any) -> list[dict[str, Any]]:
    """``final_schedule.rendered_schedule_entries`` of a GET /schedules/{id} answer, or the
    ``computed_shift_assignments`` of a GET /v3/schedules/{id}?include[]=final_schedule one,
    both as ``{start, end, user}``."""
    schedule = body.get("schedule", body) if isinstance(body, Mapping) else {}
    final = schedule.get("final_schedule") or {}
    entries = [dict(e) for e in final.get("rendered_schedule_entries") or ()]
    for shift in final.get("computed_shift_assignments") or ():
        user = (shift.get("member") or {}).get("user_id")
        entries.append(
            {
                "start": shift["start_time"],
                "end": shift["end_time"],
                "user": {"id": user} if user else None,
            }
        )
    return entries


def _read_v3(api: Api, since: datetime, until: datetime) -> dict[str, Any]:
    """Shift-based schedules with their rotations and events, overrides and custom shifts."""
    window = {"since": since.isoformat(), "until": until.isoformat()}
    schedules, overrides = [], {}
    for listed in _list(api, "/v3/schedules", "schedules", headers=V3_HEADERS):
        schedule_id = str(listed["id"])
        body = api.get(f"/v3/schedules/{schedule_id}", headers=V3_HEADERS)
        schedules.append(body.get("schedule", listed))
        overrides[schedule_id] = _list(
            api, f"/v3/schedules/{schedule_id}/overrides", "overrides", window, V3_HEADERS
        ) + _list(
            api, f"/v3/schedules/{schedule_id}/custom_shifts", "custom_shifts", window, V3_HEADERS
        )
    return {"schedules_v3": schedules, "overrides_v3": overrides}


class PagerDutyImporter(Importer):
    vendor: ClassVar[str] = "pagerduty"
    default_base_url: ClassVar[str] = "https://api.pagerduty.com"
    override_horizon: ClassVar[timedelta] = timedelta(weeks=26)

    def api(self, api_key: str, base_url: str | None) -> Api:
        return self.client(api_key, base_url)

    def client(self, api_key: str, base_url: str | None = None, **options: Any) -> Api:
        headers = {
            "Authorization": f"Token token={api_key}",
            "Accept": "application/vnd.pagerduty+json;version=2",
        }
        return Api(base_url or self.default_base_url, headers, **options)

    def read_api(self, api: Api, now: datetime | None = None) -> dict[str, Any]:
        since = (now or datetime.now(UTC)).astimezone(UTC)
        until = since + self.override_horizon
        include = {"include[]": ["contact_methods", "notification_rules"]}
        schedules, overrides = [], {}
        for listed in _list(api, "/schedules", "schedules"):
            schedule_id = str(listed["id"])
            if str(listed.get("type", "")).startswith("schedule_v3"):
                continue  # shift-based: read from /v3/schedules below
            try:
                body = api.get(f"/schedules/{schedule_id}")
            except SourceError as error:
                if _SHIFT_BASED.search(str(error)):
                    continue  # the classic API's answer for a shift-based schedule
                raise
            schedules.append(body.get("schedule", listed))
            overrides[schedule_id] = items(
                api.get(
                    f"/schedules/{schedule_id}/overrides",
                    {"since": since.isoformat(), "until": until.isoformat()},
                ),
                "overrides",
            )
        return {
            "users": _list(api, "/users", "users", include),
            "teams": _list(api, "/teams", "teams"),
            "schedules": schedules,
            "overrides": overrides,
            "escalation_policies": _list(api, "/escalation_policies", "escalation_policies"),
            "services": _list(api, "/services", "services", {"include[]": ["integrations"]}),
            "rendered": {},
            **self._read_v3_or_say_why(api, since, until),
        }

    @staticmethod
    def _read_v3_or_say_why(api: Api, since: datetime, until: datetime) -> dict[str, Any]:
        """An account whose key may not read shift-based schedules still imports the rest."""
        try:
            return _read_v3(api, since, until)
        except SourceError as error:
            return {"schedules_v3": [], "overrides_v3": {}, "v3_unread": str(error)}

    def read_offline(self, path: Path) -> dict[str, Any]:
        if not path.is_dir():
            raise SourceError(f"{path} is not a folder of saved PagerDuty answers")
        data: dict[str, Any] = {}
        for name in FILES:
            file = path / f"{name}.json"
            listed = name.removesuffix("_v3")  # schedules_v3.json holds {"schedules": [...]}
            data[name] = items(read_json(file), listed) if file.exists() else []
        data["overrides"] = {
            file.stem: items(read_json(file), "overrides")
            for file in sorted((path / "overrides").glob("*.json"))
        }
        data["overrides_v3"] = {
            file.stem: items(read_json(file), "overrides") + items(read_json(file), "custom_shifts")
            for file in sorted((path / "overrides_v3").glob("*.json"))
        }
        data["rendered"] = {
            file.stem: _rendered_entries(read_json(file))
            for file in sorted((path / "rendered").glob("*.json"))
        }
        return data

    def convert(
        self, data: Mapping[str, Any], people: PeopleDirectory, *, keep_keys: bool = False
    ) -> PagerDutyConversion:
        report = ImportReport()
        users = list(data.get("users") or ())
        person_docs, person_keys = convert_people(users, people, report)
        team_docs, team_keys = convert_teams(data.get("teams") or (), users, person_keys)
        classic = _schedules(
            data, "schedules", "overrides", convert_schedule, person_keys, team_keys, report
        )
        if data.get("v3_unread"):
            report.lost(
                "shift-based schedules (/v3/schedules)",
                f"not read ({data['v3_unread']}); the classic schedules were imported",
            )
        v3 = _schedules(
            data,
            "schedules_v3",
            "overrides_v3",
            convert_schedule_v3,
            person_keys,
            team_keys,
            report,
        )
        schedule_docs = [*classic.values(), *v3.values()]
        schedule_keys = {source_id: doc.key for source_id, doc in (classic | v3).items()}
        shift_based = set(v3)
        policy_docs, policy_keys = convert_policies(
            data.get("escalation_policies") or (), person_keys, schedule_keys, report
        )
        service_docs, integration_docs = convert_services(
            data.get("services") or (), policy_keys, team_keys, report, keep_keys=keep_keys
        )
        document = Document(
            people=person_docs,
            teams=team_docs,
            schedules=schedule_docs,
            escalation_policies=policy_docs,
            services=service_docs,
            integrations=integration_docs,
        )
        return PagerDutyConversion(
            document, report, schedule_keys, people=person_keys, shift_based=frozenset(shift_based)
        )

    def rendered(
        self,
        data: Mapping[str, Any],
        conversion: Conversion,
        start: datetime,
        end: datetime,
        api: Api | None,
    ) -> dict[str, list[Span]]:
        people = conversion.people if isinstance(conversion, PagerDutyConversion) else {}
        v3 = conversion.shift_based if isinstance(conversion, PagerDutyConversion) else frozenset()
        saved = data.get("rendered") or {}
        found: dict[str, list[Span]] = {}
        for schedule_id, schedule_key in sorted(conversion.schedules.items()):
            if api is not None and schedule_id in v3:
                body = api.get(
                    f"/v3/schedules/{schedule_id}",
                    {
                        "since": start.isoformat(),
                        "until": end.isoformat(),
                        "time_zone": "UTC",
                        "include[]": ["final_schedule"],
                    },
                    V3_HEADERS,
                )
                entries = _rendered_entries(body)
            elif api is not None:
                body = api.get(
                    f"/schedules/{schedule_id}",
                    {"since": start.isoformat(), "until": end.isoformat(), "time_zone": "UTC"},
                )
                entries = _rendered_entries(body)
            elif schedule_id in saved:
                entries = saved[schedule_id]
            else:
                conversion.report.note(
                    f"schedule {schedule_id}",
                    "no saved rendering (rendered/<id>.json); not verified",
                )
                continue
            spans = []
            for entry in entries:
                user = ref_id(entry.get("user"))
                if user is None:
                    continue
                span_start = max(instant(entry["start"]), start)
                span_end = min(instant(entry["end"]), end)
                if span_start < span_end:
                    spans.append(Span(span_start, span_end, people.get(user, key("user", user))))
            found[schedule_key] = spans
        return found


IMPORTER = PagerDutyImporter()
