"""The estimate of the abuse stage's tuned logit from the first stage's
features: what a comment the encoder does not read is scored with, and
what ``decisive`` reading decides from."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp

from moderation.learning.abuse_estimate import (
    TunedLogitEstimate,
    estimate_rows,
    tuning_rows,
)
from moderation.learning.examples import LabelledComment
from moderation.learning.splits import CALIBRATION_SHARE, group_of, held_out, in_validation


def synthetic(rows: int = 600, width: int = 200, seed: int = 0):
    """Sparse features and a logit that a few of them decide."""
    rng = np.random.default_rng(seed)
    features = sp.random(rows, width, density=0.1, random_state=seed, format="csr")
    weights = np.zeros(width)
    weights[:20] = rng.normal(0, 3, 20)
    return features, features @ weights - 1.0 + rng.normal(0, 0.1, rows)


def test_the_estimate_follows_the_tuned_logit_on_rows_it_did_not_see():
    features, logits = synthetic()
    estimate = TunedLogitEstimate().fit(features[:400], logits[:400])
    predicted = estimate.predict(features[400:])
    assert np.corrcoef(predicted, logits[400:])[0, 1] > 0.9


def test_the_estimate_is_stored_as_int8_and_scores_the_same_loaded():
    features, logits = synthetic(width=5000)
    estimate = TunedLogitEstimate().fit(features, logits)
    stored = pickle.dumps(estimate)
    loaded = pickle.loads(stored)
    assert loaded.coef_.dtype == np.int8
    # The float32 copy it multiplies with is made on loading, not stored.
    # One byte a weight (half precision would take two).
    assert len(stored) < features.shape[1] * 1.2
    np.testing.assert_array_equal(loaded.predict(features), estimate.predict(features))


def news_rows(count: int = 400) -> list[LabelledComment]:
    return [
        LabelledComment(f"c{i}", f"comment {i}", i % 2, None, f"a{i // 4}", source, None)
        for source in ("c3", "fox")
        for i in range(count)
    ]


def test_the_estimate_is_fitted_on_rows_neither_the_tuning_nor_the_calibration_read():
    comments = news_rows()
    train = [c for c in comments if not held_out(c, 0)]
    calibration = {c for c in train if in_validation(group_of(c), 1, CALIBRATION_SHARE)}
    fit_rows = [c for c in train if c not in calibration]
    assert not calibration & set(tuning_rows(comments, 0))
    # The tuning reads up to PER_SOURCE (4,000) a source: here, every row
    # the estimate could have had.
    assert estimate_rows(comments, fit_rows, 0) == []
    many = news_rows(8000)
    fit_many = [c for c in many if not held_out(c, 0)]
    fit_many = [c for c in fit_many if not in_validation(group_of(c), 1, CALIBRATION_SHARE)]
    chosen = estimate_rows(many, fit_many, 0, limit=500)
    assert len(chosen) == 500
    assert not set(chosen) & set(tuning_rows(many, 0))
    assert set(chosen) <= set(fit_many)


def tiny_word_vectors():
    from moderation.learning.wordvectors import WordVectors

    words = ["idiot", "fool", "council", "budget", "vote", "tax"]
    rng = np.random.default_rng(0)
    vectors = rng.normal(0, 1, (len(words), 8))
    vectors[:2] += 3  # the insults lie together
    return WordVectors(words, vectors, np.ones(len(words)))


def test_the_estimate_reads_the_on_topic_word_vectors_attached_not_stored():
    word_vectors = tiny_word_vectors()
    rng = np.random.default_rng(1)
    texts = [
        " ".join(rng.choice(["idiot", "fool", "council", "budget", "vote", "tax"], 3))
        for _ in range(300)
    ]
    # A verdict only the embedding tells (the sparse features say nothing).
    logits = np.array([3.0 if ("idiot" in t or "fool" in t) else -3.0 for t in texts])
    features = sp.csr_matrix((len(texts), 50), dtype=np.float32)
    estimate = TunedLogitEstimate().fit(features, logits, word_vectors, texts)
    assert estimate.reads_words
    predicted = estimate.predict(features, texts)
    assert np.corrcoef(predicted, logits)[0, 1] > 0.8
    loaded = pickle.loads(pickle.dumps(estimate))
    assert loaded._word_vectors is None
    loaded.attach(word_vectors)
    np.testing.assert_allclose(loaded.predict(features, texts), predicted, rtol=1e-6)
    # A model whose on-topic stage has no word vectors cannot serve it.
    with pytest.raises(ValueError, match="word vectors"):
        pickle.loads(pickle.dumps(estimate)).attach(None)
