from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tocsin.core.severity import (
    DEFAULT_POLICIES,
    PolicyOverrideError,
    Severity,
    UnknownSeverity,
    merge_policies,
    parse_severity,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("SEV1", Severity.SEV1),
        ("sev2", Severity.SEV2),
        ("SEV-3", Severity.SEV3),
        (" SEV4 ", Severity.SEV4),
        ("P0", Severity.SEV1),
        ("p1", Severity.SEV2),
        ("P2", Severity.SEV3),
        ("P3", Severity.SEV4),
        (Severity.SEV2, Severity.SEV2),
    ],
)
def test_parse_accepts_levels_and_aliases(given: object, expected: Severity) -> None:
    assert parse_severity(given) is expected


@pytest.mark.parametrize("given", ["SEV0", "SEV5", "P4", "critical", "", 1, None])
def test_parse_refuses_anything_else(given: object) -> None:
    with pytest.raises(UnknownSeverity, match="accepted: SEV1"):
        parse_severity(given)


@pytest.mark.parametrize(
    ("severity", "name", "alias", "cadence", "ack", "postmortem", "pages", "executives", "means"),
    [
        (Severity.SEV1, "Critical", "P0", 15, 15, True, True, True, "Complete outage"),
        (Severity.SEV2, "High", "P1", 30, 30, True, True, False, "Significant degradation"),
        (Severity.SEV3, "Medium", "P2", 60, None, False, True, False, "Partial impact"),
        (Severity.SEV4, "Low", "P3", None, None, False, False, False, "Minor issue"),
    ],
)  # fmt: skip
def test_default_policies_follow_the_spec(
    severity: Severity,
    name: str,
    alias: str,
    cadence: int | None,
    ack: int | None,
    postmortem: bool,
    pages: bool,
    executives: bool,
    means: str,
) -> None:
    policy = DEFAULT_POLICIES[severity]
    assert (policy.severity, policy.name, policy.alias) == (severity, name, alias)
    assert policy.update_cadence_minutes == cadence
    assert policy.public_ack_minutes == ack
    assert policy.postmortem_required is postmortem
    assert policy.page_on_call is pages
    assert policy.notify_executives is executives
    assert policy.definition.startswith(f"{means} ")  # what the level means, for people
    assert policy.definition.endswith(".")


def test_every_level_has_a_definition_of_its_own() -> None:
    definitions = [DEFAULT_POLICIES[severity].definition for severity in Severity]
    assert len(definitions) == len(set(definitions)) == 4


def test_next_update_due_uses_the_cadence() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert DEFAULT_POLICIES[Severity.SEV1].next_update_due(start) == start + timedelta(minutes=15)
    assert DEFAULT_POLICIES[Severity.SEV4].next_update_due(start) is None


def test_overrides_merge_on_defaults_by_level_or_alias() -> None:
    merged = merge_policies(
        {"P0": {"update_cadence_minutes": 10}, "SEV3": {"postmortem_required": True}}
    )
    assert merged[Severity.SEV1].update_cadence_minutes == 10
    assert merged[Severity.SEV1].public_ack_minutes == 15
    assert merged[Severity.SEV3].postmortem_required is True
    assert merged[Severity.SEV2] == DEFAULT_POLICIES[Severity.SEV2]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SEV9": {}}, "unknown severity"),
        ({"SEV1": {"cadence": 5}}, "unknown policy field"),
    ],
)
def test_bad_overrides_name_the_problem(
    overrides: dict[str, dict[str, object]], message: str
) -> None:
    with pytest.raises(PolicyOverrideError, match=message):
        merge_policies(overrides)
