"""A page's incident history as feeds: ``history.rss`` (RSS 2.0) and ``history.atom``
(Atom 1.0), built in :func:`tocsin.statuspage.render.build` from the incidents.json dicts.

One entry per public incident (the :data:`FEED_ENTRIES` newest), newest first, with every
update in its content. Entry ids are tag URIs made of the page's host, the incident's
creation day, the page's row id and the incident's id: they never change as the incident
does. Links are absolute (the page's public address). ElementTree writes the XML, so
everything is escaped: an update's text is escaped once as HTML and once more as XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tocsin.statuspage.html import parse_time, render_fragment

if TYPE_CHECKING:
    from tocsin.statuspage.render import PageInfo

FEED_ENTRIES = 50
ATOM = "http://www.w3.org/2005/Atom"


def incident_url(page: PageInfo, incident: Mapping[str, Any]) -> str:
    return f"{page.url}/incidents/{incident['id']}/"


def entry_id(page: PageInfo, incident: Mapping[str, Any]) -> str:
    created = parse_time(incident["created_at"])
    assert created is not None
    host = urlsplit(page.url).hostname or "localhost"
    return f"tag:{host},{created:%Y-%m-%d}:page-{page.number}/incident-{incident['id']}"


def _time(value: str | None, fallback: datetime) -> datetime:
    return parse_time(value) or fallback


def _atom_time(value: str | None, fallback: datetime) -> str:
    return _time(value, fallback).isoformat(timespec="seconds")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _xml(root: ET.Element) -> bytes:
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def atom(page: PageInfo, incidents: Sequence[Mapping[str, Any]], updated: datetime) -> bytes:
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "en"})
    _sub(feed, "id", f"{page.url}/history.atom")
    _sub(feed, "title", f"{page.name}: incident history")
    if page.description:
        _sub(feed, "subtitle", page.description)
    _sub(feed, "updated", updated.isoformat(timespec="seconds"))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=f"{page.url}/history.atom")
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{page.url}/")
    _sub(_sub(feed, "author"), "name", page.name)
    if page.logo_url:
        _sub(feed, "logo", page.logo_url)
    for incident in incidents[:FEED_ENTRIES]:
        entry = _sub(feed, "entry")
        _sub(entry, "id", entry_id(page, incident))
        _sub(entry, "title", incident["name"])
        _sub(entry, "published", _atom_time(incident["created_at"], updated))
        _sub(entry, "updated", _atom_time(incident["updated_at"], updated))
        _sub(entry, "link", rel="alternate", type="text/html", href=incident_url(page, incident))
        content = render_fragment("feed_entry.html", incident=incident)
        _sub(entry, "content", content, type="html")
    return _xml(feed)


def rss(page: PageInfo, incidents: Sequence[Mapping[str, Any]], updated: datetime) -> bytes:
    root = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM})
    channel = _sub(root, "channel")
    _sub(channel, "title", f"{page.name}: incident history")
    _sub(channel, "link", f"{page.url}/")
    _sub(channel, "description", page.description or f"Incidents reported on {page.name}")
    _sub(channel, "language", "en")
    _sub(channel, "lastBuildDate", format_datetime(updated))
    self_link = {"rel": "self", "type": "application/rss+xml", "href": f"{page.url}/history.rss"}
    _sub(channel, "atom:link", **self_link)
    for incident in incidents[:FEED_ENTRIES]:
        item = _sub(channel, "item")
        _sub(item, "title", incident["name"])
        _sub(item, "link", incident_url(page, incident))
        _sub(item, "guid", entry_id(page, incident), isPermaLink="false")
        _sub(item, "pubDate", format_datetime(_time(incident["created_at"], updated)))
        _sub(item, "description", render_fragment("feed_entry.html", incident=incident))
    return _xml(root)


def render_feeds(
    page: PageInfo, incidents: Sequence[Mapping[str, Any]], *, updated: datetime
) -> dict[str, bytes]:
    """``history.rss`` and ``history.atom``; ``updated``: when the page last changed."""
    return {
        "history.rss": rss(page, incidents, updated),
        "history.atom": atom(page, incidents, updated),
    }
