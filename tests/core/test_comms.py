"""The communication rules: who is reminded at each stage, and the public acknowledgement
deadline through opening and severity changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core import lifecycle
from tocsin.core.comms import (
    CHAIN,
    Holder,
    choose_recipient,
    overdue_since,
    public_ack_due,
)
from tocsin.core.roles import Role
from tocsin.core.severity import DEFAULT_POLICIES, Severity

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CL, IC = Role.COMMUNICATIONS_LEAD, Role.INCIDENT_COMMANDER

holders = st.dictionaries(
    st.sampled_from(list(Role)),
    st.builds(
        Holder,
        person_id=st.one_of(st.none(), st.integers(1, 50)),
        reachable=st.booleans(),
    ),
)
times = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


def test_the_comms_lead_first_then_the_commander() -> None:
    both = {CL: Holder(person_id=1), IC: Holder(person_id=2)}
    assert choose_recipient(0, both).person_id == 1
    assert choose_recipient(1, both).person_id == 2
    assert choose_recipient(1, both).role is IC


def test_a_name_only_or_unreachable_holder_falls_to_the_next_in_line() -> None:
    named = {CL: Holder(person_id=None), IC: Holder(person_id=2)}
    choice = choose_recipient(0, named)
    assert (choice.role, choice.person_id) == (IC, 2)
    assert choice.skipped == ((CL, "held by a name, not a person of the directory"),)
    silent = {CL: Holder(person_id=1, reachable=False)}
    nobody = choose_recipient(0, silent)
    assert nobody.role is None and nobody.person_id is None
    assert nobody.skipped == ((CL, "the person has no contact method"), (IC, "unassigned"))


def test_a_stage_out_of_the_chain_is_refused() -> None:
    with pytest.raises(ValueError, match="stage"):
        choose_recipient(len(CHAIN), {})


@given(stage=st.integers(0, len(CHAIN) - 1), held=holders)
def test_the_choice_is_the_first_reachable_person_from_the_stage_on(
    stage: int, held: dict[Role, Holder]
) -> None:
    choice = choose_recipient(stage, held)
    candidates = CHAIN[stage:]
    reachable = [
        r for r in candidates if r in held and held[r].person_id is not None and held[r].reachable
    ]
    if reachable:
        assert choice.role is reachable[0]
        assert choice.person_id == held[reachable[0]].person_id
        assert [r for r, _ in choice.skipped] == list(candidates[: candidates.index(choice.role)])
    else:
        assert choice.role is None and choice.person_id is None
        assert [r for r, _ in choice.skipped] == list(candidates)
    assert all(role in CHAIN for role, _ in choice.skipped)  # roles outside never matter


@given(
    severity=st.sampled_from(list(Severity)),
    current=st.one_of(st.none(), times),
    published=st.one_of(st.none(), times),
    at=times,
)
def test_the_public_deadline_never_moves_once_met_and_never_postpones(
    severity: Severity, current: datetime | None, published: datetime | None, at: datetime
) -> None:
    policy = DEFAULT_POLICIES[severity]
    due = public_ack_due(policy, current=current, published_at=published, at=at)
    if published is not None:
        assert due == current
    elif policy.public_ack_minutes is None:
        assert due is None
    else:
        assert due is not None
        assert due <= at + timedelta(minutes=policy.public_ack_minutes)
        if current is not None:
            assert due <= current


def test_public_ack_minutes_by_severity() -> None:
    minutes = {s: DEFAULT_POLICIES[s].public_ack_minutes for s in Severity}
    assert minutes == {
        Severity.SEV1: 15,
        Severity.SEV2: 30,
        Severity.SEV3: None,
        Severity.SEV4: None,
    }


def test_opening_and_raising_set_the_public_deadline() -> None:
    sev1, _ = lifecycle.open_incident(policy=DEFAULT_POLICIES[Severity.SEV1], now=T0)
    assert sev1.public_ack_due_at == T0 + timedelta(minutes=15)
    sev3, _ = lifecycle.open_incident(policy=DEFAULT_POLICIES[Severity.SEV3], now=T0)
    assert sev3.public_ack_due_at is None
    later = T0 + timedelta(minutes=10)
    raised, _ = lifecycle.change_severity(
        sev3, DEFAULT_POLICIES[Severity.SEV2], reason="spreading", now=later
    )
    assert raised.public_ack_due_at == later + timedelta(minutes=30)
    lowered, _ = lifecycle.change_severity(
        raised, DEFAULT_POLICIES[Severity.SEV4], reason="contained", now=later
    )
    assert lowered.public_ack_due_at is None


def test_once_published_the_deadline_stays_as_it_was() -> None:
    opened, _ = lifecycle.open_incident(policy=DEFAULT_POLICIES[Severity.SEV2], now=T0)
    published = lifecycle.mark_published(opened, at=T0 + timedelta(minutes=5))
    assert published is not None
    assert published.first_public_at == T0 + timedelta(minutes=5)
    assert lifecycle.mark_published(published, at=T0 + timedelta(minutes=9)) is None
    raised, _ = lifecycle.change_severity(
        published, DEFAULT_POLICIES[Severity.SEV1], reason="worse", now=T0 + timedelta(minutes=9)
    )
    assert raised.public_ack_due_at == opened.public_ack_due_at


def test_overdue_since_is_the_due_time_once_passed() -> None:
    assert overdue_since(None, T0) is None
    assert overdue_since(T0, T0) is None
    assert overdue_since(T0, T0 + timedelta(seconds=1)) == T0
