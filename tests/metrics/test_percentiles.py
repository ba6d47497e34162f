"""p50 and p90 stay the exact nearest-rank values whatever the sampled brackets guess
(PostgreSQL picks them from a bracket and falls back to ``percentile_disc`` when the bracket
misses; SQLite ranks every value): the same hand-computed numbers with brackets that hold the
rank, brackets above or below every value, and empty ones."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.conftest import Api, TestClock
from tests.metrics.test_report import by_label, report, three_incidents
from tocsin.core import metrics as core
from tocsin.metrics import percentiles


def _tight(sample: Sequence[float], percent: float) -> tuple[float, float]:
    return core.bracket(sample, percent, z=0)  # from every value (below): barely wide


BRACKETS = {
    "tight": _tight,
    "above every value": lambda sample, percent: (1e12, 2e12),
    "below every value": lambda sample, percent: (-2e12, -1e12),
    "empty": lambda sample, percent: (1.0, 0.0),
    "one value": lambda sample, percent: (sample[0], sample[0]) if sample else (0.0, 0.0),
}


@pytest.mark.parametrize("guess", list(BRACKETS))
def test_percentiles_are_exact_whatever_the_bracket(
    api: Api, clock: TestClock, monkeypatch: pytest.MonkeyPatch, guess: str
) -> None:
    monkeypatch.setattr(percentiles, "SAMPLE_PERCENT", 100.0)  # every page: every value
    monkeypatch.setattr(core, "BRACKET_MIN_SAMPLE", 1)
    monkeypatch.setattr(percentiles, "bracket", BRACKETS[guess])
    made = three_incidents(api, clock)
    for group_by in ("severity", "service", "team", "none"):
        found = report(api, made["window"], group_by=group_by)
        total = found["total"]
        assert (total["mtta"]["p50"], total["mtta"]["p90"]) == (180.0, 300.0), group_by
        assert (total["mttm"]["p50"], total["mttm"]["p90"]) == (1500.0, 3600.0), group_by
        assert (total["mttd"]["p50"], total["mttd"]["p90"]) == (120.0, 600.0), group_by
    sev2 = by_label(report(api, made["window"], group_by="severity"))["SEV2"]
    assert (sev2["mttm"]["p50"], sev2["mttm"]["p90"]) == (1500.0, 3600.0)
    services = by_label(report(api, made["window"], group_by="service"))
    a, b = (services[s] for s in made["svc"])
    assert (a["mttd"]["p50"], a["mttd"]["p90"]) == (120.0, 600.0)  # A 600 s, C 120 s
    assert (b["mtta"]["p50"], b["mtta"]["p90"]) == (180.0, 180.0)  # B only: C not acked
