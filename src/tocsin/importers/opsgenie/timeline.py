"""Opsgenie's own answer of who is on call: a schedule's ``/timeline`` (``finalTimeline``),
from the API or saved as ``timelines/<schedule id>.json``.

Where several rotations cover one moment Opsgenie has several people on call; the span then
names them all, joined by `` + ``, so ``--verify`` shows the overlap as a difference.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from tocsin.config_as_code.document import Document
from tocsin.importers.keys import normalize_email
from tocsin.importers.opsgenie.common import instant
from tocsin.importers.report import ImportReport
from tocsin.importers.source import Api
from tocsin.importers.verify import Span


def _people(data: Mapping[str, Any], document: Document) -> dict[str, str]:
    """Opsgenie user id and username -> the file's person key (matched people included)."""
    by_email = {normalize_email(p.email): p.key for p in document.people if p.email}
    found: dict[str, str] = {}
    for user in data.get("users") or []:
        email = normalize_email(user.get("username"))
        if email in by_email:
            found[str(user.get("id"))] = by_email[email]
            found[email or ""] = by_email[email]
    return found


def fetch(api: Api, schedule_id: str, start: datetime, end: datetime) -> Any:
    weeks = math.ceil((end - start) / timedelta(weeks=1)) + 1
    return api.get(
        f"/v2/schedules/{quote(schedule_id, safe='')}/timeline",
        {
            "interval": weeks,
            "intervalUnit": "weeks",
            "date": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )


def spans(timeline: Any, people: Mapping[str, str], start: datetime, end: datetime) -> list[Span]:
    """The final timeline as one span per stretch, clipped to ``[start, end)``."""
    body = timeline.get("data", timeline) if isinstance(timeline, Mapping) else {}
    rotations = ((body or {}).get("finalTimeline") or {}).get("rotations") or []
    periods: list[tuple[datetime, datetime, str]] = []
    for rotation in rotations:
        for period in rotation.get("periods") or []:
            recipient = period.get("recipient") or {}
            if recipient.get("type") not in (None, "user"):
                continue
            who = people.get(str(recipient.get("id"))) or people.get(
                normalize_email(recipient.get("name") or recipient.get("username")) or ""
            )
            since, until = instant(period.get("startDate")), instant(period.get("endDate"))
            if who is None or since is None or until is None:
                continue
            since, until = max(since, start), min(until, end)
            if since < until:
                periods.append((since, until, who))
    cuts = sorted({moment for p in periods for moment in p[:2]})
    found: list[Span] = []
    for here, following in itertools.pairwise(cuts):
        covering = sorted({p[2] for p in periods if p[0] <= here < p[1]})
        if not covering:
            continue
        person = " + ".join(covering)
        if found and found[-1].end == here and found[-1].person == person:
            found[-1] = Span(found[-1].start, following, person)
        else:
            found.append(Span(here, following, person))
    return found


def rendered(
    data: Mapping[str, Any],
    document: Document,
    schedules: Mapping[str, str],
    report: ImportReport,
    start: datetime,
    end: datetime,
    api: Api | None,
) -> dict[str, list[Span]]:
    people = _people(data, document)
    saved = data.get("timelines") or {}
    found: dict[str, list[Span]] = {}
    for schedule_id, schedule_key in sorted(schedules.items()):
        timeline = (
            fetch(api, schedule_id, start, end) if api is not None else saved.get(schedule_id)
        )
        if timeline is None:
            report.note(
                f"schedule {schedule_id}",
                f"no saved timeline (timelines/{schedule_id}.json); not verified",
            )
            continue
        found[schedule_key] = spans(timeline, people, start.astimezone(UTC), end.astimezone(UTC))
    return found
