"""`tocsin statuspage export`: a page as static files, served by a plain web server."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import feedparser
import httpx
import pytest

from tests.conftest import Api, TestClock, run_cli
from tests.peers import free_port
from tests.statuspage.helpers import BASE, created
from tests.statuspage.html_helpers import crawl, get, new_page, post_update, publish


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """``python -m http.server`` on ``folder``, on loopback."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30  # a guard against hanging, not a measurement
        while True:
            assert process.poll() is None, "http.server exited"
            try:
                httpx.get(url, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "http.server did not start"
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def database_env(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    """The CLI reads the test server's database, and knows the server's address."""
    monkeypatch.setenv("TOCSIN_DATABASE_URL", api.settings.database_url)
    monkeypatch.setenv("TOCSIN_PUBLIC_URL", api.url)
    return api


def test_an_exported_page_is_served_by_a_plain_web_server(
    database_env: Api, tmp_path: Path
) -> None:
    api = database_env
    page = new_page(api, description="Exported")
    body = {"page_id": page["id"], "name": "Storage"}
    created(api.responder.post(f"{BASE}/components", json=body))
    incident = publish(api, page["id"], "Uploads fail", "Some uploads fail.")
    post_update(api, incident["id"], "resolved", "Uploads work again.")
    folder = tmp_path / "site"

    output = run_cli("statuspage", "export", str(folder), "--page", page["slug"])
    assert "Wrote" in output and page["slug"] in output
    assert (folder / "index.html").is_file()
    assert (folder / "incidents" / str(incident["id"]) / "index.html").is_file()

    served = f"{api.url}/pages/{page['slug']}"
    with static_server(folder) as url:
        index = get(f"{url}/")
        assert index.headers["content-type"].startswith("text/html")
        assert index.content == get(f"{served}/").content  # the very bytes the app serves
        summary = get(f"{url}/api/v2/summary.json")
        assert summary.json() == get(f"{served}/api/v2/summary.json").json()
        assert [c["name"] for c in summary.json()["components"]] == ["Storage"]
        documents = crawl(f"{url}/index.html")  # every relative link works in the export
        assert f"{url}/incidents/{incident['id']}/" in documents
        feed = feedparser.parse(get(f"{url}/history.atom").content)
        assert feed.entries[0].link == f"{page['url']}/incidents/{incident['id']}/"


def test_export_of_the_default_page_with_its_own_address(
    database_env: Api, tmp_path: Path, clock: TestClock
) -> None:
    # The uptime bars read the clock: the served page and the export are made at one instant.
    clock.set(clock.now())
    database_env.tocsin.statuspage.refresh()
    folder = tmp_path / "default"
    run_cli("statuspage", "export", str(folder), "--url", "https://status.example.com/")
    assert (folder / "index.html").read_bytes() == get(f"{database_env.url}/status/").content
    rss = feedparser.parse((folder / "history.rss").read_bytes())
    assert rss.feed.link == "https://status.example.com/"
    assert all(e.link.startswith("https://status.example.com/incidents/") for e in rss.entries)


def test_export_names_what_is_wrong(database_env: Api, tmp_path: Path) -> None:
    output = run_cli("statuspage", "export", str(tmp_path / "x"), "--page", "nope", exit_code=1)
    assert "no status page with slug 'nope'" in output
    output = run_cli("statuspage", "export", str(tmp_path), "--url", "ftp://x", exit_code=1)
    assert "url" in output
