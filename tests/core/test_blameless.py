"""The blamelessness check on a table of sentences, both ways: what must be flagged (a person
made the cause) and what must not (a system failing, a person acting, names inside words)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tocsin.core.blameless import Checker, check, sentences


@dataclass(frozen=True)
class Someone:
    name: str
    handle: str


DIRECTORY = [
    Someone("Dana Scully", "dana"),
    Someone("Sam Okafor", "sokafor"),
    Someone("Zoë Brandt", "zoe.b"),
]

FLAGGED = [
    # (sentence, the flagged words)
    ("Dana forgot to rotate the key.", "Dana forgot"),
    ("Human error caused the outage.", "Human error"),
    ("dana broke the build.", "dana broke"),
    ("DANA SHOULD HAVE CHECKED THE DASHBOARD!", "DANA SHOULD HAVE"),
    ("@sokafor failed to renew the certificate.", "@sokafor failed to"),
    ("Sam didn't check the alert before closing it.", "Sam didn't"),
    ("Sam didn’t check the alert.", "Sam didn’t"),
    ("The outage was the fault of Sam.", "fault of Sam"),
    ("It was Dana's fault.", "Dana's fault"),
    ("The engineer was careless with the migration.", "careless"),
    ("Negligence in the review let the bug through.", "Negligence"),
    ("Management blamed the database team.", "blamed"),
    ("Dana, the on-call, forgot to escalate.", "Dana, the on-call, forgot"),
    ("Someone forgot to renew the domain.", "Someone forgot"),
    ("He shouldn't have deployed on a Friday.", "He shouldn't have"),
    ("The on-call engineer ignored the page.", "The on-call engineer ignored"),
    ("Dana’s mistake took checkout down.", "Dana’s mistake"),
    ("Sam Okafor simply forgot the flag.", "Sam Okafor simply forgot"),
    ("Operator error is the root cause.", "Operator error"),
    ("Dana's change caused the outage.", "Dana's change caused"),
    ("Zoë missed the warning in the logs.", "Zoë missed"),
    ("Brandt overlooked the expiry date", "Brandt overlooked"),
    ("The new hire did not follow the runbook.", "The new hire did not"),
    ("Sloppy work in the deploy script.", "Sloppy"),
    ("Who is to blame?", "blame"),
]

NOT_FLAGGED = [
    "The deploy broke the checkout.",
    "Sam restarted the service, which restored it.",
    "Dana rotated the key at 14:02 and the errors stopped.",
    "Samsung phones and the sample app saw errors.",  # "Sam" inside words
    "Adana and Scullyville are mirror regions.",  # "Dana", "Scully" inside words
    "The job failed to start after the config change.",
    "Kubernetes didn't reschedule the pod.",
    "The retry logic should have backed off.",
    "The operator failed to reconcile the custom resource.",  # a Kubernetes operator
    "This is a blameless postmortem.",
    "No one is to blame for the outage.",
    "We do not blame individuals here.",
    "The disk controller reported a fault.",
    "It was the fault of the disk controller.",
    "Fault-tolerant storage kept the data safe.",
    "The load balancer was at fault.",
    "Error rates rose to 40% at 14:05.",
    "Human-readable errors were logged.",
    "The alert was missed because it went to an unused channel.",
    "The runbook did not mention the second region.",
    "The on-call was paged at 02:13 and acknowledged in 4 minutes.",
    "Dana Scully's fix restored checkout; Sam confirmed it.",
    "",
]


@pytest.mark.parametrize(("sentence", "words"), FLAGGED)
def test_blaming_sentences_are_flagged(sentence: str, words: str) -> None:
    findings = check(sentence, DIRECTORY)
    assert [f.excerpt for f in findings] == [words]
    (finding,) = findings
    assert sentence[finding.start : finding.end] == words
    assert finding.sentence == sentence.strip()
    assert finding.reason and finding.suggestion


@pytest.mark.parametrize("sentence", NOT_FLAGGED)
def test_system_and_neutral_sentences_are_not_flagged(sentence: str) -> None:
    assert check(sentence, DIRECTORY) == []


def test_the_rewording_turns_to_the_system() -> None:
    (forgot,) = check("Dana forgot to rotate the key.", DIRECTORY)
    assert forgot.suggestion.startswith(
        "The step to rotate the key depended on a manual action that was missed"
    )
    assert "what made it easy to miss" in forgot.suggestion
    (broke,) = check("Sam broke the build, again.", DIRECTORY)
    assert broke.suggestion.startswith("The build broke after a change")
    (ignored,) = check("Sam ignored the page", DIRECTORY)
    assert ignored.suggestion.startswith("The page was not acted on")
    assert "Dana" in check("Dana forgot.", DIRECTORY)[0].reason


def test_a_name_outside_the_directory_is_not_a_person_but_pronouns_are() -> None:
    assert check("Dana forgot to rotate the key.") == []
    assert [f.excerpt for f in check("She forgot to rotate the key.")] == ["She forgot"]


def test_spans_index_the_whole_text_sentence_by_sentence() -> None:
    text = "Checkout failed at 14:00. Dana forgot to rotate the key!\n\nIt was human error."
    findings = check(text, DIRECTORY)
    assert [text[f.start : f.end] for f in findings] == ["Dana forgot", "human error"]
    assert [f.sentence for f in findings] == [
        "Dana forgot to rotate the key!",
        "It was human error.",
    ]


def test_sentences_split_on_ends_and_lines_not_on_decimals() -> None:
    text = "Latency hit 1.5 s. Then it fell!\nDone"
    assert [text[a:b] for a, b in sentences(text)] == [
        "Latency hit 1.5 s.",
        "Then it fell!",
        "Done",
    ]


def test_a_checker_compiles_the_directory_once() -> None:
    checker = Checker(DIRECTORY)
    assert checker.check("zoe.b broke it.")[0].excerpt == "zoe.b broke"
    assert checker.check("Zoe broke it.") == []  # not the directory's spelling


# A text made of words none of which is a directory name or a word of blame.
BLAME_WORDS = re.compile(
    r"forg[oe]t|broke|should|ought|fail|didn|did|neglect|ignor|miss|overlook|mess|screw|"
    r"botch|fat|caus|error|mistake|fault|typo|careless|negligen|sloppy|reckless|lazy|"
    r"incompeten|blam|oversight|slip|lazi|sloppi|trigger|took|brought",
    re.IGNORECASE,
)
NAMES = re.compile(r"dana|scully|sam|okafor|zo[eë]|brandt|sokafor", re.IGNORECASE)
words = st.text(
    alphabet=st.characters(categories=["L", "N"], include_characters="'’-@."),
    min_size=1,
    max_size=12,
)
separators = st.sampled_from([" ", " ", ", ", ". ", "! ", "? ", "\n", "; ", " — "])


@given(st.lists(st.tuples(words, separators), max_size=40))
def test_text_without_names_or_blame_words_yields_no_findings(
    parts: list[tuple[str, str]],
) -> None:
    text = "".join(word + sep for word, sep in parts)
    assume(not BLAME_WORDS.search(text) and not NAMES.search(text))
    assert check(text, DIRECTORY) == []
