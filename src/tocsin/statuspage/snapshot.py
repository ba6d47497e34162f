"""The status page's snapshot: every public document's bytes, kept in memory and on disk.

The public routes answer from :attr:`SnapshotStore.current` alone, never from the database,
so the page keeps answering with the last state while the database is down. The snapshot
is rebuilt

- right after a commit that changed the page's inputs in this process (:meth:`changed`,
  handed to ``tocsin.hooks.after_commit``), and
- when ``statuspage_state.version`` differs from the snapshot's, checked every few seconds
  by the web process (:meth:`refresh_if_stale`): changes committed by another replica; and
  when the UTC day has changed since the build (the HTML lists the last 90 days by month).

Each build is also written to a file, so a restart while the database is down still serves
the last state; a first start with neither database nor file serves 503 until one is back.
Only a store that is serving (the web process, :meth:`start`) builds: a worker's store only
notes that its inputs changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path

from sqlalchemy import select

from tocsin import clock
from tocsin.db import Database
from tocsin.statuspage.render import PageInfo, build, pages, version_of
from tocsin.statuspage.tables import DEFAULT_PAGE_ID, StatusPageState

log = logging.getLogger("tocsin.statuspage")


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: bytes  # quoted, as it goes in the ETag header


@dataclass(frozen=True)
class PageSnapshot:
    info: PageInfo
    documents: Mapping[str, Document]  # by path under the page's root


@dataclass(frozen=True)
class Snapshot:
    version: int
    pages: Mapping[str, PageSnapshot]  # by slug
    default: str | None  # the default page's slug
    day: date | None = None  # the UTC day it was built on (None: loaded from the file)

    def page(self, slug: str | None = None) -> PageSnapshot | None:
        """A page by its slug; the default page without one."""
        wanted = self.default if slug is None else slug
        return self.pages.get(wanted) if wanted is not None else None


def _document(body: bytes) -> Document:
    return Document(
        body=body, etag=b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
    )


class SnapshotStore:
    """One per application (made in ``tocsin.assembly``): the documents the page serves."""

    def __init__(
        self, db: Database, *, base_url: str, default_name: str, file: Path | None
    ) -> None:
        self.db = db
        self.base_url = base_url
        self.default_name = default_name
        self.file = file
        self.current: Snapshot | None = None
        self.serving = False
        self._lock = threading.Lock()
        self._failing = False
        # Which database a saved file belongs to: a file of another one is never served.
        self._source = hashlib.sha256(db.engine.url.render_as_string().encode()).hexdigest()[:16]

    def start(self) -> None:
        """Serve: build from the database, or else load the last saved snapshot."""
        self.serving = True
        if not self._try(self.refresh):
            self.load()

    def changed(self) -> None:
        """The inputs changed and committed in this process: rebuild now if serving."""
        if self.serving:
            self._try(self.refresh)

    def refresh_if_stale(self) -> bool:
        """Rebuild if another process moved the inputs on; True if it rebuilt."""
        with self.db.reading() as session:
            version = session.scalar(select(StatusPageState.version)) or 0
        current = self.current
        if current is not None and current.version == version and current.day == _today():
            return False
        self.refresh()
        return True

    def refresh(self) -> None:
        """Build from the database and swap the new snapshot in; then save it."""
        with self._lock:  # one build at a time: an older build never replaces a newer one
            with self.db.reading() as session:
                version = version_of(session)
                infos = pages(session, base_url=self.base_url, default_name=self.default_name)
                built = [(info, build(session, info)) for info in infos]
            self.current = _snapshot(version, built, day=_today())
            self._save(version, built)

    def build_page(
        self, slug: str | None = None, *, url: str | None = None
    ) -> tuple[PageInfo, dict[str, bytes]] | None:
        """One page's documents, read from the database now (``tocsin statuspage export``);
        ``url`` replaces the page's address in its absolute links (feeds, shortlinks)."""
        with self.db.reading() as session:
            for info in pages(session, base_url=self.base_url, default_name=self.default_name):
                if info.slug == slug or (slug is None and info.number == DEFAULT_PAGE_ID):
                    if url is not None:
                        info = dataclasses.replace(info, url=url.rstrip("/"))
                    return info, build(session, info)
        return None

    def _try(self, work: Callable[[], object]) -> bool:
        try:
            work()
        except Exception as error:  # the database is out, or a bug: keep the last snapshot
            if not self._failing:
                log.warning("status page snapshot not rebuilt (%s): serving the last one", error)
            self._failing = True
            return False
        if self._failing:
            log.warning("status page snapshot rebuilt again")
        self._failing = False
        return True

    def poll(self) -> bool:
        """One check by the web process's poller; False if it failed (logged once)."""
        return self._try(self.refresh_if_stale)

    def _save(self, version: int, built: Sequence[tuple[PageInfo, Mapping[str, bytes]]]) -> None:
        if self.file is None:
            return
        saved = {
            "source": self._source,
            "version": version,
            "pages": [
                {
                    "info": dataclasses.asdict(info),
                    "documents": {path: body.decode() for path, body in bodies.items()},
                }
                for info, bodies in built
            ],
        }
        # Per process: the processes of `serve --workers` save the same file.
        temporary = self.file.with_name(f"{self.file.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps(saved))
            os.replace(temporary, self.file)
        except OSError as error:
            log.warning("status page snapshot not saved to %s: %s", self.file, error)

    def load(self) -> bool:
        """Serve the saved snapshot (if it is this database's); True if there was one."""
        if self.file is None or not self.file.exists():
            return False
        try:
            saved = json.loads(self.file.read_text())
        except (OSError, ValueError) as error:
            log.warning("status page snapshot in %s unreadable: %s", self.file, error)
            return False
        if saved.get("source") != self._source or "pages" not in saved:
            return False
        built = [
            (_info(page["info"]), {p: b.encode() for p, b in page["documents"].items()})
            for page in saved["pages"]
        ]
        with self._lock:
            if self.current is None:
                self.current = _snapshot(int(saved["version"]), built)
        return True


def _info(saved: Mapping[str, object]) -> PageInfo:
    fields = dict(saved)
    fields["links"] = tuple(tuple(link) for link in fields.get("links") or ())  # type: ignore[attr-defined]
    return PageInfo(**fields)  # type: ignore[arg-type]


def _today() -> date:
    return clock.now().astimezone(UTC).date()


def _snapshot(
    version: int,
    built: Sequence[tuple[PageInfo, Mapping[str, bytes]]],
    *,
    day: date | None = None,
) -> Snapshot:
    snapshots = {
        info.slug: PageSnapshot(info, {p: _document(b) for p, b in bodies.items()})
        for info, bodies in built
    }
    default = next((i.slug for i, _ in built if i.number == DEFAULT_PAGE_ID), None)
    return Snapshot(version=version, pages=snapshots, default=default, day=day)
