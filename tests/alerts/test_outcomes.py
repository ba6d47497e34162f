"""The sentence each outcome shows people (the ingest answer's ``outcome``, the trace's last
step); code reads the fields."""

from __future__ import annotations

import msgspec
import pytest

from tocsin.alerts.outcomes import Outcome, Result

SENTENCES = [
    (Outcome("k", Result.OPENED, incident_id=12), "opened INC-12"),
    (Outcome("k", Result.JOINED, incident_id=12), "joined INC-12"),
    (
        Outcome("k", Result.DEDUPLICATED, incident_id=3, count=7),
        "deduplicated: event 7 of INC-3",
    ),
    (Outcome("k", Result.SILENCED, silence_id=5), "silenced by 5"),
    (
        Outcome("k", Result.NOT_OPENED, detail="now: is in the future"),
        "error: no incident opened: now: is in the future",
    ),
    (Outcome("k", Result.RESOLVED), "resolved"),
    (Outcome("k", Result.RESOLVED, incident_id=4), "resolved (INC-4)"),
    (Outcome("k", Result.ALREADY_RESOLVED), "already resolved"),
    (Outcome("k", Result.ALREADY_RESOLVED, incident_id=4), "already resolved (INC-4)"),
    (Outcome("k", Result.ACKNOWLEDGED), "acknowledged"),
    (Outcome("k", Result.ACKNOWLEDGED, incident_id=4), "acknowledged (INC-4)"),
    (Outcome("k", Result.ALREADY_FIRING, incident_id=4), "already firing"),
    (Outcome("disk-1", Result.IGNORED), "ignored: no open alert with key 'disk-1'"),
]


@pytest.mark.parametrize(("outcome", "sentence"), SENTENCES)
def test_each_result_reads_as_a_sentence(outcome: Outcome, sentence: str) -> None:
    assert outcome.sentence() == sentence


def test_the_answer_carries_the_fields_and_the_sentence() -> None:
    answer = msgspec.json.decode(
        msgspec.json.encode(Outcome("k", Result.JOINED, incident_id=12).answer())
    )
    assert answer == {
        "dedup_key": "k",
        "alert_id": None,
        "result": "joined",
        "incident_id": 12,
        "silence_id": None,
        "outcome": "joined INC-12",
    }


def test_every_result_has_its_own_sentence() -> None:
    assert {outcome.result for outcome, _ in SENTENCES} == set(Result)  # a new one needs a row
    said = {
        Outcome("k", r, incident_id=1, silence_id=1, count=2, detail="x").sentence() for r in Result
    }
    assert len(said) == len(Result)
