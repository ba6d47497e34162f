"""The incident history feeds (RSS 2.0, Atom 1.0), read by a real feed parser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import feedparser

from tests.conftest import Api
from tests.statuspage.html_helpers import get, new_page, post_update, publish


def _parsed(url: str) -> Any:
    body = get(url).content
    ET.fromstring(body)  # well-formed XML, or this raises
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_feeds_list_each_public_incident_newest_first_with_its_updates(api: Api) -> None:
    page = new_page(api, description="Acme's services")
    first = publish(api, page["id"], "Mail delayed", "Some mail is late.", impact="minor")
    post_update(api, first["id"], "resolved", "Mail flows again.")
    second = publish(api, page["id"], "API errors", "Some API calls fail.", impact="major")
    root = f"{api.url}/pages/{page['slug']}"
    page_url = page["url"]

    rss = _parsed(f"{root}/history.rss")
    atom = _parsed(f"{root}/history.atom")
    assert rss.version == "rss20" and atom.version == "atom10"
    for feed in (rss, atom):
        assert feed.feed.title == f"{page['name']}: incident history"
        assert feed.feed.link == f"{page_url}/"
        assert [e.title for e in feed.entries] == ["API errors", "Mail delayed"]
        assert [e.link for e in feed.entries] == [
            f"{page_url}/incidents/{second['id']}/",
            f"{page_url}/incidents/{first['id']}/",
        ]
        resolved = feed.entries[1]
        content = resolved.content[0].value if "content" in resolved else resolved.description
        assert "Mail flows again." in content and "Some mail is late." in content
        assert content.index("Mail flows again.") < content.index("Some mail is late.")
    assert rss.entries[0].id == atom.entries[0].id  # one id per incident, in both feeds
    assert atom.entries[0].updated_parsed and rss.entries[0].published_parsed
    self_links = [link.href for link in atom.feed.links if link.rel == "self"]
    assert self_links == [f"{page_url}/history.atom"]


def test_entry_ids_stay_and_updated_moves_when_an_incident_changes(api: Api) -> None:
    page = new_page(api)
    incident = publish(api, page["id"], "Slow pages", "Pages load slowly.")
    root = f"{api.url}/pages/{page['slug']}"
    before = _parsed(f"{root}/history.atom").entries[0]
    rss_before = _parsed(f"{root}/history.rss").entries[0]
    post_update(api, incident["id"], "monitoring", "A fix is out.")
    after = _parsed(f"{root}/history.atom").entries[0]
    rss_after = _parsed(f"{root}/history.rss").entries[0]
    assert after.id == before.id and rss_after.id == rss_before.id
    assert after.id.startswith("tag:") and rss_after.guidislink is False
    assert datetime.fromisoformat(after.updated) >= datetime.fromisoformat(before.updated)
    assert "A fix is out." in after.content[0].value
    assert "A fix is out." not in before.content[0].value


def test_text_is_escaped_in_feeds(api: Api) -> None:
    page = new_page(api)
    publish(api, page["id"], "A <script>alert(1)</script> title", "<script>alert(2)</script>")
    root = f"{api.url}/pages/{page['slug']}"
    for feed in ("history.rss", "history.atom"):
        raw = get(f"{root}/{feed}").text
        assert "<script" not in raw
        entry = _parsed(f"{root}/{feed}").entries[0]
        assert entry.title == "A <script>alert(1)</script> title"  # the title, as text
        content = entry.content[0].value if "content" in entry else entry.description
        # the update's text is escaped inside the HTML content: shown, never run
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in content


def test_the_default_page_serves_its_feeds_at_the_root_too(api: Api) -> None:
    publish(api, 1, "Default page outage", "On the default page.")
    at_root = get(f"{api.url}/history.atom").content
    assert get(f"{api.url}/status/history.atom").content == at_root
    titles = [e.title for e in feedparser.parse(at_root).entries]
    assert titles[0] == "Default page outage"
