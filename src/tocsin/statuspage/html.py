"""The status page as HTML: ``index.html``, one page per public incident, the history.

Rendered inside :func:`tocsin.statuspage.render.build` from the very dicts that become the
JSON documents, so the page and ``summary.json`` never disagree. Every link is relative to
the page's root (the same bytes work at ``/status/``, ``/pages/{slug}/`` and in a static
export), the CSS is inline and there is no script. Jinja autoescapes every value.

Other parts of the page add to it without editing the templates much, through
:class:`Extras` (filled in ``build``): a :class:`Section` is a block (subscribe, report a
problem) whose own template renders its data in a slot of ``index.html``; :class:`Uptime`
is a component's bar of days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from tocsin.core.uptime import DayUptime, Uptime
from tocsin.statuspage.post_incident_schemas import SECTION_TITLES
from tocsin.templating import TEMPLATES

if TYPE_CHECKING:
    from tocsin.statuspage.render import PageInfo  # render imports this module

HISTORY_DAYS = 90  # the index lists the incidents of this many days, by month
SLOTS = ("top", "bottom")  # where a section goes: under the banner, or after the history


@dataclass(frozen=True)
class Section:
    """A block of ``index.html`` another part fills: ``template`` (a path under
    ``templates/statuspage/``, or a compiled template) renders ``data`` (as
    ``section.data``) in ``slot``, escaped as the rest of the page."""

    slot: str  # one of SLOTS
    template: str | Template
    data: Mapping[str, Any] = field(default_factory=dict)
    title: str | None = None  # its heading, if the template shows one


def uptime_note(day: DayUptime) -> str | None:
    """What a day's mark says besides its status: outage minutes and failed checks."""
    parts = []
    if day.major_outage_minutes:
        parts.append(f"{_duration(day.major_outage_minutes)} major outage")
    if day.partial_outage_minutes:
        parts.append(f"{_duration(day.partial_outage_minutes)} partial outage")
    if day.checks_failed:
        parts.append(
            f"{day.checks_failed} of {day.checks_failed + day.checks_passed} checks failed"
        )
    return ", ".join(parts) or None


def _duration(minutes: float) -> str:
    whole = round(minutes)
    hours, rest = divmod(whole, 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"


@dataclass
class Extras:
    """What other parts add to the HTML (their data read in ``build``'s transaction)."""

    sections: list[Section] = field(default_factory=list)
    uptime: dict[str, Uptime] = field(default_factory=dict)  # by component id (a string)
    """From :func:`tocsin.statuspage.uptime.uptime_by_component`."""


COMPONENT_LABELS = {
    "operational": ("Operational", "✓"),
    "degraded_performance": ("Degraded performance", "!"),
    "partial_outage": ("Partial outage", "▲"),
    "major_outage": ("Major outage", "✕"),
    "under_maintenance": ("Under maintenance", "⚙"),
    "no_data": ("No data", "·"),
}
"""A status as words and a symbol: the page never says it by colour alone."""

INDICATOR_ICONS = {"none": "✓", "minor": "!", "major": "▲", "critical": "✕", "maintenance": "⚙"}
IMPACT_LABELS = {"none": "None", "minor": "Minor", "major": "Major", "critical": "Critical"}
STATUS_LABELS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "postmortem": "Postmortem",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "verifying": "Verifying",
    "completed": "Completed",
}


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def human_time(value: str | None) -> str:
    """``2026-12-01T10:04:05.000+00:00`` → ``1 Dec 2026, 10:04 UTC``."""
    moment = parse_time(value)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC" if moment else "—"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES / "statuspage"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["human"] = human_time
    env.filters["uptime_note"] = uptime_note
    env.globals.update(
        component_labels=COMPONENT_LABELS,
        indicator_icons=INDICATOR_ICONS,
        impact_labels=IMPACT_LABELS,
        status_labels=STATUS_LABELS,
        post_incident_titles=SECTION_TITLES,
    )
    return env


ENVIRONMENT = _environment()


@dataclass(frozen=True)
class Month:
    label: str  # "December 2026"
    key: str  # "2026-12": its anchor on the history page
    incidents: list[dict[str, Any]]


def _month_start(moment: datetime) -> date:
    return date(moment.year, moment.month, 1)


def _previous(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def months(incidents: Iterable[dict[str, Any]], *, first: date, last: date) -> list[Month]:
    """The months from ``last`` back to ``first`` (newest first), each with its incidents
    (newest first, by ``created_at``); months without any are listed too."""
    by_month: dict[date, list[dict[str, Any]]] = {}
    for incident in incidents:
        created = parse_time(incident["created_at"])
        assert created is not None
        by_month.setdefault(_month_start(created), []).append(incident)
    found = []
    month = date(last.year, last.month, 1)
    while month >= date(first.year, first.month, 1):
        listed = sorted(by_month.get(month, []), key=_created, reverse=True)
        found.append(Month(f"{month:%B %Y}", f"{month:%Y-%m}", listed))
        month = _previous(month)
    return found


def _created(incident: Mapping[str, Any]) -> tuple[str, int]:
    moment = parse_time(incident["created_at"])
    assert moment is not None
    return moment.isoformat(), int(incident["id"])


def component_tree(components: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Top-level items in page order; a group carries its components as ``members``."""
    by_id = {c["id"]: c for c in components}
    tree = []
    for item in components:
        if item["group"]:
            tree.append({**item, "members": [by_id[m] for m in item["components"]]})
        elif item["group_id"] is None or item["group_id"] not in by_id:
            tree.append(item)
    return tree


def render_pages(
    page: PageInfo,
    *,
    summary: Mapping[str, Any],
    incidents: Sequence[dict[str, Any]],
    extras: Extras,
    now: datetime,
    maintenances: Sequence[dict[str, Any]] = (),
) -> dict[str, bytes]:
    """``index.html``, ``history/index.html``, ``incidents/{id}/index.html`` and
    ``maintenances/{id}/index.html``.

    ``summary`` is summary.json's dict (page, status, components, unresolved incidents,
    scheduled maintenances); ``incidents`` every public incident of the page, newest first.
    """
    for section in extras.sections:
        if section.slot not in SLOTS:
            raise ValueError(f"section {section.template}: slot {section.slot!r} not in {SLOTS}")
    today = now.astimezone(UTC)
    since = today - timedelta(days=HISTORY_DAYS)
    recent = [i for i in incidents if (parse_time(i["created_at"]) or today) >= since]
    oldest = min((parse_time(i["created_at"]) or today for i in incidents), default=today)
    common = {"page": page, "summary": summary, "updated_at": summary["page"]["updated_at"]}
    memo = _Memo(page.number)
    latest = months(recent, first=since.date(), last=today.date())
    every = months(incidents, first=oldest.date(), last=today.date())
    documents = {
        "index.html": _render(
            "index.html",
            root="",
            components=component_tree(summary["components"]),
            uptime=extras.uptime,
            sections=extras.sections,
            months=[memo.month("", month, "h3") for month in latest],
            history_days=HISTORY_DAYS,
            **common,
        ),
        "history/index.html": _render(
            "history.html",
            root="../",
            months=[(month, memo.month("../", month, "h2")) for month in every],
            **common,
        ),
    }
    for incident in incidents:
        documents[f"incidents/{incident['id']}/index.html"] = memo.incident_page(page, incident)
    for work in maintenances:
        documents[f"maintenances/{work['id']}/index.html"] = memo.incident_page(
            page, work, template="maintenance.html"
        )
    memo.keep()
    return documents


_rendered: dict[int, dict[bytes, str]] = {}
"""What each page's last build rendered of its incidents, by what it was made of."""


class _Memo:
    """A build renders again only the incident pages and months that changed since the
    page's last build, so a page with thousands of incidents rebuilds quickly."""

    def __init__(self, page_number: int) -> None:
        self.page_number = page_number
        self.previous = _rendered.get(page_number, {})
        self.current: dict[bytes, str] = {}

    def _get(self, key: bytes, make: Callable[[], str]) -> str:
        found = self.previous.get(key)
        self.current[key] = found if found is not None else make()
        return self.current[key]

    def month(self, root: str, month: Month, heading: str) -> Markup:
        """A month's list (a macro of ``_macros.html``): made of its incidents alone."""
        key = msgspec.json.encode(["month", root, heading, month])
        macros = ENVIRONMENT.get_template("_macros.html").module
        return Markup(self._get(key, lambda: str(macros.month_list(root, month, heading))))  # type: ignore[attr-defined]

    def incident_page(
        self, page: PageInfo, incident: Mapping[str, Any], template: str = "incident.html"
    ) -> bytes:
        """An incident's (or a maintenance's) own page: made of the page's settings and the
        incident alone."""
        key = msgspec.json.encode([template, page, incident])
        context = {"root": "../../", "page": page, "incident": incident}
        make = ENVIRONMENT.get_template(template).render
        return self._get(key, lambda: make(**context)).encode()

    def keep(self) -> None:
        _rendered[self.page_number] = self.current


def _render(template: str, **context: Any) -> bytes:
    return ENVIRONMENT.get_template(template).render(**context).encode()


def render_fragment(template: str, **context: Any) -> str:
    """A piece of HTML (a feed entry's content), escaped as the page is."""
    return ENVIRONMENT.get_template(template).render(**context)
