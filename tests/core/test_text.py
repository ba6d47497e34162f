"""The storable-text rule: NUL and lone surrogates refused, depth and size bounded."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.text import MAX_JSON_DEPTH, escaped, find_problem, unstorable

storable_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | storable_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(storable_text, children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.parametrize(
    ("text", "bad"),
    [("plain", False), ("é ☃ 𝄞", False), ("a\x00b", True), ("\ud800", True), ("x\udfff", True)],
)
def test_unstorable_text(text: str, bad: bool) -> None:
    assert (unstorable(text) is not None) is bad


@given(json_values)
def test_storable_json_has_no_problem(value: Any) -> None:
    assert find_problem(value) is None


@given(json_values, st.sampled_from(["\x00", "\ud83d"]))
def test_a_bad_character_anywhere_is_found_with_its_path(value: Any, bad: str) -> None:
    document = {"outer": [value, {"inner": f"x{bad}y"}]}
    problem = find_problem(document)
    assert problem is not None
    assert problem.field == "outer[1].inner"


def test_a_bad_key_is_named_escaped() -> None:
    problem = find_problem({"labels": {"a\x00": "v"}})
    assert problem is not None
    assert problem.field == "labels.a\\u0000"
    assert escaped("\ud800!") == "\\ud800!"


def test_depth_is_bounded_without_recursion() -> None:
    deep: Any = "leaf"
    for _ in range(100_000):  # far deeper than Python's recursion limit
        deep = [deep]
    problem = find_problem(deep)
    assert problem is not None and "nested deeper" in problem.message
    ok: Any = "leaf"
    for _ in range(MAX_JSON_DEPTH):
        ok = {"k": ok}
    assert find_problem(ok) is None
    assert find_problem({"k": ok}) is not None


def test_size_is_bounded_when_asked() -> None:
    assert find_problem({"a": "x" * 10, "b": "y" * 10}, max_chars=20) is None
    problem = find_problem({"a": "x" * 10, "b": "y" * 11}, "details", max_chars=20)
    assert problem is not None and problem.field == "details"
