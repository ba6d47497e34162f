"""Full-text search rules, the same on both databases: what a query may be, how it reads
(web-search syntax: words, ``"quoted phrases"``, ``-excluded``, ``or``), how it becomes an
SQLite FTS5 expression that cannot be a syntax error, and how a snippet is escaped.

PostgreSQL reads the same text with ``websearch_to_tsquery``; this module checks it first so
that a query is refused (or accepted) the same way on both.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_QUERY_LENGTH = 200
MAX_TERMS = 16
MARK_START = "\x02"  # the databases put these around a hit in a snippet; escaping keeps them
MARK_END = "\x03"
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+")
_STOPWORDS = "a an and are as at be but by for from has in is it its of on or the to was were"
STOPWORDS = frozenset(f"{_STOPWORDS} with after before during not no".split())


class BadQuery(ValueError):
    """The query cannot be searched: empty, too long, or nothing but punctuation."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase of several
    excluded: bool = False


@dataclass(frozen=True)
class Query:
    """Alternatives joined by ``or``; each is a list of terms that must all match."""

    alternatives: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...]


def parse(text: str) -> Query:
    """Read a web-search query; :class:`BadQuery` says why it cannot be searched."""
    text = text.strip()
    if not text:
        raise BadQuery("give at least one word to search for")
    if len(text) > MAX_QUERY_LENGTH or "\x00" in text:
        raise BadQuery(f"at most {MAX_QUERY_LENGTH} characters")
    alternatives: list[tuple[Term, ...]] = []
    current: list[Term] = []
    excluded: list[Term] = []
    for match in _TOKEN.finditer(text):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            if current:
                alternatives.append(tuple(current))
                current = []
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = tuple(w.lower() for w in _WORD.findall(phrase if phrase is not None else bare))
        if not words:
            continue
        term = Term(words, excluded=bool(negated))
        (excluded if term.excluded else current).append(term)
    if current:
        alternatives.append(tuple(current))
    if sum(len(a) for a in alternatives) + len(excluded) > MAX_TERMS:
        raise BadQuery(f"at most {MAX_TERMS} words or phrases")
    if not alternatives:
        raise BadQuery("give at least one word to search for (not only excluded ones)")
    return Query(tuple(alternatives), tuple(excluded))


def _fts5_term(term: Term) -> str:
    # every word quoted: FTS5 operators and punctuation in the input are only text
    return '"' + " ".join(term.words) + '"'


def to_fts5(query: Query) -> str:
    """The FTS5 MATCH expression of ``query``."""
    ors = " OR ".join(
        "(" + " AND ".join(_fts5_term(t) for t in terms) + ")" for terms in query.alternatives
    )
    if not query.excluded:
        return ors
    return f"({ors}) NOT (" + " OR ".join(_fts5_term(t) for t in query.excluded) + ")"


def title_words(title: str) -> list[str]:
    """The words of a title worth comparing with other titles (no stop words, no digits
    alone), in order, once each."""
    seen: list[str] = []
    for word in _WORD.findall(title.lower()):
        if word in STOPWORDS or word.isdigit() or len(word) < 2 or word in seen:
            continue
        seen.append(word)
    return seen[:MAX_TERMS]


def any_of_fts5(words: Sequence[str], column: str) -> str:
    """An FTS5 expression matching ``column`` rows with any of ``words``."""
    return f"{column} : (" + " OR ".join(f'"{w}"' for w in words) + ")"


def escape_snippet(raw: str) -> str:
    """HTML of a snippet: the text escaped, the hits (between the markers) in ``<mark>``."""
    escaped = html.escape(raw.replace(MARK_START, "\x00s").replace(MARK_END, "\x00e"))
    return escaped.replace("\x00s", "<mark>").replace("\x00e", "</mark>")


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def titles_alike(title: str, other: str) -> bool:
    """Two titles name the same trouble: they share two of their words (one, when either
    has only one), plurals and -ing/-ed forms counting as the same word."""
    mine = {_stem(w) for w in title_words(title)}
    theirs = {_stem(w) for w in title_words(other)}
    shared = len(mine & theirs)
    return shared > 0 and shared >= min(2, len(mine), len(theirs))
