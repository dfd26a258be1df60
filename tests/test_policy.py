"""The policy: scores in, a status with reasons out."""

import dataclasses

import pytest

from moderation.domain.orm import Status
from moderation.domain.policy import STANDINGS, PolicyDecision, Thresholds, decide, describe

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


@pytest.mark.parametrize("name", ["reject_abusive", "hold_abusive", "hold_on_topic"])
def test_every_threshold_may_be_anything_from_0_to_1(name):
    bounds = {"reject_abusive": 1.0} if name == "hold_abusive" else {}
    assert getattr(Thresholds(**{**bounds, name: 1.0}), name) == 1.0
    low = {"hold_abusive": 0.0} if name == "reject_abusive" else {}
    assert getattr(Thresholds(**{**low, name: 0.0}), name) == 0.0
    for outside in (-0.01, 1.01):
        with pytest.raises(ValueError, match=f"^threshold {name} must be between 0 and 1$"):
            Thresholds(**{name: outside})


def test_hold_may_equal_reject_but_not_exceed_it():
    assert Thresholds(hold_abusive=0.9, reject_abusive=0.9).hold_abusive == 0.9
    with pytest.raises(ValueError, match="^hold_abusive must not be above reject_abusive$"):
        Thresholds(hold_abusive=0.91, reject_abusive=0.9)


def test_defaults_and_settings_from_the_configuration():
    assert Thresholds().to_json() == {
        "reject_abusive": 0.9,
        "hold_abusive": 0.5,
        "hold_on_topic": 0.3,
        "premoderation": False,
        "report_threshold": 3,
        "reject_banned": True,
        "hold_spam": 0.5,
    }
    config = {
        "MODERATION_REJECT_ABUSIVE": 0.95,
        "MODERATION_HOLD_ABUSIVE": 0.6,
        "MODERATION_HOLD_ON_TOPIC": 0.2,
        "MODERATION_PREMODERATION": True,
        "MODERATION_REPORT_THRESHOLD": 5,
        "MODERATION_BANNED_AUTHORS": "hold",
        "MODERATION_HOLD_SPAM": 0.7,
    }
    assert Thresholds.from_config(config) == Thresholds(0.95, 0.6, 0.2, True, 5, False, 0.7)


def test_thresholds_cannot_be_changed_once_made():
    # One Thresholds is shared by every request of a worker.
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.hold_abusive = 0.1
    with pytest.raises(dataclasses.FrozenInstanceError):
        decide(0.1, 0.9, DEFAULT).status = Status.REJECTED


def test_a_decision_without_reasons_has_an_empty_list_of_its_own():
    first, second = PolicyDecision(Status.APPROVED), PolicyDecision(Status.APPROVED)
    assert first.reasons == [] and first.reasons is not second.reasons


def test_the_policy_as_a_site_reads_it():
    text = "Comments are welcome."
    assert describe(Thresholds(0.95, 0.6, 0.25, True, 2, False, 0.8), text) == {
        "policy": text,
        "thresholds": {
            "reject_abusive": 0.95,
            "hold_abusive": 0.6,
            "hold_on_topic": 0.25,
            "premoderation": True,
            "report_threshold": 2,
            "reject_banned": False,
            "hold_spam": 0.8,
        },
        "rules": [
            "an author the moderators banned: hold",
            "an author the moderators trust: approve unless abusive >= 0.95",
            "reject when abusive >= 0.95",
            "hold when abusive >= 0.6",
            "hold when on_topic < 0.25",
            "hold when spam >= 0.8",
            "hold when the article is unknown or scoring fails",
            "hold everything when premoderation is on",
            "otherwise approve",
            "later, a published comment reported by 2 readers goes back to the queue",
        ],
        "reasons": {
            "abusive": "The comment is likely abusive.",
            "off_topic": "The comment is likely not about the article.",
            "spam": "The comment is likely spam (advertising, links, self-promotion).",
            "unknown_article": "The article is not known, so relevance cannot be judged.",
            "scoring_error": "The comment could not be scored; a moderator must decide.",
            "premoderation": "Pre-moderation is on: every comment waits for a moderator.",
            "author_trusted": "Moderators trust the author: published unless clearly abusive.",
            "author_banned": "Moderators have banned the author at this site.",
            "reported": "Readers reported the comment: withdrawn (or kept back) until a"
            " moderator decides.",
        },
    }


def test_a_spam_score_at_the_threshold_holds_the_comment_as_spam():
    thresholds = Thresholds(hold_spam=0.6)
    assert decide(0.1, 0.9, thresholds, spam=0.6) == PolicyDecision(Status.PENDING, ["spam"])
    assert decide(0.1, 0.9, thresholds, spam=0.59).status == Status.APPROVED
    assert decide(0.1, 0.9, thresholds, spam=None).status == Status.APPROVED
    # Spam under an unrelated article is held for both reasons.
    assert decide(0.1, 0.1, thresholds, spam=0.9).reasons == ["off_topic", "spam"]


def test_each_standing_moderators_can_give_is_one_the_policy_acts_on():
    """The standings offered to moderators (and checked when they set one)."""
    assert {standing: decide(0.1, 0.9, DEFAULT, standing) for standing in STANDINGS} == {
        "normal": PolicyDecision(Status.APPROVED, []),
        "trusted": PolicyDecision(Status.APPROVED, ["author_trusted"]),
        "banned": PolicyDecision(Status.REJECTED, ["author_banned"]),
    }


def test_a_comment_readers_reported_while_held_is_never_approved_by_the_model():
    thresholds = Thresholds(report_threshold=2)
    assert decide(0.1, 0.9, thresholds, reports=1).status == Status.APPROVED
    reported = decide(0.1, 0.9, thresholds, reports=2)
    assert (reported.status, reported.reasons) == (Status.PENDING, ["reported"])
    # Trusted authors too; a rejection or a hold stands as the policy made it.
    assert decide(0.1, 0.9, thresholds, "trusted", reports=3).reasons == ["reported"]
    assert decide(0.99, 0.9, thresholds, reports=3).status == Status.REJECTED
    assert decide(0.1, 0.1, thresholds, reports=3).reasons == ["off_topic"]
