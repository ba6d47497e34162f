"""The blamelessness check: sentences that point at a person instead of a system.

A postmortem looks for what in the system let something happen, not for whom to blame. This
check reads text and flags the sentences that blame: a person (a name or handle from the
on-call directory, "he", "she", "someone", "the engineer"…) as the subject of a blaming verb
("forgot", "broke", "should have", "failed to", "didn't", "ignored", "missed"…), a person's
"mistake" or "fault", and the words of blame themselves ("human error", "careless",
"negligent", "fault of …", "blame"). Each finding carries the sentence, the span of the words
that triggered it, the reason and a system-focused rewording to consider.

Findings are advice: the author decides. A person acting ("Sam restarted the service") is not
blame, and neither is a system failing ("the deploy broke checkout"). Matching ignores case,
works on word boundaries (a name inside another word is no mention) and on Unicode letters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol


class Named(Protocol):
    """Someone of the directory: a display name and a handle."""

    @property
    def name(self) -> str: ...

    @property
    def handle(self) -> str: ...


@dataclass(frozen=True)
class Finding:
    """One blaming phrase: ``start``/``end`` index the checked text (``text[start:end]`` is
    ``excerpt``); ``sentence`` is the whole sentence it is in."""

    sentence: str
    start: int
    end: int
    excerpt: str
    rule: str
    reason: str
    suggestion: str


_APOS = "['’]"
_PEOPLE_WORDS = (
    r"he|she|someone|somebody|"
    r"(?:the|an?|our|their)\s+(?:on-?call(?:\s+(?:engineer|person|responder))?|engineer|"
    r"developer|responder|admin(?:istrator)?|intern|new\s+hire|dba|sre)"
)
_FILLER = (
    r"(?:\s+(?:had|has|just|also|simply|then|again|apparently|clearly|obviously|"
    r"probably|accidentally|mistakenly|unfortunately|once\s+again))*"
)
_APPOSITIVE = r"(?:\s*,[^,.;:!?\n]{1,60},)?"
_VERBS = {
    "forgot": r"forgot(?:ten)?",
    "broke": r"broke",
    "should_have": rf"(?:should(?:n{_APOS}t|\s+not)?|ought\s+to)\s+have",
    "failed_to": r"failed\s+to",
    "did_not": rf"didn{_APOS}t|did\s+not|neglected(?:\s+to)?",
    "ignored": r"ignored|missed|overlooked",
    "messed_up": r"messed\s+up|screwed\s+up|botched|fat-?fingered",
    "caused": r"caused",
}
_NOUNS = r"mistake|error|fault|typo|carelessness|negligence|oversight|slip-?up"
_CHANGES = r"change|deploy(?:ment)?|commit|push|script|query|command|edit|merge"
_CAUSE_VERBS = r"caused|broke|took\s+(?:\w+\s+)?down|brought\s+(?:\w+\s+)?down|triggered"
_NEGATED = re.compile(r"\b(?:no\s+one|nobody|not|without|no|never)\b[\w\s]{0,20}$", re.I)


def _reworded_step(verb: str, rest: str) -> str:
    rest = rest.strip()
    if verb == "forgot":
        if rest.lower().startswith("to "):
            step = rest[3:]
            return (
                f"The step to {step} depended on a manual action that was missed; "
                "what made it easy to miss, and could the system do or check it?"
            )
        what = f" ({rest})" if rest else ""
        return f"A required step{what} was missed; what made it easy to miss?"
    if verb == "broke":
        what = _capital(rest) if rest else "It"
        return (
            f"{what} broke after a change; what let that change through, "
            "and what would have caught it earlier?"
        )
    if verb == "should_have":
        what = f" ({rest})" if rest else ""
        return (
            f"The expected action{what} did not happen; what would have made it the "
            "obvious or automatic one?"
        )
    if verb in ("failed_to", "did_not"):
        what = f"The step to {rest}" if rest else "The expected step"
        return f"{what} did not happen; what in the process or the tooling let it slip?"
    if verb == "ignored":
        what = _capital(rest) if rest else "The signal"
        return (
            f"{what} was not acted on; what made it easy to pass over: its noise, "
            "volume, wording or where it was shown?"
        )
    if verb == "caused":
        what = _capital(rest) if rest else "The failure"
        return f"{what} followed an action; which conditions let that action have this effect?"
    return (
        "Describe the action and what it did to the system, and what made that outcome "
        "possible: a missing guard, confirmation or review?"
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clause(text: str) -> str:
    """The words after the match up to the end of the clause, at most 80 characters."""
    found = re.match(r"[^,.;:!?\n]*", text)
    words = found.group() if found else ""
    return " ".join(words.split())[:80].rstrip()


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    reason: str
    suggest: Callable[[re.Match[str], str], str]
    negatable: bool = False


def _fixed(text: str) -> Callable[[re.Match[str], str], str]:
    return lambda _match, _rest: text


def _rules(person: str) -> list[_Rule]:
    verbs = "|".join(f"(?P<{key}>{pattern})" for key, pattern in _VERBS.items())
    flags = re.IGNORECASE
    b, e = r"(?<!\w)", r"(?!\w)"
    return [
        _Rule(
            "person_did",
            re.compile(rf"{b}(?P<who>{person}){_APPOSITIVE}{_FILLER}\s+(?:{verbs}){e}", flags),
            "makes a person the cause ({who} {verb})",
            lambda m, rest: _reworded_step(m.lastgroup or "", rest),
        ),
        _Rule(
            "persons_mistake",
            re.compile(
                rf"{b}(?P<who>(?:{person}){_APOS}s|his|her|their|my|your)\s+(?:\w+\s+)?"
                rf"(?:{_NOUNS}){e}",
                flags,
            ),
            "attributes the failure to a person ({who} …)",
            _fixed(
                "Name the condition instead: which step relied on a person doing it "
                "perfectly, and what could catch it next time?"
            ),
        ),
        _Rule(
            "persons_change",
            re.compile(
                rf"{b}(?P<who>(?:{person}){_APOS}s)\s+(?:\w+\s+){{0,2}}?(?:{_CHANGES})\s+"
                rf"(?:{_CAUSE_VERBS}){e}",
                flags,
            ),
            "names a person's change as the cause ({who} …)",
            _fixed(
                "A change caused this; what let it reach production unchecked, and what "
                "would have caught it?"
            ),
        ),
        _Rule(
            "human_error",
            re.compile(rf"{b}(?:human|operator|user|personnel)\s+(?:error|mistake)s?{e}", flags),
            "'human error' ends the inquiry where it should start",
            _fixed(
                "Name the system condition instead: which step relied on a person doing it "
                "perfectly, and what could catch the slip?"
            ),
        ),
        _Rule(
            "careless",
            re.compile(
                rf"{b}(?:careless(?:ly|ness)?|negligen(?:t|tly|ce)|sloppy|sloppiness|"
                rf"reckless(?:ly|ness)?|lazy|laziness|incompeten(?:t|ce)){e}",
                flags,
            ),
            "judges a person's care rather than the system",
            _fixed(
                "Describe the conditions instead: time pressure, unclear tooling, missing "
                "guardrails, what the person knew at that moment."
            ),
            negatable=True,
        ),
        _Rule(
            "fault_of",
            re.compile(
                rf"{b}(?:fault\s+of\s+(?:(?:{person}){e}|(?!(?:the|a|an|this|that|its|our)\b)\w+)"
                rf"|(?:{person})\s+(?:was|is|were|are)\s+at\s+fault){e}",
                flags,
            ),
            "looks for a culprit",
            _fixed(
                "Say what in the system allowed this: a postmortem looks for causes, not culprits."
            ),
            negatable=True,
        ),
        _Rule(
            "blame",
            re.compile(rf"{b}blam(?:e|ed|es|ing){e}", flags),
            "assigns blame",
            _fixed(
                "Say what in the system allowed this: a postmortem looks for causes, not culprits."
            ),
            negatable=True,
        ),
    ]


def _person_pattern(people: Iterable[Named]) -> str:
    """An alternation of every way to name someone: full names, their parts of three letters
    or more, handles (with or without ``@``), then the pronouns and roles."""
    terms: set[str] = set()
    for someone in people:
        full = " ".join(someone.name.split())
        if full:
            terms.add(full)
            terms.update(part for part in full.split() if len(part) >= 3)
        if someone.handle.strip():
            terms.add(someone.handle.strip().lstrip("@"))
    escaped = [
        r"\s+".join(re.escape(word) for word in term.split())
        for term in sorted(terms, key=len, reverse=True)
    ]
    named = rf"@?(?:{'|'.join(escaped)})" if escaped else None
    return f"{named}|{_PEOPLE_WORDS}" if named else _PEOPLE_WORDS


_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)|\n")


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) of each non-blank sentence of ``text``."""
    start = 0
    ends = [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    for end in ends:
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            yield start + lead, start + lead + len(stripped)
        start = end


class Checker:
    """The rules compiled once for a directory; :meth:`check` runs them over a text."""

    def __init__(self, people: Iterable[Named] = ()) -> None:
        self._rules = _rules(_person_pattern(people))

    def check(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        for start, end in sentences(text):
            found.extend(self._in_sentence(text, start, end))
        return found

    def _in_sentence(self, text: str, start: int, end: int) -> list[Finding]:
        sentence = text[start:end]
        hits: list[Finding] = []
        for rule in self._rules:
            for match in rule.pattern.finditer(sentence):
                if rule.negatable and _NEGATED.search(sentence[: match.start()]):
                    continue
                hits.append(_finding(rule, match, sentence, offset=start))
        hits.sort(key=lambda f: (f.start, -f.end))
        kept: list[Finding] = []
        for hit in hits:
            if not kept or hit.start >= kept[-1].end:
                kept.append(hit)
        return kept


def _finding(rule: _Rule, match: re.Match[str], sentence: str, *, offset: int) -> Finding:
    groups = match.groupdict()
    who = " ".join((groups.get("who") or "").split())
    verb = " ".join(match.group(match.lastgroup).split()) if match.lastgroup else ""
    return Finding(
        sentence=sentence,
        start=offset + match.start(),
        end=offset + match.end(),
        excerpt=match.group(),
        rule=rule.name,
        reason=rule.reason.format(who=who, verb=verb),
        suggestion=rule.suggest(match, _clause(sentence[match.end() :])),
    )


def check(text: str, people: Iterable[Named] = ()) -> list[Finding]:
    """The blaming phrases of ``text``, in order; ``people``: the directory's people."""
    return Checker(people).check(text)
