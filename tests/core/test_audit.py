"""The audit log's rules: only changed fields, secrets never shown, parts that cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.audit import ROTATED, SECRET, changed, csv_cell, masked, parts, plain

values = st.one_of(st.none(), st.integers(), st.text(max_size=20), st.booleans())
records = st.dictionaries(st.sampled_from(["a", "b", "c", "key"]), values, max_size=4)


@given(records, records)
def test_only_changed_fields_are_kept_and_each_side_has_the_same_fields(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    old, new = changed(before, after)
    assert set(old) == set(new)
    for name in old:
        assert old[name] != new[name]
        assert old[name] == before.get(name) and new[name] == after.get(name)
    for name in set(before) | set(after):
        if name not in old:
            assert before.get(name) == after.get(name)


@given(records, records, st.text(min_size=1, max_size=30))
def test_a_secret_value_never_appears(
    before: dict[str, Any], after: dict[str, Any], secret: str
) -> None:
    before, after = {**before, "key": f"s1{secret}"}, {**after, "key": f"s2{secret}"}
    old, new = masked(before, after, ["key"])
    assert old["key"] == SECRET and new["key"] == ROTATED
    shown = repr((old.get("key"), new.get("key")))
    # the values, not the generated text alone: "<" is in the placeholders themselves
    assert before["key"] not in shown and after["key"] not in shown


def test_a_secret_set_cleared_or_unchanged() -> None:
    assert masked({}, {"key": "x"}, ["key"]) == ({"key": None}, {"key": SECRET})
    assert masked({"key": "x"}, {"key": None}, ["key"]) == ({"key": SECRET}, {"key": None})
    assert masked({"key": "x", "n": 1}, {"key": "x", "n": 2}, ["key"]) == ({"n": 1}, {"n": 2})


parts_lists = st.lists(st.sampled_from([1, 2, 3, {"position": 0, "x": 1}]), max_size=5)


@given(parts_lists, parts_lists)
def test_parts_removed_and_added_unchanged_cancel_once_each(
    removed: list[Any], added: list[Any]
) -> None:
    gone, came = parts(removed, added)
    assert not [part for part in gone if part in came]
    assert len(removed) - len(gone) == len(added) - len(came)


def test_times_are_compared_in_utc() -> None:
    local = datetime(2026, 3, 6, 9, tzinfo=timezone(timedelta(hours=-5)))
    assert plain(local) == plain(local.astimezone(UTC)) == "2026-03-06T14:00:00+00:00"
    assert changed({"start": local}, {"start": local.astimezone(UTC)}) == ({}, {})


def test_csv_cells_never_start_a_formula() -> None:
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("@SUM") == "'@SUM" and csv_cell("-1+1") == "'-1+1"
    assert csv_cell(-1) == "-1" and csv_cell(None) == "" and csv_cell("ana") == "ana"
