"""The status page as HTML, through the running app: what it shows, where, and how it is
served (types, ETag, internal pages, escaping, relative links)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import httpx

from tests.conftest import Api, TestClock
from tests.statuspage.helpers import BASE, created, unique
from tests.statuspage.html_helpers import crawl, get, links, new_page, parse, post_update, publish

LOGO = "https://cdn.example.com/logo.png"
HOME = "https://www.example.com/"
DOCS = "https://docs.example.com/"


def _component(api: Api, page_id: int, **fields: object) -> dict[str, object]:
    body = {"page_id": page_id, "name": unique("component"), **fields}
    return created(api.responder.post(f"{BASE}/components", json=body))


def _group(api: Api, page_id: int, name: str) -> dict[str, object]:
    body = {"page_id": page_id, "name": name}
    return created(api.responder.post(f"{BASE}/groups", json=body))


def _text(html: str) -> str:
    """The words of a document, tags dropped and spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_shows_its_settings_status_components_and_incidents(api: Api) -> None:
    page = new_page(
        api,
        description="Everything Acme runs.",
        logo_url=LOGO,
        home_url=HOME,
        links=[{"label": "Docs", "url": DOCS}],
    )
    payments = _group(api, page["id"], "Payments")
    checkout = _component(
        api, page["id"], name="Checkout", group_id=payments["id"], status="partial_outage"
    )
    _component(api, page["id"], name="Refunds", group_id=payments["id"])
    quiet = _group(api, page["id"], "Reporting")
    _component(api, page["id"], name="Exports", group_id=quiet["id"])
    _component(api, page["id"], name="API", description="The REST API")
    incident = publish(
        api, page["id"], "Checkout errors", "We know some payments fail.", impact="major",
        components=[checkout["id"]],
    )  # fmt: skip
    post_update(api, incident["id"], "identified", "A bad deploy; rolling back.")

    response = get(f"{api.url}/pages/{page['slug']}/")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    summary = get(f"{api.url}/pages/{page['slug']}/api/v2/summary.json").json()
    text = _text(html)
    assert summary["status"]["description"] == "Partial System Outage"
    assert "Partial System Outage" in text
    assert f'<img src="{LOGO}" alt="{page["name"]}">' in html
    assert f'href="{HOME}"' in html and f'<a href="{DOCS}">Docs</a>' in html
    assert "Everything Acme runs." in text and "The REST API" in text
    # each component's status in words, as the JSON says it
    for item in summary["components"]:
        label = item["status"].replace("_", " ").capitalize()
        assert re.search(rf"{re.escape(item['name'])} [✓!▲✕⚙] {label}", text), item
    # groups are <details>; open when something in them is wrong
    assert re.search(r"<details open>\s*<summary>.*?Payments", html, re.S)
    assert re.search(r"<details>\s*<summary>.*?Reporting", html, re.S)
    # the active incident, its updates newest first, and its page linked relatively
    assert "Active incidents" in text and "Impact: Major" in text
    assert text.index("A bad deploy; rolling back.") < text.index("We know some payments fail.")
    assert f"incidents/{incident['id']}/" in links(html)
    assert "No maintenance scheduled." in text
    # landmarks, and no script at all
    tags = parse(html).tags
    assert {"header", "nav", "main", "footer"} <= set(tags)
    assert "script" not in tags
    assert html.count("<style>") == 1 and '<link rel="stylesheet"' not in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "prefers-color-scheme: dark" in html


def test_an_incident_page_shows_every_update_and_the_default_page_answers_at_status(
    api: Api,
) -> None:
    incident = publish(api, 1, unique("Search slow"), "We are looking into slow searches.")
    post_update(api, incident["id"], "monitoring", "A fix is out; watching.")
    post_update(api, incident["id"], "resolved", "Searches are fast again.")

    redirect = httpx.get(f"{api.url}/status", timeout=30)
    assert redirect.status_code == 308 and redirect.headers["location"] == "/status/"
    index = get(f"{api.url}/status/").text
    assert incident["name"] in index
    page = get(f"{api.url}/status/incidents/{incident['id']}/")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    text = _text(page.text)
    assert f'<h1 id="incident-heading">{incident["name"]}</h1>' in page.text
    bodies = ["Searches are fast again.", "A fix is out; watching.", "We are looking into"]
    positions = [text.index(body) for body in bodies]
    assert positions == sorted(positions), "updates are listed newest first"
    assert "Resolved" in text and "Monitoring" in text and "Investigating" in text
    # times: machine-readable UTC and a human form
    stamps = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', page.text)
    assert stamps and all(stamp.endswith("+00:00") and human.endswith(" UTC")
                          for stamp, human in stamps)  # fmt: skip
    missing = httpx.get(f"{api.url}/status/incidents/999999/", timeout=30)
    assert missing.status_code == 404


def test_documents_have_etags_and_answer_304(api: Api) -> None:
    for path in ("/status/", "/status/history/", "/history.rss", "/status/history.atom"):
        first = get(f"{api.url}{path}")
        etag = first.headers["etag"]
        again = httpx.get(f"{api.url}{path}", headers={"If-None-Match": etag}, timeout=30)
        assert again.status_code == 304, path
        assert again.content == b""
        assert "max-age" in first.headers["cache-control"]


def test_feeds_have_their_content_types(api: Api) -> None:
    rss = get(f"{api.url}/history.rss")
    assert rss.headers["content-type"] == "application/rss+xml; charset=utf-8"
    atom = get(f"{api.url}/status/history.atom")
    assert atom.headers["content-type"] == "application/atom+xml; charset=utf-8"
    page = new_page(api)
    own = get(f"{api.url}/pages/{page['slug']}/history.rss")
    assert own.headers["content-type"] == "application/rss+xml; charset=utf-8"


def test_a_script_in_public_text_renders_as_text(api: Api) -> None:
    page = new_page(api, name="Acme <script>alert('name')</script>")
    _component(api, page["id"], name="<script>alert('component')</script>")
    incident = publish(api, page["id"], "<script>alert('title')</script>", "<b>bold</b>")
    post_update(api, incident["id"], "identified", "<script>alert('update')</script>")
    root = f"{api.url}/pages/{page['slug']}/"
    for url in (root, f"{root}incidents/{incident['id']}/", f"{root}history/"):
        html = get(url).text
        assert "<script" not in html and "<b>bold" not in html, url
        assert "&lt;script&gt;alert(" in html, url
    for feed in ("history.rss", "history.atom"):
        xml = get(f"{root}{feed}").text
        assert "<script" not in xml and "&lt;script" in xml, feed


def test_every_link_is_relative_and_leads_somewhere(api: Api) -> None:
    page = new_page(api, logo_url=LOGO, home_url=HOME, links=[{"label": "Docs", "url": DOCS}])
    _component(api, page["id"], name="Web")
    incident = publish(api, page["id"], "Login fails", "Some sign-ins fail.")
    post_update(api, incident["id"], "resolved", "Sign-ins work again.")
    root = f"{api.url}/pages/{page['slug']}/"
    documents = crawl(root)
    assert f"{root}incidents/{incident['id']}/" in documents
    assert {f"{root}history/", f"{root}history.rss", f"{root}api/v2/summary.json"} <= set(documents)
    absolute = {
        link
        for response in documents.values()
        if response.headers["content-type"].startswith("text/html")
        for link in links(response.text)
        if urlsplit(link).scheme or link.startswith("/")
    }
    # only what the page's settings say, and the app's form to report a problem
    report = f"{api.settings.base_url.rstrip('/')}/report/{page['slug']}"
    assert absolute == {LOGO, HOME, DOCS, report}
    assert crawl(f"{api.url}/status/")  # the same holds at the default page's address


def test_the_index_lists_90_days_by_month_and_the_history_every_month(
    api: Api, clock: TestClock
) -> None:
    page = new_page(api)
    now = clock.now()
    clock.set(now - timedelta(days=120))
    old = publish(api, page["id"], "Old outage", "Long ago.")
    post_update(api, old["id"], "resolved", "Fixed long ago.")
    clock.set(now - timedelta(days=10))
    recent = publish(api, page["id"], "Recent outage", "Lately.")
    post_update(api, recent["id"], "resolved", "Fixed lately.")
    clock.set(now)
    edited = api.responder.patch(f"{BASE}/incidents/{recent['id']}", json={"impact": "minor"})
    assert edited.status_code == 200, edited.text  # a rebuild now, not 10 days ago

    root = f"{api.url}/pages/{page['slug']}/"
    index = _text(get(root).text)
    assert "Recent outage" in index and "Old outage" not in index
    months = re.findall(r'<h3 id="month-(\d{4}-\d{2})">', get(root).text)
    assert months[0] == f"{now:%Y-%m}" and months == sorted(months, reverse=True)
    assert len(months) in (3, 4)  # the months that the last 90 days touch
    history = get(f"{root}history/").text
    keys = re.findall(r'<h2 id="month-(\d{4}-\d{2})">', history)
    assert keys == sorted(keys, reverse=True) and len(keys) >= 4
    first = now - timedelta(days=120)
    assert keys[0] == f"{now:%Y-%m}" and keys[-1] == f"{first:%Y-%m}"
    text = _text(history)
    assert text.index("Recent outage") < text.index("Old outage")
    assert "No incidents reported." in text  # the months in between
    assert "Fixed long ago." in _text(get(f"{root}incidents/{old['id']}/").text)


def test_an_internal_page_needs_a_token(api: Api) -> None:
    page = new_page(api, visibility="internal")
    _component(api, page["id"], name="Build farm")
    url = f"{api.url}/pages/{page['slug']}/"
    anonymous = httpx.get(url, timeout=30)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/login?next=/pages/{page['slug']}/"
    incident_page = httpx.get(f"{url}history/", timeout=30)
    assert incident_page.status_code == 303
    feed = httpx.get(f"{url}history.rss", timeout=30)
    assert feed.status_code == 401
    signed_in = api.viewer.get(f"/pages/{page['slug']}/")
    assert signed_in.status_code == 200
    assert "Build farm" in signed_in.text
    assert signed_in.headers["cache-control"] == "private, no-cache"


def test_the_page_moves_on_with_the_day(api: Api, clock: TestClock) -> None:
    """The last 90 days are counted from the build: a new UTC day rebuilds the snapshot
    (the web process's poller asks every few seconds), with nothing else changed."""
    page = new_page(api)
    root = f"{api.url}/pages/{page['slug']}/"
    store = api.tocsin.statuspage
    store.refresh_if_stale()
    unchanged = store.current
    store.refresh_if_stale()
    assert store.current is unchanged  # same day, same inputs: no rebuild
    later = clock.now() + timedelta(days=40)
    clock.set(later)
    store.refresh_if_stale()
    months = re.findall(r'<h3 id="month-(\d{4}-\d{2})">', get(root).text)
    assert months[0] == f"{later:%Y-%m}"
