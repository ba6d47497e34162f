"""A real OpenID provider for the tests: npm's ``oidc-provider`` on node (oidc_provider/).

Its packages are installed once (``npm ci``, the versions of package-lock.json) into a cache
directory named by the lock file's digest, so CI installs them and a rerun does not. Node
or npm missing skips locally and fails in CI, like the other real peers.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

from tests.e2e.conftest import require_binary
from tests.peers import free_port

SOURCE = Path(__file__).parent / "oidc_provider"
FILES = ("package.json", "package-lock.json", "provider.mjs")
_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.S)
_PROMPT = re.compile(r'name="prompt" value="(\w+)"')


def installed() -> Path:
    """The provider's directory, with node_modules installed from the lock file."""
    require_binary("node", "nodejs")
    npm = require_binary("npm", "npm")
    lock = (SOURCE / "package-lock.json").read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    target = cache / "tocsin-tests" / f"oidc-provider-{hashlib.sha256(lock).hexdigest()[:16]}"
    if not (target / "node_modules" / ".package-lock.json").exists():
        target.mkdir(parents=True, exist_ok=True)
        for name in FILES[:2]:
            shutil.copy(SOURCE / name, target / name)
        subprocess.run(
            [npm, "ci", "--prefix", str(target), "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    shutil.copy(SOURCE / "provider.mjs", target / "provider.mjs")  # always the current one
    return target


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str


@contextmanager
def running_provider(
    *, redirect_uri: str, client_secret: str, accounts: dict[str, dict[str, object]]
) -> Iterator[Provider]:
    """The provider on a free port, with one client (``tocsin``) and these accounts (by
    login name: their claims); yields once it listens."""
    directory = installed()
    port = free_port()
    client = {"client_id": "tocsin", "client_secret": client_secret}
    client["redirect_uris"] = [redirect_uri]
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT": json.dumps(client),
        "OIDC_ACCOUNTS": json.dumps(accounts),
    }
    process = subprocess.Popen(
        ["node", "provider.mjs"],
        cwd=directory,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until it listens, or '' when it died
        assert line.startswith("ready "), f"the OpenID provider did not start: {line!r}"
        yield Provider(line.split()[1], "tocsin", client_secret)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _back_to_tocsin(response: httpx.Response) -> bool:
    return response.is_redirect and "/login/oidc/callback" in response.headers["location"]


def _follow(browser: httpx.Client, response: httpx.Response) -> httpx.Response:
    """Follow redirects, but stop at the one that goes back to Tocsin's callback."""
    while response.is_redirect and not _back_to_tocsin(response):
        response = browser.get(urljoin(str(response.url), response.headers["location"]))
    return response


def through_provider(browser: httpx.Client, start: str, login: str) -> httpx.Response:
    """Follow ``start`` (Tocsin's /login/oidc) through the provider's login and consent
    forms as a browser does; the answer that sends the browser back to Tocsin's callback
    (a redirect, not followed)."""
    response = _follow(browser, browser.get(start))
    for _ in range(4):
        if _back_to_tocsin(response):
            return response
        assert response.status_code == 200, response.text[:500]
        action, prompt = _FORM.search(response.text), _PROMPT.search(response.text)
        assert action and prompt, f"no interaction form: {response.text[:500]}"
        fields = {"prompt": prompt.group(1)}
        if prompt.group(1) == "login":
            fields |= {"login": login, "password": "any password"}
        url = urljoin(str(response.url), action.group(1))
        response = _follow(browser, browser.post(url, data=fields))
    raise AssertionError("the provider never sent the browser back to Tocsin")
