"""A small HTTP client for the CLI: TOCSIN_URL and TOCSIN_TOKEN, errors as plain messages."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    import httpx

err = Console(stderr=True)


def _client() -> httpx.Client:
    import httpx  # at call time: `tocsin --help` need not load it

    url = os.environ.get("TOCSIN_URL", "http://127.0.0.1:8080").rstrip("/")
    token = os.environ.get("TOCSIN_TOKEN", "")
    if not token:
        err.print("[red]TOCSIN_TOKEN is not set.[/] Create one with `tocsin token create`.")
        raise typer.Exit(2)
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30.0)


def _send(method: str, path: str, **kwargs: Any) -> httpx.Response:
    """Send one request to /api/v1; print the server's message and exit 1 on an error."""
    import httpx

    try:
        with _client() as client:
            response = client.request(method, f"/api/v1{path}", **kwargs)
    except httpx.HTTPError as exc:
        err.print(f"[red]Cannot reach Tocsin:[/] {exc}")
        raise typer.Exit(1) from None
    if response.is_error:
        try:
            body = response.json()
            message = body.get("message", response.text)
            allowed = body.get("allowed")
        except ValueError:
            message, allowed = response.text, None
        err.print(f"[red]{response.status_code}[/] {message}")
        if allowed is not None:
            err.print(f"allowed: {', '.join(allowed) or 'none'}")
        raise typer.Exit(1)
    return response


def call(method: str, path: str, **kwargs: Any) -> Any:
    """The JSON answer of one request to /api/v1 (see :func:`_send` for errors)."""
    return _send(method, path, **kwargs).json()


def download(path: str) -> bytes:
    """The body of a GET of /api/v1 ``path``, as bytes (a file: Markdown, PDF, CSV…)."""
    return _send("GET", path).content
