"""Comments the abuse stage's encoder does not read: scored with the
estimate of its verdict, and, with ``decisive`` reading, read only where
that estimate leaves the decision at the site's thresholds in doubt."""

import dataclasses
import pickle

import numpy as np
import pytest

from moderation.learning.abuse_stage import AbuseStage
from moderation.learning.datasets import read_articles, read_comments
from moderation.learning.scoring import Scorer
from moderation.learning.training import train_models
from tests.abuse_stages import (
    CountingStage,
    fitted_counting_stage,
    logit_of,
    served,
    stage_on,
    train_with_stage,
)
from tests.encoders import tiny_encoder


@pytest.fixture(scope="module")
def trained(data_files):
    return train_with_stage(data_files)


class KnownEstimate:
    """Stands in for a fitted estimate: the "features" are the estimates."""

    def predict(self, features, texts=None):
        return np.asarray(features, dtype=float)


def deciding_stage() -> CountingStage:
    """A stage whose estimate is the tuned logit give or take noise, fitted
    as training fits it."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 2000)
    first = rng.normal(-2 + 3 * labels, 1)
    tuned = rng.normal(-2 + 4 * labels, 1)
    stage = CountingStage()
    stage.estimate = KnownEstimate()
    return stage.fit(first, tuned, labels, tuned + rng.normal(0, 0.5, len(tuned)))


def test_unread_comments_are_scored_with_the_estimate_when_the_stage_has_one():
    stage = deciding_stage()
    first = np.full(2, 0.2)
    scores, read = stage.refine(first, ["a", "b"], read=False, features=[-4.0, 4.0])
    assert not read.any()
    # The same first-stage score; the estimate of the tuned logit tells them apart.
    assert scores[0] < 0.2 < scores[1]
    # Without the features (a caller that has none), the first stage alone.
    alone, _ = stage.refine(first, ["a", "b"], read=False)
    assert alone[0] == alone[1]


def test_decisive_reading_reads_only_comments_near_the_sites_thresholds():
    stage = deciding_stage()
    thresholds = (0.3, 0.9)
    margin = stage.margin_for(thresholds)
    assert 0 < margin < 3
    # Unread logits: far below the hold threshold, at it, far above reject.
    features = [-6.0, 0.0, 8.0]
    first = np.full(3, 0.3)
    unread = stage.unread_logits(np.log(first / (1 - first)), features)
    at_hold = np.log(0.3 / 0.7)
    assert abs(unread[1] - at_hold) < margin < min(abs(unread[0] - at_hold), unread[2] - 2.2)
    texts = ["a", "b idiot", "c"]
    scores, read = stage.refine(first, texts, features=features, deciding=thresholds)
    assert list(read) == [False, True, False]
    assert stage.read == ["b idiot"]
    everything, read_all = stage.refine(first, texts, features=features)
    assert read_all.all()
    assert scores[1] == everything[1]


def test_the_decisive_margin_keeps_disagreement_within_the_allowance():
    from moderation.learning.abuse_estimate import DECISIVE_DISAGREEMENT, decisive_margin

    stage = deciding_stage()
    pairs = stage.decisive_pairs_
    thresholds = (0.3, 0.9)
    margin = decisive_margin(pairs, thresholds)
    cuts = np.log(np.array(thresholds) / (1 - np.array(thresholds)))
    unread, read = pairs[:, 0], pairs[:, 1]
    left = np.abs(unread[:, None] - cuts).min(axis=1) > margin
    differs = np.searchsorted(cuts, unread) != np.searchsorted(cuts, read)
    assert differs[left].sum() <= DECISIVE_DISAGREEMENT * len(pairs)
    # ...and no wider than it needs: one step in, the allowance is exceeded.
    inside = np.abs(unread[:, None] - cuts).min(axis=1) >= margin
    assert differs[inside].sum() > DECISIVE_DISAGREEMENT * len(pairs)
    assert left.mean() > 0.5


def test_a_stage_without_an_estimate_reads_every_comment_when_asked_to_decide(trained):
    models, _ = trained
    scorer = served(models)
    assert scorer.abuse_stage.decides
    old = pickle.loads(pickle.dumps(models["abuse_stage"]))
    old.estimate = None
    before_estimates = Scorer("v", models["abuse"], models["on_topic"], models["second_stage"],
                              None, old)  # fmt: skip
    assert before_estimates.served("all", "decisive", 0.3, (0.5, 0.9)).abuse_deciding == ()
    assert scorer.served("all", "decisive", 0.3, (0.5, 0.9)).abuse_deciding == (0.5, 0.9)


def test_a_stage_pickled_before_the_estimate_scores_unread_comments_as_it_did():
    stage = fitted_counting_stage()
    state = {k: v for k, v in stage.__dict__.items() if k not in ("estimate", "tuned_with")}
    old = AbuseStage.__new__(AbuseStage)
    old.__setstate__({**state, "layers": {}})
    assert not old.decides
    first = np.array([0.05, 0.3, 0.8])
    scores, read = old.refine(first, ["a", "b", "c"], read=False, features=[[1.0]] * 3)
    expected = 1 / (1 + np.exp(-(old.alone_coef_ * logit_of(first) + old.alone_intercept_)))
    np.testing.assert_allclose(scores, expected, atol=1e-9)


def test_the_margin_on_hand_made_rows():
    from moderation.learning.abuse_estimate import decisive_margin

    cut = 0.0  # a threshold of 0.5
    # 400 rows: unread and read agree, except the one nearest the threshold,
    # on its other side. The allowance (0.5% of 400 = 2 rows) leaves it
    # unread: reading is needed nowhere.
    unread = np.concatenate([np.linspace(-4, -0.5, 200), np.linspace(0.5, 4, 199), [0.1]])
    read = unread.copy()
    read[-1] = -0.1
    pairs = np.column_stack([unread, read]).astype(np.float32)
    assert decisive_margin(pairs, (0.5,)) == -np.inf
    # Three rows decided otherwise: the nearest must be read, the margin is
    # its distance from the threshold.
    read[[-1, 199, 200]] = [-0.1, cut + 0.1, cut - 0.1]
    pairs = np.column_stack([unread, read]).astype(np.float32)
    assert decisive_margin(pairs, (0.5,)) == pytest.approx(0.1, abs=1e-6)
    # A score at the threshold is held, as the policy holds at >=: agreeing.
    at = np.array([[0.0, 0.0]] * 10, dtype=np.float32)
    assert decisive_margin(at, (0.5,)) == -np.inf


def test_scorer_variants_are_kept_per_set_of_thresholds(trained):
    scorer = served(trained[0])
    low = scorer.served("all", "decisive", 0.3, (0.2, 0.9))
    high = scorer.served("all", "decisive", 0.3, (0.5, 0.9))
    assert low is not high
    assert (low.abuse_deciding, high.abuse_deciding) == ((0.2, 0.9), (0.5, 0.9))
    assert scorer.served("all", "decisive", 0.3, (0.2, 0.9)) is low
    with pytest.raises(ValueError, match="needs the thresholds"):
        scorer.served("all", "decisive")


def test_an_estimate_trained_with_word_vectors_reads_the_on_topic_ones_when_served(
    tmp_path, data_files
):
    """Trained with the word vectors, the estimate is stored without them
    and reads the on-topic stage's once loaded: a batch's comment scores as
    the trained stage scored it."""
    from tests.test_wordvectors import vectors

    path = tmp_path / "v.npz"
    vectors().save(path)
    comments, articles = data_files
    rows = [dataclasses.replace(c, source="site") for c in read_comments(comments)]
    models, _ = train_models(
        rows,
        read_articles(articles),
        0,
        {"hold_abusive": 0.5, "hold_on_topic": 0.3},
        log=lambda _: None,
        word_vectors=str(path),
        encoder=tiny_encoder(0),
        abuse_stage=stage_on(tiny_encoder(0)),
    )
    trained = models["abuse_stage"]
    assert trained.estimate.reads_words
    texts = ["Talks in Moscow, you idiot", "a football match"]
    normalised = models["abuse"].named_steps["normalise"].transform(texts)
    features = models["abuse"].named_steps["features"].transform(normalised)
    first = models["abuse"].predict_proba(texts)[:, 1]
    expected, _ = trained.refine(first, normalised, read=False, features=features)
    scorer = served(models)
    assert scorer.abuse_stage.estimate._word_vectors is not None
    batch = scorer.without_encoder.score(texts, [None, None])
    np.testing.assert_allclose([s.abusive for s in batch], expected, atol=1e-4)
