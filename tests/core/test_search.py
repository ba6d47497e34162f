"""The search rules, pure: reading a query, its FTS5 form, escaping, alike titles."""

from __future__ import annotations

import pytest

from tocsin.core.search import (
    MARK_END,
    MARK_START,
    BadQuery,
    escape_snippet,
    parse,
    titles_alike,
    to_fts5,
)


@pytest.mark.parametrize(
    ("q", "fts5"),
    [
        ("pool exhausted", '("pool" AND "exhausted")'),
        ('"load balancer" down', '("load balancer" AND "down")'),
        ("dns -timeout", '(("dns")) NOT ("timeout")'),
        ("payments or billing", '("payments") OR ("billing")'),
        ("Pool OR", '("pool")'),
        ('NEAR(a b) AND "x', '("near a" AND "b" AND "and" AND "x")'),  # a token: a phrase
        ("title:x*", '("title x")'),
        ('say "it\'s"', '("say" AND "it s")'),
    ],
)
def test_a_query_becomes_quoted_fts5(q: str, fts5: str) -> None:
    assert to_fts5(parse(q)) == fts5


@pytest.mark.parametrize(
    "q", ["", "  ", "x" * 201, "-only", "!!!", "- -", " ".join(["w"] * 17), "a\x00b"]
)
def test_a_query_that_cannot_be_searched(q: str) -> None:
    with pytest.raises(BadQuery):
        parse(q)


def test_two_hundred_characters_are_fine() -> None:
    assert parse("x" * 200).alternatives[0][0].words == ("x" * 200,)


def test_a_snippet_is_escaped_and_keeps_its_marks() -> None:
    raw = f'<script>"x"</script> & {MARK_START}pool{MARK_END}'
    assert escape_snippet(raw) == (
        "&lt;script&gt;&quot;x&quot;&lt;/script&gt; &amp; <mark>pool</mark>"
    )


@pytest.mark.parametrize(
    ("a", "b", "alike"),
    [
        ("Ledger replication lag", "replication lagging in ledger", True),
        ("Checkout errors", "Checkout error", True),  # one word each, the same
        ("Checkout errors", "checkout latency", False),  # one of two
        ("Disk full on db-1", "disk full on db-2", True),
        ("The API is down", "the api was slow", False),  # stop words do not count: one of two
        ("Login", "login failures", True),  # a one-word title: that word
        ("", "anything", False),
    ],
)
def test_alike_titles(a: str, b: str, alike: bool) -> None:
    assert titles_alike(a, b) is alike
    assert titles_alike(b, a) is alike
