"""The policy: scores in, a status with reasons out."""

import pytest

from moderation.orm import Status
from moderation.policy import Thresholds, decide

DEFAULT = Thresholds()


@pytest.mark.parametrize(
    "abusive, on_topic, status, reasons",
    [
        (0.1, 0.9, Status.APPROVED, []),
        (0.95, 0.9, Status.REJECTED, ["abusive"]),
        (0.9, 0.1, Status.REJECTED, ["abusive"]),
        (0.6, 0.9, Status.PENDING, ["abusive"]),
        (0.5, 0.9, Status.PENDING, ["abusive"]),
        (0.1, 0.2, Status.PENDING, ["off_topic"]),
        (0.6, 0.2, Status.PENDING, ["abusive", "off_topic"]),
        (0.1, None, Status.PENDING, ["unknown_article"]),
        (None, None, Status.PENDING, ["scoring_error"]),
        (0.49, 0.3, Status.APPROVED, []),
    ],
)
def test_decisions_follow_the_thresholds(abusive, on_topic, status, reasons):
    decision = decide(abusive, on_topic, DEFAULT)
    assert decision.status == status
    assert decision.reasons == reasons


def test_premoderation_holds_clean_comments_but_still_rejects_clear_abuse():
    strict = Thresholds(premoderation=True)
    assert decide(0.1, 0.9, strict).status == Status.PENDING
    assert decide(0.1, 0.9, strict).reasons == ["premoderation"]
    assert decide(0.99, 0.9, strict).status == Status.REJECTED


def test_thresholds_are_configurable():
    lenient = Thresholds(reject_abusive=0.99, hold_abusive=0.8, hold_on_topic=0.1)
    assert decide(0.7, 0.2, lenient).status == Status.APPROVED


@pytest.mark.parametrize(
    "values", [{"reject_abusive": 1.5}, {"hold_on_topic": -0.1}, {"hold_abusive": 0.95}]
)
def test_impossible_thresholds_are_refused(values):
    with pytest.raises(ValueError):
        Thresholds(**values)
