"""The postmortem rules: the review workflow (table and properties), deadlines, sections on
the template, the 5 Whys chain, action items and the merged timeline."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core import postmortems as pm
from tocsin.core.postmortems import (
    DEFAULT_TEMPLATE,
    Annotation,
    Deadline,
    ItemStatus,
    PostmortemRuleViolation,
    PostmortemStatus,
    SectionKind,
    SectionSpec,
    TimelineEntry,
)
from tocsin.core.severity import DEFAULT_POLICIES, Severity

D, R, P = PostmortemStatus.DRAFT, PostmortemStatus.IN_REVIEW, PostmortemStatus.PUBLISHED
T0 = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("current", "target", "reviewers", "allowed"),
    [
        (D, R, 1, True),
        (D, R, 0, False),  # a review needs a reviewer
        (D, P, 1, False),  # no publishing without a review
        (D, D, 1, False),
        (R, D, 1, True),  # changes requested
        (R, P, 1, True),
        (R, R, 1, False),
        (P, D, 1, False),  # published is final
        (P, R, 1, False),
        (P, P, 1, False),
    ],
)
def test_the_workflow_table(
    current: PostmortemStatus, target: PostmortemStatus, reviewers: int, allowed: bool
) -> None:
    if allowed:
        pm.move(current, target, reviewers=reviewers)
    else:
        with pytest.raises(PostmortemRuleViolation):
            pm.move(current, target, reviewers=reviewers)


def test_no_reviewer_names_the_field() -> None:
    with pytest.raises(PostmortemRuleViolation) as refused:
        pm.move(D, R, reviewers=0)
    assert refused.value.field == "reviewers"


@given(st.lists(st.tuples(st.sampled_from(list(PostmortemStatus)), st.integers(0, 3))))
def test_any_sequence_of_moves_publishes_only_after_a_review(
    moves: list[tuple[PostmortemStatus, int]],
) -> None:
    status, seen = D, [D]
    for target, reviewers in moves:
        try:
            pm.move(status, target, reviewers=reviewers)
        except PostmortemRuleViolation:
            continue
        status = target
        seen.append(status)
    if P in seen:
        assert seen[seen.index(P) - 1] is R
        assert seen[-1] is P  # nothing after publishing
    assert all(b in pm.MOVES[a] for a, b in itertools.pairwise(seen))


def test_published_is_read_only_and_comments_belong_to_the_review() -> None:
    pm.check_editable(D, "x")
    pm.check_editable(R, "x")
    with pytest.raises(PostmortemRuleViolation, match="published"):
        pm.check_editable(P, "editing sections")
    pm.check_commentable(R)
    for status in (D, P):
        with pytest.raises(PostmortemRuleViolation, match="review"):
            pm.check_commentable(status)


def test_deadlines_draft_in_hours_review_in_business_days() -> None:
    policy = DEFAULT_POLICIES[Severity.SEV1]
    due = pm.deadlines(policy, resolved_at=T0, tz=ZoneInfo("UTC"), holidays=())
    assert due.draft_due_at == T0 + timedelta(hours=48)  # Sunday: hours, not business days
    assert due.review_due_at == datetime(2026, 12, 12, tzinfo=UTC)  # end of Fri 11th
    holiday = pm.deadlines(policy, resolved_at=T0, tz=ZoneInfo("UTC"), holidays={date(2026, 12, 8)})
    assert holiday.review_due_at == datetime(2026, 12, 15, tzinfo=UTC)


def test_which_status_meets_which_deadline() -> None:
    assert [Deadline.DRAFT.met(s) for s in (D, R, P)] == [False, True, True]
    assert [Deadline.REVIEW.met(s) for s in (D, R, P)] == [False, False, True]


def test_the_default_template() -> None:
    keys = [spec.key for spec in DEFAULT_TEMPLATE]
    assert keys == [
        "summary",
        "impact",
        "timeline",
        "root_cause",
        "contributing_factors",
        "went_well",
        "went_poorly",
        "lessons",
        "action_items",
    ]
    pm.check_template(DEFAULT_TEMPLATE)
    with pytest.raises(ValueError, match="repeats"):
        pm.check_template([SectionSpec("a", "A"), SectionSpec("a", "B")])
    with pytest.raises(ValueError, match="more than one"):
        pm.check_template(
            [SectionSpec("a", "A", kind=SectionKind.IMPACT)] * 1
            + [SectionSpec("b", "B", kind=SectionKind.IMPACT)]
        )
    with pytest.raises(ValueError, match="at least one"):
        pm.check_template([])


WHYS = SectionSpec("rc", "Root cause", kind=SectionKind.FIVE_WHYS)
IMPACT = SectionSpec("impact", "Impact", kind=SectionKind.IMPACT)
TEXT = SectionSpec("summary", "Summary")


def test_a_five_whys_chain_keeps_its_order() -> None:
    chain = [
        {"why": "Did checkout fail?", "because": "the database refused connections"},
        {"why": "Did it refuse them?", "because": "the pool was exhausted"},
    ]
    content = pm.section_content(WHYS, {"text": "", "whys": chain})
    assert content["whys"] == chain


@pytest.mark.parametrize(
    ("spec", "value", "field"),
    [
        (WHYS, {"whys": [{"why": "x"}]}, "sections.rc.whys[0]"),
        (WHYS, {"whys": [{"why": " ", "because": "y"}]}, "sections.rc.whys[0]"),
        (WHYS, {"whys": "not a list"}, "sections.rc.whys"),
        (TEXT, {"text": 5}, "sections.summary.text"),
        (TEXT, {"whys": []}, "sections.summary"),
        (TEXT, "text", "sections.summary"),
        (IMPACT, {"customers_affected": -1}, "sections.impact.customers_affected"),
        (IMPACT, {"customers_affected": True}, "sections.impact.customers_affected"),
        (IMPACT, {"components": [""]}, "sections.impact.components"),
    ],
)
def test_bad_section_content_names_the_field(spec: SectionSpec, value: object, field: str) -> None:
    with pytest.raises(PostmortemRuleViolation) as refused:
        pm.section_content(spec, value)
    assert refused.value.field == field


def test_impact_fields() -> None:
    content = pm.section_content(
        IMPACT, {"text": "EU", "customers_affected": 12, "components": ["api"]}
    )
    assert content == {"text": "EU", "customers_affected": 12, "components": ["api"]}
    assert pm.duration_minutes(T0, T0 + timedelta(minutes=90, seconds=59)) == 90
    assert pm.duration_minutes(T0, None) is None


@pytest.mark.parametrize(
    ("given_", "expected"),
    [("P1", "P1"), ("p4", "P4"), ("high", "P1"), ("Medium", "P2"), ("LOW", "P3")],
)
def test_priorities(given_: str, expected: str) -> None:
    assert pm.parse_priority(given_) == expected


@pytest.mark.parametrize("bad", ["P0", "P5", "urgent", ""])
def test_unknown_priorities(bad: str) -> None:
    with pytest.raises(PostmortemRuleViolation) as refused:
        pm.parse_priority(bad)
    assert refused.value.field == "priority"


def test_wont_do_needs_a_reason_others_drop_it() -> None:
    with pytest.raises(PostmortemRuleViolation) as refused:
        pm.item_status(ItemStatus.WONT_DO, "  ")
    assert refused.value.field == "reason"
    assert pm.item_status(ItemStatus.WONT_DO, " superseded ") == "superseded"
    assert pm.item_status(ItemStatus.DONE, "whatever") is None


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://tracker.example/issues/12", True),
        ("http://jira.local:8080/browse/OPS-1?x=1", True),
        ("HTTPS://EXAMPLE.TEST", True),
        ("javascript:alert(1)", False),
        ("ftp://example.test/x", False),
        ("https://", False),
        ("https://a b/c", False),
        ("//example.test/x", False),
        ("https://user@example.test/", False),
    ],
)
def test_tracker_urls_are_http_only(url: str, ok: bool) -> None:
    if ok:
        assert pm.tracker_url(url) == url
    else:
        with pytest.raises(PostmortemRuleViolation):
            pm.tracker_url(url)
    assert pm.tracker_url(None) is None and pm.tracker_url(" ") is None


def test_overdue_items() -> None:
    today = date(2026, 12, 4)
    assert pm.item_overdue(ItemStatus.OPEN, date(2026, 12, 3), today)
    assert not pm.item_overdue(ItemStatus.OPEN, today, today)
    assert not pm.item_overdue(ItemStatus.DONE, date(2026, 12, 1), today)
    assert not pm.item_overdue(ItemStatus.IN_PROGRESS, None, today)


def entry(source: str, event_id: int, minutes: int) -> TimelineEntry:
    return TimelineEntry(source, event_id, T0 + timedelta(minutes=minutes), "ana", "note_added")


def test_the_timeline_merges_by_time_with_annotations() -> None:
    entries = [entry("public", 1, 5), entry("incident", 7, 5), entry("incident", 3, 0)]
    starred = Annotation(note="the moment", starred=True)
    merged = pm.merge_timeline(
        entries, {"incident:7": starred, "public:1": Annotation(hidden=True)}
    )
    assert [e.key for e in merged] == ["incident:3", "incident:7", "public:1"]
    assert merged[1].annotation == starred
    assert [e.key for e in pm.in_document(merged)] == ["incident:3", "incident:7"]


@given(st.lists(st.tuples(st.sampled_from(pm.SOURCES), st.integers(1, 99), st.integers(0, 60))))
def test_merging_keeps_every_entry_in_order(rows: list[tuple[str, int, int]]) -> None:
    entries = [entry(s, i, m) for s, i, m in {(s, i): (s, i, m) for s, i, m in rows}.values()]
    merged = pm.merge_timeline(entries, {})
    assert sorted(e.key for e in merged) == sorted(e.key for e in entries)
    assert [e.at for e in merged] == sorted(e.at for e in entries)


@pytest.mark.parametrize("key", ["incident:x", "other:1", "incident:0", "incident", "public:-1"])
def test_bad_entry_keys(key: str) -> None:
    with pytest.raises(PostmortemRuleViolation) as refused:
        pm.parse_entry_key(key)
    assert refused.value.field == "entry"
    assert pm.parse_entry_key("public:12") == ("public", 12)
