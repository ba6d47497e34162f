"""A small HTTP client for the CLI: which server and token, and errors as plain messages.

The server and token come from, first to last: the `--url` / `--token` flags, the
TOCSIN_URL / TOCSIN_TOKEN environment, the context (`--context`, TOCSIN_CONTEXT, or the
config file's current one), and for the URL the default http://127.0.0.1:8080.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

from tocsin.cli import config_file

if TYPE_CHECKING:
    import httpx

DEFAULT_URL = "http://127.0.0.1:8080"
err = Console(stderr=True)


@dataclass
class Flags:
    """The global flags of this invocation (set by the `tocsin` callback)."""

    url: str | None = None
    token: str | None = None
    context: str | None = None


flags = Flags()


@dataclass(frozen=True)
class Target:
    url: str
    token: str
    url_from: str  # where the URL came from, for the error messages


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _context() -> tuple[str | None, config_file.Context]:
    name = flags.context or os.environ.get("TOCSIN_CONTEXT") or None
    try:
        loaded = config_file.load()
    except config_file.ConfigError as error:
        raise _fail(f"error: {error}") from None
    if name is None:
        name = loaded.current
        if name is None:
            return None, config_file.Context()
    if name not in loaded.contexts:
        known = ", ".join(sorted(loaded.contexts)) or "none yet (`tocsin context add`)"
        raise _fail(f"error: no context {name!r} in {config_file.config_path()}; known: {known}", 2)
    return name, loaded.contexts[name]


def target() -> Target:
    """The server and token this invocation talks to (exit 2 when there is no token)."""
    name, context = _context()
    where = f"context {name!r}"
    env_url, env_token = os.environ.get("TOCSIN_URL"), os.environ.get("TOCSIN_TOKEN")
    if flags.url:
        url, url_from = flags.url, "--url"
    elif env_url:
        url, url_from = env_url, "TOCSIN_URL"
    elif context.url:
        url, url_from = context.url, where
    else:
        url, url_from = DEFAULT_URL, "the default"
    token = flags.token or env_token or context.token or ""
    if not token:
        raise _fail(
            "error: no API token. Set --token, TOCSIN_TOKEN or a context "
            "(`tocsin context add NAME --url URL --token TOKEN`); "
            "an admin creates one with `tocsin token create`.",
            2,
        )
    return Target(url=url.rstrip("/"), token=token, url_from=url_from)


def _reason(error: Exception) -> str:
    """ "connection refused" rather than "[Errno 111] Connection refused"."""
    import httpx

    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    text = str(error) or type(error).__name__
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text.splitlines()[-1] if text else text)
    return text[:1].lower() + text[1:]


def _send(method: str, path: str, **kwargs: Any) -> httpx.Response:
    """Send one request to /api/v1; print the server's message and exit 1 on an error."""
    import httpx

    where = target()
    url = f"{where.url}/api/v1{path}"
    hint = "check --url" if where.url_from == "--url" else "set --url or TOCSIN_URL"
    if where.url_from.startswith("context"):
        hint += f", or fix {where.url_from} (`tocsin context add`)"
    headers = {"Authorization": f"Bearer {where.token}"}
    try:
        with httpx.Client(headers=headers, timeout=30.0) as client:
            response = client.request(method, url, **kwargs)
    except httpx.InvalidURL as error:
        raise _fail(
            f"error: {where.url!r} ({where.url_from}) is not a URL: {error}; {hint}"
        ) from None
    except httpx.UnsupportedProtocol:
        raise _fail(
            f"error: {where.url!r} ({where.url_from}) needs http:// or https://; {hint}"
        ) from None
    except httpx.HTTPError as error:
        raise _fail(f"error: could not reach {where.url}: {_reason(error)}; {hint}") from None
    if response.is_error:
        try:
            body = response.json()
            message = body.get("message", response.text) if isinstance(body, dict) else body
            allowed = body.get("allowed") if isinstance(body, dict) else None
        except ValueError:
            message, allowed = response.text.strip()[:300], None
        err.print(f"[red]{response.status_code}[/] {escape(str(message))}", highlight=False)
        if allowed is not None:
            err.print(f"allowed: {', '.join(allowed) or 'none'}")
        if response.status_code == 401:
            err.print("(check the token: --token, TOCSIN_TOKEN or the context)")
        err.print(f"({method} {url})", markup=False, highlight=False, style="dim")
        raise typer.Exit(1)
    return response


def call(method: str, path: str, **kwargs: Any) -> Any:
    """The JSON answer of one request to /api/v1 (see :func:`_send` for errors)."""
    response = _send(method, path, **kwargs)
    if response.status_code == 204:
        return None
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("content-type", "no content type")
        raise _fail(
            f"error: {response.url} answered {kind}, not JSON: is that a Tocsin server? "
            "set --url or TOCSIN_URL"
        ) from None


def download(path: str) -> bytes:
    """The body of a GET of /api/v1 ``path``, as bytes (a file: Markdown, PDF, CSV…)."""
    return _send("GET", path).content
