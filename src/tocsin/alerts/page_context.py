"""What a page says about the alerts behind its incident, for the person woken by it: the
first alert's name, summary, labels and annotations, its runbook and the links back to where
it came from (Prometheus' graph, a Grafana dashboard, the PagerDuty client), its start, and
how many alerts the incident holds.

The sources keep these in different places (``details`` of :mod:`tocsin.alerts.sources`);
this reads them all. Only ``http(s)`` links are kept (a page is no place for a
``javascript:`` URL), and everything is cut to sizes a chat message and a phone can show.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocsin.alerts.tables import Alert

MAX_LABELS = 30
MAX_ANNOTATIONS = 10
MAX_VALUE = 300  # a label's value
MAX_ANNOTATION = 1000  # a description may be a paragraph
MAX_LINKS = 6
MAX_URL = 2000
# Annotation (or PagerDuty custom detail) keys that name the runbook, in order of preference.
RUNBOOK_KEYS = ("runbook_url", "runbook", "playbook_url", "playbook")
# ``details`` keys holding a link back to the source, and what a page calls each.
SOURCE_LINKS = (
    ("generatorURL", "Source"),  # Alertmanager, Grafana: the rule's expression graph
    ("client_url", "Source"),  # PagerDuty Events v2: the monitoring tool's page
    ("dashboardURL", "Dashboard"),
    ("panelURL", "Panel"),
    ("silenceURL", "Silence"),
)


def _url(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > MAX_URL:
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(c.isspace() or not c.isprintable() for c in url):
        return None
    return url


def _cut(value: object, limit: int) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _strings(mapping: object, limit: int, value_limit: int) -> dict[str, str]:
    if not isinstance(mapping, Mapping):
        return {}
    items = sorted((str(k), v) for k, v in mapping.items() if v not in (None, ""))
    return {_cut(k, 100): _cut(v, value_limit) for k, v in items[:limit]}


def _runbook(annotations: Mapping[str, Any], details: Mapping[str, Any]) -> str | None:
    custom = details.get("custom_details")
    for source in (annotations, custom if isinstance(custom, Mapping) else {}):
        for key in RUNBOOK_KEYS:
            if url := _url(source.get(key)):
                return url
    given = details.get("links")  # PagerDuty links, one of them named a runbook
    for link in given if isinstance(given, list) else []:
        text = link.get("text") if isinstance(link, Mapping) else None
        if isinstance(text, str) and "runbook" in text.lower() and (url := _url(link.get("href"))):
            return url
    return None


def _links(details: Mapping[str, Any], runbook: str | None) -> list[dict[str, str]]:
    found = [(label, details.get(key)) for key, label in SOURCE_LINKS]
    given = details.get("links")  # PagerDuty's [{"href", "text"}]
    for link in given if isinstance(given, list) else []:
        if isinstance(link, Mapping):
            text = link.get("text")
            found.append(
                (_cut(text, 60) if isinstance(text, str) and text else "Link", link.get("href"))
            )
    links: dict[str, str] = {}  # url: label, the first label given
    for label, value in found:
        url = _url(value)
        if url and url != runbook and url not in links:
            links[url] = label
    return [{"label": label, "url": url} for url, label in links.items()][:MAX_LINKS]


def alert_facts(
    *,
    name: str,
    summary: str,
    labels: Mapping[str, Any],
    details: Mapping[str, Any],
    started_at: datetime | None,
    alerts: int,
) -> dict[str, Any]:
    """The page's ``alert`` (JSON-ready): ``name``, ``summary``, ``labels``, ``annotations``,
    ``runbook_url`` (or None), ``links`` (``label``, ``url``), ``started_at`` (ISO 8601 or
    None) and ``alerts`` (how many the incident holds)."""
    annotations = _strings(details.get("annotations"), MAX_ANNOTATIONS, MAX_ANNOTATION)
    runbook = _runbook(annotations, details)
    shown = {k: v for k, v in annotations.items() if _url(v) != runbook or runbook is None}
    return {
        "name": _cut(name, 255),
        "summary": _cut(summary, MAX_ANNOTATION),
        "labels": _strings(labels, MAX_LABELS, MAX_VALUE),
        "annotations": shown,
        "runbook_url": runbook,
        "links": _links(details, runbook),
        "started_at": started_at.isoformat() if started_at else None,
        "alerts": alerts,
    }


def page_context_in(session: Session, *, incident_id: int) -> dict[str, Any] | None:
    """The :func:`alert_facts` of the alert that opened ``incident_id`` (its first), or None
    for an incident nobody's alert opened (declared by a person)."""
    first = session.scalar(
        select(Alert).where(Alert.incident_id == incident_id).order_by(Alert.id).limit(1)
    )
    if first is None:
        return None
    count = session.scalar(select(func.count(Alert.id)).where(Alert.incident_id == incident_id))
    return alert_facts(
        name=first.name,
        summary=first.summary,
        labels=first.labels or {},
        details=first.details or {},
        started_at=first.starts_at or first.first_seen_at,
        alerts=int(count or 1),
    )
