"""The on-topic transformer's LSA topics: stored at half width, scoring
exactly as trained; one fitted by an earlier release compacted on request."""

import pickle

import numpy as np

from tests.test_wordvectors import on_topic_model_with_vectors

ITEMS = [
    ("The Kremlin will sign", "Moscow and Islamabad agree on talks", ""),
    ("buy cheap watches", "The council votes on the school budget", "a reply"),
]


def test_a_pickled_transformer_scores_as_it_did_when_trained(tmp_path, data_files):
    model = on_topic_model_with_vectors(tmp_path, data_files)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict_proba(ITEMS), model.predict_proba(ITEMS))
    features = model.named_steps["features"]
    full_width = len(pickle.dumps(dict(features.__dict__)))
    assert len(pickle.dumps(features)) < full_width - features.topics_.nbytes // 3


def test_compact_rounds_full_width_topics_and_keeps_the_scores_close(tmp_path, data_files):
    model = on_topic_model_with_vectors(tmp_path, data_files)
    features = model.named_steps["features"]
    features.topics_ = features.topics_ * np.float32(1.0001)  # not float16 numbers
    before = model.predict_proba(ITEMS)
    features.compact()
    assert np.array_equal(features.topics_, features.topics_.astype(np.float16).astype(np.float32))
    np.testing.assert_allclose(model.predict_proba(ITEMS), before, atol=1e-3)
