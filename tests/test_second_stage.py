"""The on-topic second stage: how it weighs the first stage against sentence
similarity, and that the encoder reads only the comments it could change."""

import pickle

import numpy as np
import pytest

from moderation.learning.encoder import MAX_TOKENS
from moderation.learning.second_stage import (
    COMMENT_TOKENS,
    LEGACY_COMMENT_TOKENS,
    THRESHOLDS_SERVED,
    SecondStage,
    fit_second_stage,
    logit,
)
from tests.encoders import tiny_encoder


class CountingEncoder:
    """Stands in for the sentence encoder: counts what it reads, and says a
    comment is like its article when they share their first word."""

    def __init__(self):
        self.read = []
        self.limits = {}

    def encode(self, texts, limit=None, shared=None):
        self.read.extend(texts)
        self.limits.update((text, limit) for text in texts)
        return np.array([[1.0, 0.0] if t.split()[0] == "budget" else [0.0, 1.0] for t in texts])


def fitted(encoder=None) -> SecondStage:
    rng = np.random.default_rng(0)
    n = 600
    labels = rng.integers(0, 2, n)
    # The first stage is weakly right; similarity is strongly right.
    first = rng.normal(0, 1, n) + 0.5 * (2 * labels - 1)
    similarity = np.clip(rng.normal(0.2 + 0.4 * labels, 0.1), -1, 1)
    return SecondStage(encoder or CountingEncoder()).fit(first, similarity, labels)


def test_fit_learns_to_trust_similarity_where_it_predicts_the_label():
    stage = fitted()
    assert stage.coef_[0] > 0 and stage.coef_[1] > 1.0
    low, high = stage.band_
    # Where a typical comment would cross each served threshold lies inside
    # the band, with room on both sides for less and more similar ones.
    for threshold in THRESHOLDS_SERVED:
        crossing = (
            logit(threshold) - stage.intercept_ - stage.coef_[1] * stage.typical_similarity_
        ) / stage.coef_[0]
        assert low + 0.5 < crossing < high - 0.5


def test_the_encoder_reads_only_comments_inside_the_band():
    encoder = CountingEncoder()
    stage = fitted(encoder)
    low, high = stage.band_
    sure_no, unsure, sure_yes = (
        1 / (1 + np.exp(-z)) for z in (low - 3, (low + high) / 2, high + 3)
    )
    probabilities, read = stage.refine(
        [sure_no, unsure, sure_yes],
        ["budget one", "budget two", "budget three"],
        ["budget article", "budget article", "budget article"],
    )
    assert list(read) == [False, True, False]
    assert encoder.read == ["budget two", "budget article"]
    # Outside the band the decision at every served threshold is the first
    # stage's: the typical similarity cannot carry a score across.
    assert probabilities[0] < THRESHOLDS_SERVED[0] and probabilities[2] > THRESHOLDS_SERVED[1]


def test_for_one_threshold_the_encoder_reads_fewer_comments_and_decides_the_same():
    stage = fitted()
    threshold = 0.3
    low, high = stage.band_for((threshold,))
    assert stage.band_[0] < low < high < stage.band_[1]
    # Wherever a comment lies outside the narrower band, no usual similarity
    # (the fitting pairs' 2nd to 98th percentile) moves its score across
    # the threshold: reading it would not change the decision.
    usual = np.array(stage.reach_) / stage.coef_[1]
    outside = [np.linspace(low - 3, low - 1e-6, 20), np.linspace(high + 1e-6, high + 3, 20)]
    for z in np.concatenate(outside):
        finals = 1 / (1 + np.exp(-stage.final_logits([z] * 2, usual)))
        typical = 1 / (1 + np.exp(-stage.final_logits(z, stage.typical_similarity_)))
        assert set(finals < threshold) == {typical < threshold}
    # Inside it, some usual similarity does.
    middle = 1 / (1 + np.exp(-stage.final_logits([(low + high) / 2] * 2, usual)))
    assert set(middle < threshold) == {True, False}


def test_a_threshold_of_0_or_1_has_no_comment_read():
    # Nothing is held under 0 and everything under 1: no reading changes that.
    stage = fitted()
    z = np.linspace(-20, 20, 41)
    assert not stage.in_band(z, stage.band_for((0.0,))).any()
    assert not stage.in_band(z, stage.band_for((1.0,))).any()


def test_a_similarity_that_counts_against_the_label_narrows_the_band_the_same_way():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 600)
    first = rng.normal(0, 1, 600) + 0.5 * (2 * labels - 1)
    similarity = np.clip(rng.normal(0.6 - 0.4 * labels, 0.1), -1, 1)  # reversed
    stage = SecondStage(CountingEncoder()).fit(first, similarity, labels)
    assert stage.coef_[1] < 0 and stage.reach_[0] < stage.reach_[1]
    low, high = stage.band_for((0.3,))
    usual = np.array(stage.reach_) / stage.coef_[1]
    for z in (low - 0.5, high + 0.5):
        finals = 1 / (1 + np.exp(-stage.final_logits([z] * 2, usual)))
        assert len(set(finals < 0.3)) == 1
    middle = 1 / (1 + np.exp(-stage.final_logits([(low + high) / 2] * 2, usual)))
    assert set(middle < 0.3) == {True, False}


def test_a_comment_outside_the_band_for_a_threshold_is_not_read():
    encoder = CountingEncoder()
    stage = fitted(encoder)
    low, high = stage.band_for((0.3,))
    between = 1 / (1 + np.exp(-(high + stage.band_[1]) / 2))  # in band_, not in this band
    _, read = stage.refine([between], ["budget one"], ["budget article"], band=(low, high))
    assert list(read) == [False] and encoder.read == []
    _, read = stage.refine([between], ["budget one"], ["budget article"])
    assert list(read) == [True]


def pickled_before(stage: SecondStage, attribute: str) -> SecondStage:
    """``stage`` as unpickled from a version that did not have ``attribute``."""
    state = stage.__getstate__()
    del state[attribute]
    restored = SecondStage.__new__(SecondStage)
    restored.__setstate__(state)
    return restored


def test_a_stage_pickled_before_its_reach_was_kept_recovers_it_from_its_band():
    stage = fitted(CountingEncoder())
    restored = pickled_before(stage, "reach_")
    assert restored.reach_ == pytest.approx(stage.reach_)
    assert restored.band_for((0.3,)) == pytest.approx(stage.band_for((0.3,)))


def test_similar_comments_score_higher_than_dissimilar_ones_in_the_band():
    stage = fitted()
    middle = 1 / (1 + np.exp(-sum(stage.band_) / 2))
    probabilities, _ = stage.refine(
        [middle, middle], ["budget talk", "cheap watches"], ["budget article", "budget article"]
    )
    assert probabilities[0] > probabilities[1] + 0.2


def test_articles_are_encoded_once_for_many_comments():
    encoder = CountingEncoder()
    stage = fitted(encoder)
    middle = 1 / (1 + np.exp(-sum(stage.band_) / 2))
    stage.refine([middle] * 3, ["budget a", "budget b", "budget c"], ["budget article"] * 3)
    assert encoder.read.count("budget article") == 1


def test_a_first_stage_that_adds_nothing_has_every_comment_read():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 400)
    first = -(2 * labels - 1) + rng.normal(0, 0.5, 400)  # the first stage is backwards
    encoder = CountingEncoder()
    stage = SecondStage(encoder).fit(first, rng.normal(0, 0.1, 400), labels)
    _, read = stage.refine([0.001, 0.5, 0.999], ["a", "b", "c"], ["x", "x", "x"])
    assert read.all() and encoder.read == ["a", "b", "c", "x"]
    # For one threshold too, and after a round trip through an old pickle.
    assert stage.band_for((0.3,)) == (-np.inf, np.inf)
    assert pickled_before(stage, "reach_").band_for((0.3,)) == (-np.inf, np.inf)


def test_comments_are_read_up_to_comment_tokens_and_articles_whole():
    encoder = CountingEncoder()
    stage = fitted(encoder)
    middle = 1 / (1 + np.exp(-sum(stage.band_) / 2))
    stage.refine([middle], ["budget talk"], ["budget article"])
    assert encoder.limits["budget talk"] == COMMENT_TOKENS < MAX_TOKENS
    assert encoder.limits["budget article"] in (None, MAX_TOKENS)


def test_a_long_comment_is_judged_by_its_first_comment_tokens_pieces():
    stage = fitted(tiny_encoder())
    opening = "the budget vote " * 60
    middle = 1 / (1 + np.exp(-sum(stage.band_) / 2))
    same_start, different_start = stage.refine(
        [middle] * 2,
        [opening + "buy cheap now " * 40, opening + "the council tax"],
        ["the council"] * 2,
    )[0]
    assert same_start == pytest.approx(different_start, abs=1e-6)
    whole = SecondStage(stage.encoder, comment_tokens=MAX_TOKENS)
    whole.__dict__.update({k: v for k, v in stage.__dict__.items() if k.endswith("_")})
    cut, read_whole = whole.refine(
        [middle] * 2, [opening + "buy cheap now " * 40, opening], ["the council"] * 2
    )[0]
    assert cut != pytest.approx(read_whole, abs=1e-6)


def test_a_stage_pickled_before_comments_were_cut_reads_them_whole():
    restored = pickled_before(fitted(CountingEncoder()), "comment_tokens")
    assert restored.comment_tokens == LEGACY_COMMENT_TOKENS == 256


def test_pickled_stage_scores_the_same():
    stage = fitted(tiny_encoder())
    restored = pickle.loads(pickle.dumps(stage))
    middle = 1 / (1 + np.exp(-sum(stage.band_) / 2))
    args = ([middle, 0.5], ["the budget vote", "buy cheap now"], ["the council"] * 2)
    assert np.array_equal(stage.refine(*args)[0], restored.refine(*args)[0])


def test_recommended_threshold_holds_as_many_on_topic_comments_as_the_first_stage_did():
    rng = np.random.default_rng(2)
    n = 800
    labels = rng.integers(0, 2, n)
    first = 1 / (1 + np.exp(-(rng.normal(0, 1.2, n) + 0.8 * (2 * labels - 1))))
    # Comments under their own article start with "budget" more often.
    pairs = [
        ("budget talk" if rng.random() < 0.3 + 0.5 * y else "other talk", "budget article", None)
        for y in labels
    ]
    stage, facts = fit_second_stage(CountingEncoder(), first, pairs, labels, 0.3)
    own = labels == 1
    comments = [pairs[i][0] for i in np.flatnonzero(own)]
    probabilities, _ = stage.refine(first[own], comments, ["budget article"] * len(comments))
    held_now = np.mean(probabilities < facts["recommended_hold_on_topic"])
    assert facts["own_article_held"]["share"] == pytest.approx(np.mean(first[own] < 0.3), abs=1e-4)
    assert held_now == pytest.approx(facts["own_article_held"]["share"], abs=2 / own.sum())
    # At that equal cost, the second stage catches more comments of other articles.
    caught = facts["other_article_held"]
    assert caught["second_stage"] > caught["first_stage"]
