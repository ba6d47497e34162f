"""Which open incident a customer report belongs to: a pure rule, tested with tables.

A report matches an open incident when it started inside the incident's window (from
``window`` before the incident's impact started or it was opened, whichever is earlier) and
either its services meet the incident's services, or its text is like the incident's title
(Jaccard similarity of their word sets at least ``threshold``). Among the candidates the
best wins: services and text together over services alone over text alone, then the more
similar text, then the newest incident. No candidate: the report waits for a person (triage).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Candidate", "Match", "ReportFacts", "choose", "similarity", "words"]

_WORD = re.compile(r"[^\W_]+")
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "cannot", "do", "does",
    "for", "from", "has", "have", "i", "in", "is", "it", "its", "my", "not", "of", "on", "or",
    "our", "so", "that", "the", "their", "there", "this", "to", "was", "we", "were", "when",
    "with", "you", "your",
})  # fmt: skip


def words(text: str) -> frozenset[str]:
    """The words of ``text`` that carry meaning: lower case, without stop words and digits."""
    return frozenset(
        w for w in _WORD.findall(text.casefold()) if w not in STOP_WORDS and not w.isdigit()
    )


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' word sets: 0 (nothing shared) to 1 (the same)."""
    left, right = words(a), words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


@dataclass(frozen=True)
class ReportFacts:
    text: str
    services: frozenset[str]  # the report's service, or its component's services
    started_at: datetime


@dataclass(frozen=True)
class Candidate:
    """An open incident, as the rule needs it."""

    incident_id: int
    title: str
    services: frozenset[str]
    opened_at: datetime  # the earlier of its impact start and its declaration


@dataclass(frozen=True)
class Match:
    incident_id: int
    reasons: tuple[str, ...]  # "service", "text"
    score: float  # the text similarity

    @property
    def why(self) -> str:
        """The reason in words, for the report and the timeline."""
        parts = []
        if "service" in self.reasons:
            parts.append("same service")
        if "text" in self.reasons:
            parts.append(f"text like the title ({self.score:.2f})")
        return " and ".join(parts)


def _judge(
    report: ReportFacts, candidate: Candidate, window: timedelta, threshold: float
) -> Match | None:
    if report.started_at < candidate.opened_at - window:
        return None  # it started long before this incident: another problem
    reasons = []
    if report.services & candidate.services:
        reasons.append("service")
    score = similarity(report.text, candidate.title)
    if score >= threshold:
        reasons.append("text")
    if not reasons:
        return None
    return Match(candidate.incident_id, tuple(reasons), score)


def _rank(match: Match, candidate: Candidate) -> tuple[int, int, float, datetime, int]:
    return (
        len(match.reasons),
        "service" in match.reasons,
        match.score,
        candidate.opened_at,
        candidate.incident_id,
    )


def choose(
    report: ReportFacts,
    candidates: Iterable[Candidate],
    *,
    window: timedelta,
    threshold: float,
) -> Match | None:
    """The open incident ``report`` belongs to and why, or None (it goes to triage)."""
    found: Sequence[tuple[Match, Candidate]] = [
        (match, c)
        for c in candidates
        if (match := _judge(report, c, window, threshold)) is not None
    ]
    if not found:
        return None
    return max(found, key=lambda pair: _rank(*pair))[0]
