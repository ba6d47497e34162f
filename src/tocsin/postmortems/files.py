"""A postmortem as a file to download: Markdown (:mod:`~tocsin.postmortems.export`) or PDF
(:mod:`~tocsin.postmortems.pdf`), both from the same document."""

from __future__ import annotations

from typing import Literal

from tocsin.config import Settings
from tocsin.db import Database
from tocsin.postmortems.document import document
from tocsin.postmortems.export import file_name, to_markdown
from tocsin.postmortems.pdf import to_pdf


def export(
    db: Database, *, postmortem_id: int, settings: Settings, as_: Literal["md", "pdf"]
) -> tuple[str, bytes]:
    """The postmortem as a file: its name and its bytes (Markdown in UTF-8, or PDF)."""
    with db.reading() as session:
        doc = document(session, postmortem_id, settings=settings)
    body = to_markdown(doc).encode() if as_ == "md" else to_pdf(doc)
    return file_name(doc, as_), body
