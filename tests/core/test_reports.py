"""The customer report matching rule (core/reports): similarity and the choice, by table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tocsin.core.reports import Candidate, ReportFacts, choose, similarity, words

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=2)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Checkout errors", "checkout errors", 1.0),
        ("Checkout errors", "Errors at checkout!", 1.0),  # order, case, stop words, punctuation
        ("checkout is slow", "login is slow", 1 / 3),  # {slow} of {checkout, login, slow}
        ("payments down", "search broken", 0.0),
        ("", "anything", 0.0),
        ("the and of", "the and of", 0.0),  # only stop words: nothing to compare
        ("error 500 on checkout", "checkout error 502", 1.0),  # numbers carry no meaning
        ("Zahlung fehlgeschlagen", "zahlung FEHLGESCHLAGEN", 1.0),  # any alphabet
    ],
)
def test_similarity(a: str, b: str, expected: float) -> None:
    assert similarity(a, b) == pytest.approx(expected)


def test_words_drop_stop_words_and_digits() -> None:
    assert words("The checkout page is down since 10") == {"checkout", "page", "down", "since"}


def incident(number: int, title: str, *services: str, opened: timedelta = timedelta()) -> Candidate:
    return Candidate(number, title, frozenset(services), T0 + opened)


def report(text: str, *services: str, started: timedelta = timedelta()) -> ReportFacts:
    return ReportFacts(text, frozenset(services), T0 + started)


CHECKOUT = incident(1, "Checkout errors", "checkout")
LOGIN = incident(2, "Login is slow", "auth")
SEARCH = incident(3, "Search results missing", "search", opened=timedelta(minutes=30))


@pytest.mark.parametrize(
    ("case", "facts", "candidates", "chosen", "reasons"),
    [
        ("service only", report("I cannot pay", "checkout"), [CHECKOUT, LOGIN], 1, ("service",)),
        ("text only", report("login slow for me"), [CHECKOUT, LOGIN], 2, ("text",)),
        (
            "service and text",
            report("checkout errors everywhere", "checkout"),
            [CHECKOUT],
            1,
            ("service", "text"),
        ),
        ("nothing alike", report("my invoice is wrong", "billing"), [CHECKOUT, LOGIN], None, ()),
        ("no open incident", report("checkout errors", "checkout"), [], None, ()),
        (
            "started inside the window, before the incident",
            report("I cannot pay", "checkout", started=-timedelta(hours=2)),
            [CHECKOUT],
            1,
            ("service",),
        ),
        (
            "started before the window",
            report("I cannot pay", "checkout", started=-timedelta(hours=2, minutes=1)),
            [CHECKOUT],
            None,
            (),
        ),
        (
            "started long after it opened: still open, still matches",
            report("I cannot pay", "checkout", started=timedelta(days=1)),
            [CHECKOUT],
            1,
            ("service",),
        ),
        (
            "service beats text",
            report("login is slow", "checkout"),
            [CHECKOUT, LOGIN],
            1,
            ("service",),
        ),
        (
            "both beat service alone",
            report("search results missing", "checkout", "search"),
            [CHECKOUT, SEARCH],
            3,
            ("service", "text"),
        ),
        (
            "same reasons: the more similar title",
            report("checkout errors again"),
            [incident(4, "Checkout errors and timeouts"), incident(5, "Checkout errors")],
            5,
            ("text",),
        ),
        (
            "same reasons and score: the newest incident",
            report("cannot pay", "checkout"),
            [CHECKOUT, incident(6, "Payment trouble", "checkout", opened=timedelta(minutes=5))],
            6,
            ("service",),
        ),
        (
            "text below the threshold",
            report("checkout page shows a blank screen and spinner"),
            [CHECKOUT],
            None,
            (),
        ),
    ],
)
def test_choose(
    case: str,
    facts: ReportFacts,
    candidates: list[Candidate],
    chosen: int | None,
    reasons: tuple[str, ...],
) -> None:
    match = choose(facts, candidates, window=WINDOW, threshold=0.3)
    if chosen is None:
        assert match is None, case
        return
    assert match is not None, case
    assert (match.incident_id, match.reasons) == (chosen, reasons), case
    assert match.why  # a reason in words for the report and the timeline


def test_why_names_the_reasons() -> None:
    match = choose(report("checkout errors", "checkout"), [CHECKOUT], window=WINDOW, threshold=0.3)
    assert match is not None
    assert match.why == "same service and text like the title (1.00)"
