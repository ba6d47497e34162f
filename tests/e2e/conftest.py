"""Real peers for end-to-end tests. Missing peers skip locally but fail in CI (CI is set).

The browser tests share what is here: headless Chromium (``browser``, ``page``), the two
viewports every page must work at (``viewport``), an accessibility check (``axe``, axe-core
injected into the page) and ``screenshot``, which saves a page at both viewports under
``TOCSIN_SCREENSHOTS`` (default: the test's tmp dir).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
AXE_PACKAGE = "axe-core@4"
AXE_DIR = Path(os.environ.get("TOCSIN_AXE_DIR", Path(__file__).parents[2] / ".venv" / "axe"))
"""Where ``npm install`` puts axe-core (``scripts/test-peers`` does it for ``make test``)."""
BLOCKING = ("serious", "critical")


def require_binary(path_or_name: str, package: str) -> str:
    found = shutil.which(path_or_name)
    if found:
        return found
    message = f"{path_or_name} is missing: apt-get install {package} (make test does this)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one module's tests. Not for the session: while Playwright's sync API
    runs, its event loop is this thread's running loop, so a later test's ``asyncio.run``
    would fail."""
    executable = require_binary("chromium", "chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> tuple[int, int]:
    """Each size a page must work at: a desktop (1280×800) and a phone (390×844)."""
    size: tuple[int, int] = VIEWPORTS[request.param]
    return size


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


# --- accessibility: axe-core in the page ---------------------------------------------------


def axe_script() -> Path:
    """axe.min.js, installed with npm into ``AXE_DIR`` the first time it is needed."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = require_binary("npm", "npm")
        command = [npm, "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund"]
        subprocess.run([*command, AXE_PACKAGE], check=True, capture_output=True, timeout=300)
    return script


class Violations(list[dict[str, Any]]):
    """axe's violations of serious or critical impact; printed one rule per line, with the
    elements (CSS selectors) that break it."""

    def __str__(self) -> str:
        lines = [f"{len(self)} serious or critical accessibility violation(s):"]
        for found in self:
            targets = ", ".join(" ".join(map(str, n["target"])) for n in found["nodes"][:5])
            more = f" (+{len(found['nodes']) - 5} more)" if len(found["nodes"]) > 5 else ""
            lines.append(f"- {found['id']} [{found['impact']}]: {found['help']} — {targets}{more}")
        return "\n".join(lines)


@pytest.fixture(scope="session")
def axe_source() -> str:
    return axe_script().read_text()


@pytest.fixture
def axe(axe_source: str) -> Callable[[Page], Violations]:
    """``axe(page)``: the serious and critical violations of the page as it is now."""

    def check(page: Page) -> Violations:
        page.add_script_tag(content=axe_source)
        result = page.evaluate("async () => await axe.run(document)")
        return Violations(v for v in result["violations"] if v["impact"] in BLOCKING)

    return check


# --- screenshots -----------------------------------------------------------------------------


Screenshot = Callable[..., list[Path]]


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, tmp_path: Path) -> Screenshot:
    """``screenshot(page, name)``: the whole page as ``<test>-<name>-<width>x<height>.png``
    under ``TOCSIN_SCREENSHOTS`` (else the test's tmp dir), at the page's size; with
    ``each_viewport=True`` at each of ``VIEWPORTS`` (the page is put back at its own size).
    The paths, also printed."""
    folder = Path(os.environ.get("TOCSIN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")

    def save(page: Page, name: str, *, each_viewport: bool = False) -> list[Path]:
        own = page.viewport_size or {"width": 1280, "height": 800}
        sizes = list(VIEWPORTS.values()) if each_viewport else [(own["width"], own["height"])]
        saved = []
        for width, height in sizes:
            page.set_viewport_size({"width": width, "height": height})
            path = folder / f"{test}-{name}-{width}x{height}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)
        page.set_viewport_size(own)
        print("screenshots:", *saved)
        return saved

    return save
