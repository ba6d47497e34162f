"""The status page's snapshot: every public document's bytes, kept in memory and on disk.

The public routes answer from :attr:`SnapshotStore.current` alone, never from the database,
so the page keeps answering with the last state while the database is down. The snapshot
is rebuilt

- right after a commit that changed the page's inputs in this process (:meth:`changed`,
  handed to ``tocsin.hooks.after_commit``), and
- when ``statuspage_state.version`` differs from the snapshot's, checked every few seconds
  by the web process (:meth:`refresh_if_stale`): changes committed by another replica.

Each build is also written to a file, so a restart while the database is down still serves
the last state; a first start with neither database nor file serves 503 until one is back.
Only a store that is serving (the web process, :meth:`start`) builds: a worker's store only
notes that its inputs changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from tocsin.db import Database
from tocsin.statuspage.render import PageInfo, build
from tocsin.statuspage.tables import StatusPageState

log = logging.getLogger("tocsin.statuspage")


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: bytes  # quoted, as it goes in the ETag header


@dataclass(frozen=True)
class Snapshot:
    version: int
    documents: Mapping[str, Document]


def _document(body: bytes) -> Document:
    return Document(
        body=body, etag=b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
    )


class SnapshotStore:
    """One per application (made in ``tocsin.assembly``): the documents the page serves."""

    def __init__(self, db: Database, page: PageInfo, file: Path | None) -> None:
        self.db = db
        self.page = page
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
        if self.current is not None and self.current.version == version:
            return False
        self.refresh()
        return True

    def refresh(self) -> None:
        """Build from the database and swap the new snapshot in; then save it."""
        with self._lock:  # one build at a time: an older build never replaces a newer one
            with self.db.reading() as session:
                version, bodies = build(session, self.page)
            self.current = Snapshot(
                version=version, documents={p: _document(b) for p, b in bodies.items()}
            )
            self._save(version, bodies)

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

    def _save(self, version: int, bodies: Mapping[str, bytes]) -> None:
        if self.file is None:
            return
        saved = {
            "source": self._source,
            "version": version,
            "documents": {path: body.decode() for path, body in bodies.items()},
        }
        temporary = self.file.with_name(self.file.name + ".tmp")
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
        if saved.get("source") != self._source:
            return False
        documents = {p: _document(b.encode()) for p, b in saved["documents"].items()}
        with self._lock:
            if self.current is None:
                self.current = Snapshot(version=int(saved["version"]), documents=documents)
        return True
