"""``tocsin statuspage export``: a page's documents as static files any web server serves.

The files are the very bytes the page serves (``SnapshotStore.build_page``), by their path
under the page's root: ``index.html``, ``incidents/{id}/index.html``, ``history/index.html``,
``history.rss``, ``history.atom`` and ``api/v2/*.json``. Every link in them is relative, so
the folder works at any address. Files are replaced one by one (written beside, then
renamed), so a server reading the folder meanwhile never sees half a file; files that an
earlier export wrote and this one does not (a deleted incident) are left in place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from tocsin.errors import InvalidInput, NotFound
from tocsin.statuspage.render import PageInfo
from tocsin.statuspage.snapshot import SnapshotStore


def write_documents(documents: Mapping[str, bytes], directory: Path) -> list[Path]:
    """Write each document under ``directory`` (made if missing); the paths written."""
    root = directory.resolve()
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for key, body in sorted(documents.items()):
        target = (root / key).resolve()
        if not target.is_relative_to(root) or target == root:
            raise InvalidInput(f"document path {key!r} is outside the export folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(body)
        os.replace(temporary, target)
        written.append(target)
    return written


def export_page(
    store: SnapshotStore, directory: Path, *, slug: str | None = None, url: str | None = None
) -> tuple[PageInfo, list[Path]]:
    """Build one page (the default page without ``slug``) from the database and write it.

    ``url``: where the export will be served, for the feeds' and shortlinks' absolute links
    (default: the page's own address under ``TOCSIN_PUBLIC_URL``).
    """
    if url is not None and not url.startswith(("http://", "https://")):
        raise InvalidInput(f"url: {url!r} is not an http(s) address", field="url")
    built = store.build_page(slug, url=url)
    if built is None:
        raise NotFound(f"page: no status page with slug {slug!r}", field="page")
    info, documents = built
    return info, write_documents(documents, directory)
