"""The Opsgenie importer: its REST API (``GenieKey``) or a configuration-backup folder to a
Tocsin configuration file. See docs/import-opsgenie.md."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from tocsin.config_as_code.document import Document
from tocsin.importers.base import Conversion, Importer
from tocsin.importers.keys import PeopleDirectory
from tocsin.importers.opsgenie import reading, timeline
from tocsin.importers.opsgenie.common import NOBODY_PERSON, Context
from tocsin.importers.opsgenie.escalations import convert_escalation
from tocsin.importers.opsgenie.people import convert_people, convert_teams, nobody_person
from tocsin.importers.opsgenie.schedules import convert_schedule, nobody_schedule
from tocsin.importers.opsgenie.services import convert_services, team_policies
from tocsin.importers.report import ImportReport
from tocsin.importers.source import Api
from tocsin.importers.verify import Span


class OpsgenieImporter(Importer):
    vendor: ClassVar[str] = "opsgenie"
    default_base_url: ClassVar[str] = "https://api.opsgenie.com"

    def api(self, api_key: str, base_url: str | None) -> Api:
        return Api(base_url or self.default_base_url, {"Authorization": f"GenieKey {api_key}"})

    def read_api(self, api: Api) -> dict[str, Any]:
        return reading.read_api(api)

    def read_offline(self, path: Path) -> dict[str, Any]:
        return reading.read_offline(path)

    def convert(
        self, data: Mapping[str, Any], people: PeopleDirectory, *, keep_keys: bool = False
    ) -> Conversion:
        ctx = Context(report=ImportReport())
        persons = convert_people(data.get("users") or [], people, ctx)
        teams = convert_teams(data.get("teams") or [], ctx)
        schedules = []
        verified: dict[str, str] = {}
        for schedule in data.get("schedules") or []:
            ctx.schedule_names[str(schedule.get("name"))] = str(schedule.get("id"))
        for schedule in data.get("schedules") or []:
            doc = convert_schedule(schedule, ctx)
            if doc is not None:
                schedules.append(doc)
                ctx.schedule_keys[str(schedule.get("id"))] = doc.key
                verified[str(schedule.get("id"))] = doc.key
        policies = {}
        for escalation in data.get("escalations") or []:
            ctx.policy_names[str(escalation.get("name"))] = str(escalation.get("id"))
            policy = convert_escalation(escalation, ctx)
            if policy is not None:
                policies[str(escalation.get("id"))] = policy
        if ctx.needs_nobody:
            schedules.append(nobody_schedule())
        routed = team_policies(
            data.get("teams") or [], data.get("escalations") or [], policies, ctx
        )
        services, integrations = convert_services(
            data.get("services") or [],
            data.get("integrations") or [],
            routed,
            ctx,
            keep_keys=keep_keys,
        )
        if ctx.needs_nobody_person:
            persons.append(nobody_person())
        document = Document(
            people=sorted(persons, key=lambda p: p.key),
            teams=teams,
            schedules=sorted(schedules, key=lambda s: s.key),
            escalation_policies=sorted(policies.values(), key=lambda p: p.key),
            services=services,
            integrations=integrations,
        )
        return Conversion(
            document=document,
            report=ctx.report,
            schedules=verified,
            nobody=frozenset({NOBODY_PERSON}),
        )

    def rendered(
        self,
        data: Mapping[str, Any],
        conversion: Conversion,
        start: datetime,
        end: datetime,
        api: Api | None,
    ) -> dict[str, list[Span]]:
        return timeline.rendered(
            data, conversion.document, conversion.schedules, conversion.report, start, end, api
        )


IMPORTER = OpsgenieImporter()

__all__ = ["IMPORTER", "OpsgenieImporter"]
