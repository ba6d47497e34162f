from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tocsin.core import lifecycle
from tocsin.core.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    IncidentClosed,
    IncidentState,
    InvalidTime,
    LearningIncomplete,
    LearningState,
    MissingReason,
    RuleViolation,
    Status,
)
from tocsin.core.severity import DEFAULT_POLICIES, Severity

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SEV2 = DEFAULT_POLICIES[Severity.SEV2]
SEV3 = DEFAULT_POLICIES[Severity.SEV3]


def opened(policy: lifecycle.SeverityPolicy = SEV2) -> IncidentState:
    return lifecycle.open_incident(policy=policy, now=T0)[0]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def reach(status: Status, policy: lifecycle.SeverityPolicy = SEV3) -> IncidentState:
    """A state at ``status`` reached by the shortest legal path."""
    state = opened(policy)
    path = {
        Status.TRIGGERED: [],
        Status.ACKNOWLEDGED: [Status.ACKNOWLEDGED],
        Status.INVESTIGATING: [Status.INVESTIGATING],
        Status.IDENTIFIED: [Status.IDENTIFIED],
        Status.MITIGATED: [Status.MITIGATED],
        Status.RESOLVED: [Status.RESOLVED],
        Status.CLOSED: [Status.RESOLVED, Status.CLOSED],
    }[status]
    for minute, target in enumerate(path, start=1):
        state, _ = lifecycle.move(state, target, now=at(minute))
    return state


ALL_MOVES = [(a, b) for a in Status for b in Status]


@pytest.mark.parametrize(("current", "target"), ALL_MOVES)
def test_transition_table_is_enforced(current: Status, target: Status) -> None:
    state = reach(current)
    if target in TRANSITIONS[current]:
        new, event = lifecycle.move(state, target, now=at(10))
        assert new.status is target
        assert event.kind == "status_changed"
        assert event.data == {"from": current.value, "to": target.value}
    else:
        with pytest.raises(IllegalTransition) as caught:
            lifecycle.move(state, target, now=at(10))
        assert caught.value.allowed == TRANSITIONS[current]
        assert f"cannot move from {current} to {target}" in str(caught.value)


def test_closed_is_final() -> None:
    assert TRANSITIONS[Status.CLOSED] == ()


def test_open_records_detection_and_impact() -> None:
    state, event = lifecycle.open_incident(policy=SEV2, now=T0, impact_started_at=at(-30))
    assert state.status is Status.TRIGGERED
    assert state.detected_at == T0
    assert state.impact_started_at == at(-30)
    assert state.next_update_due_at == at(30)
    assert state.learning is LearningState.PENDING
    assert event.kind == "declared"


def test_impact_after_detection_is_clamped_to_detection() -> None:
    state, _ = lifecycle.open_incident(
        policy=SEV2, now=T0, impact_started_at=at(-5), detected_at=at(-10)
    )
    assert state.impact_started_at == state.detected_at == at(-10)


@pytest.mark.parametrize("field", ["impact_started_at", "detected_at"])
def test_future_times_are_refused(field: str) -> None:
    with pytest.raises(InvalidTime, match=field):
        lifecycle.open_incident(policy=SEV2, now=T0, **{field: at(60)})


def test_naive_times_are_refused() -> None:
    with pytest.raises(InvalidTime, match="impact_started_at"):
        lifecycle.open_incident(policy=SEV2, now=T0, impact_started_at=datetime(2026, 1, 1))


def test_timestamps_recorded_along_the_way() -> None:
    state = opened()
    state, _ = lifecycle.move(state, Status.ACKNOWLEDGED, now=at(2))
    state, _ = lifecycle.move(state, Status.MITIGATED, now=at(20))
    state, _ = lifecycle.move(state, Status.RESOLVED, now=at(30))
    assert (state.acknowledged_at, state.mitigated_at, state.resolved_at) == (at(2), at(20), at(30))
    assert state.next_update_due_at is None


def test_resolving_directly_counts_as_acknowledged_and_mitigated() -> None:
    state, _ = lifecycle.move(opened(), Status.RESOLVED, now=at(5))
    assert state.acknowledged_at == state.mitigated_at == state.resolved_at == at(5)


def test_reopening_clears_resolution_but_keeps_first_mitigation() -> None:
    state, _ = lifecycle.move(opened(), Status.RESOLVED, now=at(5))
    state, _ = lifecycle.move(state, Status.INVESTIGATING, now=at(9))
    assert state.resolved_at is None
    assert state.mitigated_at == at(5)


def test_clock_going_backwards_never_moves_timestamps_back() -> None:
    state, _ = lifecycle.move(opened(), Status.ACKNOWLEDGED, now=at(10))
    state, _ = lifecycle.move(state, Status.RESOLVED, now=at(3))
    assert state.resolved_at == at(10)


def test_closing_needs_learning_settled_when_postmortem_required() -> None:
    state = reach(Status.RESOLVED, SEV2)
    with pytest.raises(LearningIncomplete, match="requires a postmortem"):
        lifecycle.move(state, Status.CLOSED, now=at(60))
    with pytest.raises(MissingReason):
        lifecycle.settle_learning(state, LearningState.WAIVED, reason="  ")
    state, event = lifecycle.settle_learning(state, LearningState.WAIVED, reason="duplicate")
    assert event.data["reason"] == "duplicate"
    closed, _ = lifecycle.move(state, Status.CLOSED, now=at(61))
    assert closed.closed_at == at(61)


def test_closing_without_postmortem_requirement() -> None:
    state = reach(Status.RESOLVED, SEV3)
    assert state.learning is LearningState.NOT_REQUIRED
    closed, _ = lifecycle.move(state, Status.CLOSED, now=at(60))
    assert closed.status is Status.CLOSED


def test_severity_change_needs_a_reason_and_follows_the_new_policy() -> None:
    state = opened(SEV3)
    with pytest.raises(MissingReason):
        lifecycle.change_severity(state, SEV2, reason=" ", now=at(1))
    state, event = lifecycle.change_severity(state, SEV2, reason="more users", now=at(1))
    assert state.severity is Severity.SEV2
    assert state.learning is LearningState.PENDING
    assert state.next_update_due_at == at(31)
    assert event.data == {"from": "SEV3", "to": "SEV2", "reason": "more users"}
    with pytest.raises(RuleViolation, match="already SEV2"):
        lifecycle.change_severity(state, SEV2, reason="again", now=at(2))


def test_update_sets_next_due_from_eta_or_cadence() -> None:
    state, _ = lifecycle.post_update(opened(), SEV2, now=at(5), next_update_in=None, content={})
    assert state.next_update_due_at == at(35)
    assert state.last_update_at == at(5)
    state, _ = lifecycle.post_update(
        state, SEV2, now=at(6), next_update_in=timedelta(minutes=5), content={}
    )
    assert state.next_update_due_at == at(11)
    with pytest.raises(InvalidTime, match="next_update_in_minutes"):
        lifecycle.post_update(state, SEV2, now=at(7), next_update_in=timedelta(0), content={})


def test_closed_incident_refuses_updates_and_severity() -> None:
    state = reach(Status.CLOSED)
    with pytest.raises(IncidentClosed):
        lifecycle.post_update(state, SEV3, now=at(9), next_update_in=None, content={})
    with pytest.raises(IncidentClosed):
        lifecycle.change_severity(state, SEV2, reason="x", now=at(9))


# ---------------------------------------------------------------- stateful


class LifecycleMachine(RuleBasedStateMachine):
    """Random command sequences never reach an illegal state, never move a recorded time
    back, and produce exactly one timeline event per accepted command."""

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.state, event = lifecycle.open_incident(policy=SEV3, now=self.now)
        self.timeline = [event]
        self.accepted = 1
        self.history: list[IncidentState] = [self.state]

    def _apply(self, command: object) -> None:
        try:
            self.state, event = command()  # type: ignore[operator]
        except RuleViolation:
            return
        self.accepted += 1
        self.timeline.append(event)
        self.history.append(self.state)

    @rule(minutes=st.integers(min_value=-10, max_value=600))
    def tick(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)  # the clock may even step back

    @rule(target_status=st.sampled_from(Status))
    def move(self, target_status: Status) -> None:
        self._apply(lambda: lifecycle.move(self.state, target_status, now=self.now))

    @rule(severity=st.sampled_from(Severity), reason=st.sampled_from(["", "scope grew"]))
    def change_severity(self, severity: Severity, reason: str) -> None:
        policy = DEFAULT_POLICIES[severity]
        self._apply(
            lambda: lifecycle.change_severity(self.state, policy, reason=reason, now=self.now)
        )

    @rule(eta=st.one_of(st.none(), st.integers(min_value=-5, max_value=120)))
    def update(self, eta: int | None) -> None:
        policy = DEFAULT_POLICIES[self.state.severity]
        delta = None if eta is None else timedelta(minutes=eta)
        self._apply(
            lambda: lifecycle.post_update(
                self.state, policy, now=self.now, next_update_in=delta, content={}
            )
        )

    @rule(outcome=st.sampled_from(LearningState), reason=st.sampled_from([None, "", "not needed"]))
    def settle(self, outcome: LearningState, reason: str | None) -> None:
        self._apply(lambda: lifecycle.settle_learning(self.state, outcome, reason=reason))

    @invariant()
    def one_event_per_accepted_change(self) -> None:
        assert len(self.timeline) == self.accepted

    @invariant()
    def status_matches_its_timestamps(self) -> None:
        s = self.state
        assert (s.acknowledged_at is None) == (s.status is Status.TRIGGERED)
        assert (s.resolved_at is not None) == (s.status in (Status.RESOLVED, Status.CLOSED))
        assert (s.closed_at is not None) == (s.status is Status.CLOSED)
        if s.status in (Status.MITIGATED, Status.RESOLVED, Status.CLOSED):
            assert s.mitigated_at is not None
        if s.status is Status.CLOSED:
            assert s.learning in lifecycle.LEARNING_SETTLED

    @invariant()
    def recorded_times_are_ordered(self) -> None:
        s = self.state
        chain = [s.impact_started_at, s.detected_at, s.acknowledged_at, s.mitigated_at]
        chain += [s.resolved_at, s.closed_at]
        present = [t for t in chain if t is not None]
        assert present == sorted(present)

    @invariant()
    def timestamps_never_go_backwards(self) -> None:
        names = ["acknowledged_at", "mitigated_at", "closed_at", "last_update_at"]
        for before, after in zip(self.history, self.history[1:], strict=False):
            for name in names:
                old, new = getattr(before, name), getattr(after, name)
                if old is not None:
                    assert new is not None and new >= old, name
            if before.resolved_at and after.resolved_at:
                assert after.resolved_at >= before.resolved_at

    @invariant()
    def every_event_matches_the_transition_table(self) -> None:
        for event in self.timeline:
            if event.kind == "status_changed":
                assert Status(event.data["to"]) in TRANSITIONS[Status(event.data["from"])]


LifecycleMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None
)
TestLifecycle = LifecycleMachine.TestCase
