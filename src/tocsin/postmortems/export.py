"""A postmortem as Markdown, from :func:`~tocsin.postmortems.document.document`; what the PDF
(:mod:`~tocsin.postmortems.pdf`) draws comes from the same helpers, so both say the same.

Written text is the author's plain text: characters Markdown would read as markup (``<``,
``*``, ``[``, a ``#`` opening a line…) are escaped, so ``<script>`` stays literal text.
Review comments are not exported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from tocsin.postmortems.document import DocumentSection, PostmortemDocument

TIMELINE_HEADER = ("When", "What", "Who", "Note")
NOT_WRITTEN = "Not written yet."
ITEMS_HEADER = ("Priority", "Action", "Owner", "Due", "Status", "Tracker")


def when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "—"


def facts(doc: PostmortemDocument) -> list[tuple[str, str]]:
    """The postmortem's header lines: label, value."""
    return [
        ("Incident", f"{doc.incident_reference} ({doc.severity})"),
        ("Services", ", ".join(doc.services) or "—"),
        ("Status", str(doc.status)),
        ("Owner", doc.owner),
        ("Reviewers", ", ".join(r.name for r in doc.reviewers) or "—"),
        ("Impact started", when(doc.impact_started_at)),
        ("Resolved", when(doc.resolved_at)),
        ("Draft due", when(doc.draft_due_at)),
        ("Review meeting due", when(doc.review_due_at)),
        ("Published", when(doc.published_at)),
    ]


def title(doc: PostmortemDocument) -> str:
    return f"Postmortem: {doc.incident_reference} · {doc.title}"


def impact_lines(content: dict[str, Any]) -> list[str]:
    minutes = content.get("duration_minutes")
    customers = f"Customers affected: {content.get('customers_affected') or 0}"
    if content.get("customers_note"):
        customers += f" ({content['customers_note']})"
    return [
        f"Duration: {minutes} minutes" if minutes is not None else "Duration: —",
        customers,
        f"Components: {', '.join(content.get('components') or []) or '—'}",
    ]


def whys(content: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(s.get("why", "")), str(s.get("because", ""))) for s in content.get("whys") or []]


def timeline_rows(doc: PostmortemDocument) -> list[tuple[str, ...]]:
    """One row per entry left in the document; a key moment's "What" starts with ★."""
    return [
        (
            when(e.at),
            f"★ {e.kind}" if e.annotation.starred else e.kind,
            e.actor,
            e.annotation.note,
        )
        for e in doc.timeline
    ]


def item_rows(doc: PostmortemDocument) -> list[tuple[str, ...]]:
    return [
        (
            a.priority,
            a.title,
            a.owner.name,
            a.due_on.isoformat() if a.due_on else "—",
            f"{a.status}: {a.reason}" if a.reason else str(a.status),
            a.tracker_url or "",
        )
        for a in doc.action_items
    ]


_INLINE = re.compile(r"([\\`*_\[\]<>|&~])")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.MULTILINE)


def md(text: str) -> str:
    """Plain text made literal in Markdown: markup characters escaped, a line break kept as
    a hard break (a trailing backslash), a blank line as a new paragraph."""
    escaped = _INLINE.sub(r"\\\1", text.replace("\r\n", "\n"))
    escaped = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    return re.sub(r"(?<=\S)[ \t]*\n(?=[ \t]*\S)", "\\\n", escaped)


def _cell(text: str) -> str:
    return " ".join(md(text).split()) or " "


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> Iterator[str]:
    yield "| " + " | ".join(header) + " |"
    yield "|" + " --- |" * len(header)
    for row in rows:
        yield "| " + " | ".join(_cell(value) for value in row) + " |"


def _section(doc: PostmortemDocument, section: DocumentSection) -> Iterator[str]:
    yield f"## {md(section.title)}"
    yield ""
    text = str(section.content.get("text") or "").strip()
    if text:
        yield md(text)
        yield ""
    elif section.kind == "text":
        yield f"_{NOT_WRITTEN}_"
        yield ""
    if section.kind == "impact":
        yield from (f"- {md(line)}" for line in impact_lines(section.content))
        yield ""
    elif section.kind == "five_whys":
        for n, (why, because) in enumerate(whys(section.content), start=1):
            yield f"{n}. **Why?** {_cell(why)} **Because:** {_cell(because)}"
        yield ""
    elif section.kind == "timeline":
        yield from _table(TIMELINE_HEADER, timeline_rows(doc))
        yield ""
    elif section.kind == "action_items":
        yield from _table(ITEMS_HEADER, item_rows(doc))
        yield ""


def to_markdown(doc: PostmortemDocument) -> str:
    lines = [f"# {md(title(doc))}", ""]
    lines += [f"- **{label}:** {md(value)}" for label, value in facts(doc)]
    lines.append("")
    for section in doc.sections:
        lines.extend(_section(doc, section))
    return "\n".join(lines).rstrip() + "\n"


def file_name(doc: PostmortemDocument, extension: str) -> str:
    """``postmortem-INC-12.md``: the reference kept to safe characters."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", doc.incident_reference).strip("-") or str(doc.id)
    return f"postmortem-{safe}.{extension}"
