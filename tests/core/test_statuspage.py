"""The status page's rules: component status from open incidents, and the page indicator."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tocsin.core.severity import Severity
from tocsin.core.statuspage import (
    DEFAULT_RULE,
    ComponentStatus,
    Impact,
    Indicator,
    PublicTemplate,
    component_status,
    compose_update,
    indicator,
)

C = ComponentStatus


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ([], C.OPERATIONAL),
        ([Severity.SEV4], C.OPERATIONAL),
        ([Severity.SEV3], C.DEGRADED_PERFORMANCE),
        ([Severity.SEV2], C.PARTIAL_OUTAGE),
        ([Severity.SEV1], C.MAJOR_OUTAGE),
        ([Severity.SEV3, Severity.SEV1, Severity.SEV2], C.MAJOR_OUTAGE),  # the worst wins
    ],
)
def test_the_default_rule(severities: list[Severity], expected: ComponentStatus) -> None:
    assert component_status(severities, DEFAULT_RULE) is expected


def test_a_rule_is_settable_and_a_hand_set_status_wins() -> None:
    rule = {**DEFAULT_RULE, Severity.SEV2: C.MAJOR_OUTAGE}
    assert component_status([Severity.SEV2], rule) is C.MAJOR_OUTAGE
    assert component_status([Severity.SEV1], rule, override=C.UNDER_MAINTENANCE) is (
        C.UNDER_MAINTENANCE
    )
    assert component_status([], rule, override=C.DEGRADED_PERFORMANCE) is C.DEGRADED_PERFORMANCE


@pytest.mark.parametrize(
    ("components", "impacts", "expected", "description"),
    [
        ([], [], Indicator.NONE, "All Systems Operational"),
        ([C.OPERATIONAL], [Impact.NONE], Indicator.NONE, "All Systems Operational"),
        ([C.UNDER_MAINTENANCE], [], Indicator.MAINTENANCE, "Service Under Maintenance"),
        ([C.UNDER_MAINTENANCE, C.DEGRADED_PERFORMANCE], [], Indicator.MINOR, None),
        ([C.DEGRADED_PERFORMANCE], [], Indicator.MINOR, "Minor Service Outage"),
        ([C.PARTIAL_OUTAGE], [], Indicator.MAJOR, "Partial System Outage"),
        ([C.MAJOR_OUTAGE], [], Indicator.CRITICAL, "Major System Outage"),
        ([C.OPERATIONAL], [Impact.MINOR], Indicator.MINOR, None),
        ([C.DEGRADED_PERFORMANCE], [Impact.CRITICAL], Indicator.CRITICAL, None),
        ([C.MAJOR_OUTAGE], [Impact.MINOR], Indicator.CRITICAL, None),
        ([C.UNDER_MAINTENANCE], [Impact.MAJOR], Indicator.MAJOR, None),
    ],
)
def test_the_indicator_is_the_worst_of_components_and_incidents(
    components: list[ComponentStatus],
    impacts: list[Impact],
    expected: Indicator,
    description: str | None,
) -> None:
    found, text = indicator(components, impacts)
    assert found is expected
    if description:
        assert text == description


def test_a_templated_update_reads_as_four_paragraphs_with_the_next_update_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    parts = PublicTemplate(
        acknowledgement=" We are aware that some payments fail. ",
        impact="About 1 in 10 card payments in the EU is declined.",
        action="We are rolling back this morning's release.",
        next_update_at=datetime(2026, 12, 1, 11, 30, tzinfo=paris),
    )
    assert compose_update(parts) == (
        "We are aware that some payments fail.\n\n"
        "About 1 in 10 card payments in the EU is declined.\n\n"
        "We are rolling back this morning's release.\n\n"
        "Next update by 10:30 UTC (2026-12-01)."
    )
    without = PublicTemplate("We know.", "Everyone.", "Fixing.", None)
    assert compose_update(without) == "We know.\n\nEveryone.\n\nFixing."
