"""Postmortem rules as pure functions: the review workflow, the template and its sections,
the deadlines, action items, and the timeline merged with its annotations.

Workflow: ``draft → in_review`` (at least one reviewer named) ``→ published``; a review can
send it back to ``draft``. Sections change in draft and in review; comments are made in
review; a published postmortem is read-only except for the status of its action items.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from tocsin.core.business_days import business_deadline
from tocsin.core.lifecycle import RuleViolation
from tocsin.core.severity import SeverityPolicy


class PostmortemStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


MOVES: dict[PostmortemStatus, tuple[PostmortemStatus, ...]] = {
    PostmortemStatus.DRAFT: (PostmortemStatus.IN_REVIEW,),
    PostmortemStatus.IN_REVIEW: (PostmortemStatus.DRAFT, PostmortemStatus.PUBLISHED),
    PostmortemStatus.PUBLISHED: (),
}


class PostmortemRuleViolation(RuleViolation):
    """Refused by the rules: with a ``field``, bad input (422); without, the state (409)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


def move(current: PostmortemStatus, target: PostmortemStatus, *, reviewers: int) -> None:
    """Refuse a move the workflow does not allow; ``reviewers``: how many are named."""
    if target not in MOVES[current]:
        allowed = ", ".join(MOVES[current]) or "none (published is final)"
        raise PostmortemRuleViolation(
            f"status: cannot move a postmortem from {current} to {target}; allowed: {allowed}"
        )
    if target is PostmortemStatus.IN_REVIEW and reviewers < 1:
        raise PostmortemRuleViolation(
            "reviewers: name at least one reviewer to start the review", field="reviewers"
        )


def check_editable(status: PostmortemStatus, what: str) -> None:
    if status is PostmortemStatus.PUBLISHED:
        raise PostmortemRuleViolation(f"the postmortem is published; {what} is no longer possible")


def check_commentable(status: PostmortemStatus) -> None:
    if status is not PostmortemStatus.IN_REVIEW:
        raise PostmortemRuleViolation(
            f"comments are made during the review; this postmortem is {status}"
        )


# --- deadlines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadlines:
    draft_due_at: datetime
    review_due_at: datetime


def deadlines(
    policy: SeverityPolicy, *, resolved_at: datetime, tz: ZoneInfo, holidays: Collection[date]
) -> Deadlines:
    """Draft within the policy's hours; the review meeting within its business days."""
    return Deadlines(
        draft_due_at=resolved_at + timedelta(hours=policy.postmortem_draft_hours),
        review_due_at=business_deadline(
            resolved_at, policy.postmortem_review_business_days, tz=tz, holidays=holidays
        ),
    )


class Deadline(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"

    @property
    def label(self) -> str:
        return "postmortem draft" if self is Deadline.DRAFT else "postmortem review meeting"

    def met(self, status: PostmortemStatus) -> bool:
        """A draft is done once it goes to review; the review once it is published."""
        if self is Deadline.DRAFT:
            return status is not PostmortemStatus.DRAFT
        return status is PostmortemStatus.PUBLISHED


# --- the template ------------------------------------------------------------------------


class SectionKind(StrEnum):
    TEXT = "text"
    IMPACT = "impact"
    FIVE_WHYS = "five_whys"
    TIMELINE = "timeline"  # written from the incident's events; its text is an introduction
    ACTION_ITEMS = "action_items"  # the action items table; its text is an introduction


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    prompt: str = ""
    kind: SectionKind = SectionKind.TEXT


DEFAULT_TEMPLATE: tuple[SectionSpec, ...] = (
    SectionSpec("summary", "Summary", "What happened, in two or three sentences."),
    SectionSpec("impact", "Impact", "Who was affected, how, and for how long.", SectionKind.IMPACT),
    SectionSpec("timeline", "Timeline", "The key moments, in order.", SectionKind.TIMELINE),
    SectionSpec(
        "root_cause",
        "Root cause (5 Whys)",
        "Ask why the problem happened, and why again, until you reach a cause in the system.",
        SectionKind.FIVE_WHYS,
    ),
    SectionSpec("contributing_factors", "Contributing factors", "What made it worse or likelier."),
    SectionSpec("went_well", "What went well", "What helped detection, response and recovery."),
    SectionSpec("went_poorly", "What went poorly", "Where the response or the system struggled."),
    SectionSpec("lessons", "Lessons", "What we learned about the system and how we work."),
    SectionSpec(
        "action_items",
        "Action items",
        "What we will change, by whom, by when.",
        SectionKind.ACTION_ITEMS,
    ),
)


def check_template(template: Sequence[SectionSpec]) -> None:
    keys = [spec.key for spec in template]
    if not keys:
        raise ValueError("the postmortem template needs at least one section")
    if len(set(keys)) != len(keys):
        raise ValueError(f"the postmortem template repeats a section key: {keys}")
    for kind in (SectionKind.IMPACT, SectionKind.TIMELINE, SectionKind.ACTION_ITEMS):
        if sum(spec.kind is kind for spec in template) > 1:
            raise ValueError(f"the postmortem template has more than one {kind} section")


MAX_TEXT = 50_000
MAX_WHYS = 20


def section_content(spec: SectionSpec, value: Any) -> dict[str, Any]:
    """The stored content of a section as written, checked against its kind."""
    where = f"sections.{spec.key}"
    if not isinstance(value, Mapping):
        raise PostmortemRuleViolation(f"{where}: must be an object", field=where)
    allowed = {"text"} | _EXTRA_FIELDS.get(spec.kind, set())
    unknown = set(value) - allowed
    if unknown:
        raise PostmortemRuleViolation(
            f"{where}: unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}", field=where
        )
    content: dict[str, Any] = {"text": _text(value.get("text", ""), f"{where}.text")}
    if spec.kind is SectionKind.FIVE_WHYS:
        content["whys"] = _whys(value.get("whys", []), f"{where}.whys")
    if spec.kind is SectionKind.IMPACT:
        for name in ("duration_minutes", "customers_affected"):
            if name in value:
                content[name] = _count(value[name], f"{where}.{name}")
        if "components" in value:
            content["components"] = _names(value["components"], f"{where}.components")
    return content


_EXTRA_FIELDS: dict[SectionKind, set[str]] = {
    SectionKind.FIVE_WHYS: {"whys"},
    SectionKind.IMPACT: {"duration_minutes", "customers_affected", "components"},
}


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise PostmortemRuleViolation(f"{where}: must be text", field=where)
    if len(value) > MAX_TEXT:
        raise PostmortemRuleViolation(f"{where}: at most {MAX_TEXT} characters", field=where)
    return value


def _count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**31 - 1:
        raise PostmortemRuleViolation(f"{where}: must be a whole number ≥ 0", field=where)
    return value


def _names(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PostmortemRuleViolation(f"{where}: must be a list of names", field=where)
    return [_text(v, where).strip() for v in value]


def _whys(value: Any, where: str) -> list[dict[str, str]]:
    """The 5 Whys chain: an ordered list of {why, because}, each answer leading on."""
    if not isinstance(value, list) or len(value) > MAX_WHYS:
        raise PostmortemRuleViolation(f"{where}: a list of at most {MAX_WHYS} steps", field=where)
    chain = []
    for i, step in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(step, Mapping) or set(step) != {"why", "because"}:
            raise PostmortemRuleViolation(f"{at}: give exactly why and because", field=at)
        why, because = _text(step["why"], f"{at}.why"), _text(step["because"], f"{at}.because")
        if not why.strip() or not because.strip():
            raise PostmortemRuleViolation(f"{at}: why and because must not be empty", field=at)
        chain.append({"why": why.strip(), "because": because.strip()})
    return chain


# --- impact --------------------------------------------------------------------------------


def duration_minutes(impact_started_at: datetime, resolved_at: datetime | None) -> int | None:
    """Whole minutes from the impact start to the resolution (None while unresolved)."""
    if resolved_at is None:
        return None
    return max(0, int((resolved_at - impact_started_at).total_seconds() // 60))


# --- action items ------------------------------------------------------------------------


class ItemStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_DO = "wont_do"


ITEM_UNFINISHED = frozenset({ItemStatus.OPEN, ItemStatus.IN_PROGRESS})

PRIORITIES = ("P1", "P2", "P3", "P4")
PRIORITY_WORDS = {"HIGH": "P1", "MEDIUM": "P2", "LOW": "P3"}


def parse_priority(value: str) -> str:
    """P1–P4, or high/medium/low (P1/P2/P3), case-insensitively."""
    key = value.strip().upper()
    key = PRIORITY_WORDS.get(key, key)
    if key not in PRIORITIES:
        raise PostmortemRuleViolation(
            f"priority: {value!r} is not a priority; accepted: P1–P4, high, medium, low",
            field="priority",
        )
    return key


def item_status(status: ItemStatus, reason: str | None) -> str | None:
    """The reason kept with a status: required for won't do, dropped otherwise."""
    if status is ItemStatus.WONT_DO:
        if not (reason and reason.strip()):
            raise PostmortemRuleViolation(
                "reason: say why the action item will not be done", field="reason"
            )
        return reason.strip()
    return None


_HTTP_URL = re.compile(r"https?://[^\s/?#@:]+(:\d{1,5})?([/?#]\S*)?", re.IGNORECASE)


def tracker_url(value: str | None) -> str | None:
    """An external tracker link: an absolute http or https URL, or nothing."""
    if value is None or not value.strip():
        return None
    if not _HTTP_URL.fullmatch(value.strip()):
        raise PostmortemRuleViolation(
            "tracker_url: must be an http:// or https:// address", field="tracker_url"
        )
    return value.strip()


def item_overdue(status: ItemStatus, due_on: date | None, today: date) -> bool:
    return status in ITEM_UNFINISHED and due_on is not None and due_on < today


# --- the timeline ------------------------------------------------------------------------


@dataclass(frozen=True)
class Annotation:
    note: str = ""
    starred: bool = False
    hidden: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    """One moment as it was recorded, with the postmortem's annotation: an incident event
    (``source`` "incident") or a public update on the status page ("public")."""

    source: str
    event_id: int
    at: datetime
    actor: str
    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)
    annotation: Annotation = Annotation()

    @property
    def key(self) -> str:
        return entry_key(self.source, self.event_id)


SOURCES = ("incident", "public")


def entry_key(source: str, event_id: int) -> str:
    return f"{source}:{event_id}"


def parse_entry_key(key: str) -> tuple[str, int]:
    source, _, number = key.partition(":")
    if source not in SOURCES or not number.isdigit() or not 0 < int(number) <= 2**31 - 1:
        raise PostmortemRuleViolation(
            f"entry: {key!r} is not a timeline entry (incident:<id> or public:<id>)", field="entry"
        )
    return source, int(number)


def merge_timeline(
    entries: Sequence[TimelineEntry], annotations: Mapping[str, Annotation]
) -> list[TimelineEntry]:
    """One ordered list (by time, incident events before public updates at the same instant,
    then by the order recorded), each entry with its annotation."""
    merged = [replace(e, annotation=annotations.get(e.key, Annotation())) for e in entries]
    return sorted(merged, key=lambda e: (e.at, SOURCES.index(e.source), e.event_id))


def in_document(entries: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """The entries the document shows: all but the hidden ones."""
    return [e for e in entries if not e.annotation.hidden]
