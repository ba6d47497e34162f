"""A postmortem as PDF, drawn by fpdf2 from the same document and helpers as the Markdown.

Text is drawn as text (never read as markup), in DejaVu Sans, a Unicode TrueType font that
Debian ships in ``fonts-dejavu-core`` (and most Linux systems have), so "é", "→" and "—"
show as written. Without it, the PDF falls back to the PDF core font Helvetica, which only
has Latin-1: other characters become "?", a warning is logged and the PDF's first page says
so, rather than failing.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from tocsin.postmortems.document import DocumentSection, PostmortemDocument
from tocsin.postmortems.export import (
    ITEMS_HEADER,
    NOT_WRITTEN,
    TIMELINE_HEADER,
    facts,
    impact_lines,
    item_rows,
    timeline_rows,
    title,
    whys,
)

log = logging.getLogger(__name__)
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
    "/usr/share/fonts/TTF",  # Arch
    "/usr/share/fonts/dejavu",  # Alpine
    "/usr/local/share/fonts",
)
FALLBACK_NOTE = (
    "No Unicode font was found (install fonts-dejavu-core): characters outside Latin-1 "
    "are shown as '?'."
)


@lru_cache(maxsize=1)
def unicode_font() -> tuple[Path, Path] | None:
    """DejaVu Sans, regular and bold, from the first folder that has both; None without."""
    for folder in FONT_DIRS:
        regular, bold = Path(folder, "DejaVuSans.ttf"), Path(folder, "DejaVuSans-Bold.ttf")
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class _Writer:
    def __init__(self, font: tuple[Path, Path] | None) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.unicode = font is not None
        if font is not None:
            self.pdf.add_font("DejaVu", "", font[0])
            self.pdf.add_font("DejaVu", "B", font[1])
            self.family = "DejaVu"
        else:
            self.family = "Helvetica"
        self.pdf.add_page()

    def text(self, value: str) -> str:
        """``value`` as the font can draw it: tabs as spaces, other control characters
        dropped, and without a Unicode font only Latin-1."""
        value = _CONTROL.sub(
            "", value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
        )
        if self.unicode:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def line(self, value: str, *, size: float = 10, bold: bool = False, gap: float = 1) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.multi_cell(
            0, size * 0.5, self.text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
        )
        self.pdf.ln(gap)

    def table(self, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        if not rows:
            self.line("—")
            return
        self.pdf.set_font(self.family, "", 8)
        with self.pdf.table(text_align="LEFT", line_height=4) as table:
            for values in (header, *rows):
                row = table.row()
                for value in values:
                    row.cell(self.text(value))
        self.pdf.ln(2)


def _section(out: _Writer, doc: PostmortemDocument, section: DocumentSection) -> None:
    out.line(section.title, size=13, bold=True, gap=2)
    text = str(section.content.get("text") or "").strip()
    if text:
        out.line(text)
    elif section.kind == "text":
        out.line(NOT_WRITTEN)
    if section.kind == "impact":
        for value in impact_lines(section.content):
            out.line(f"• {value}")
    elif section.kind == "five_whys":
        for n, (why, because) in enumerate(whys(section.content), start=1):
            out.line(f"{n}. Why? {why} Because: {because}")
    elif section.kind == "timeline":
        out.table(TIMELINE_HEADER, timeline_rows(doc))
    elif section.kind == "action_items":
        out.table(ITEMS_HEADER, item_rows(doc))
    out.pdf.ln(3)


def to_pdf(doc: PostmortemDocument) -> bytes:
    font = unicode_font()
    out = _Writer(font)
    out.pdf.set_title(out.text(title(doc)))
    out.pdf.set_creator("Tocsin")
    if font is None:
        log.warning("postmortem PDF without a Unicode font: %s", FALLBACK_NOTE)
        out.line(FALLBACK_NOTE, size=8)
    out.line(title(doc), size=16, bold=True, gap=3)
    for label, value in facts(doc):
        out.line(f"{label}: {value}", size=9, gap=0)
    out.pdf.ln(4)
    for section in doc.sections:
        _section(out, doc, section)
    return bytes(out.pdf.output())
