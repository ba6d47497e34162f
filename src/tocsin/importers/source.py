"""Reading a source: its REST API with a key, or JSON files saved from it.

Errors come out as :class:`SourceError` with the URL or file named, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx


class SourceError(Exception):
    """The source could not be read; the message says where and why."""


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceError(f"{path} is not JSON: {error}") from None


class Api:
    """A source's REST API: GET with the vendor's auth headers, JSON answers.

    ``transport`` lets tests answer with recorded responses (``httpx.MockTransport``) and a
    user point at a self-hosted or regional base URL.
    """

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url, headers=dict(headers), transport=transport, timeout=timeout
        )

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """``headers`` are added to (or replace) the client's own for this request only."""
        url = f"{self.base_url}{path}"
        try:
            response = self._client.get(
                path, params=dict(params or {}), headers=dict(headers) if headers else None
            )
        except httpx.HTTPError as error:
            raise SourceError(f"GET {url} failed: {error}") from None
        if response.status_code >= 400:
            snippet = response.text[:300].replace("\n", " ")
            raise SourceError(f"GET {url} answered {response.status_code}: {snippet}")
        try:
            return response.json()
        except ValueError:
            raise SourceError(f"GET {url} did not answer JSON") from None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
