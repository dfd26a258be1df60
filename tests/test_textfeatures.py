"""The abuse model's features and heads: what scoring relies on."""

import numpy as np
import pytest

from moderation.learning.textfeatures import HashedNgrams, LinearAttributes, TextNormaliser

TEXTS = [
    "you are an idiot",
    "the council passed the budget",
    "idiot idiot idiot",
    "",
    "a budget, and an idiot!",
]


def test_a_text_has_the_same_features_alone_or_in_a_batch():
    features = HashedNgrams().fit(TEXTS)
    together = features.transform(TEXTS).toarray()
    for i, text in enumerate(TEXTS):
        assert np.allclose(features.transform([text]).toarray()[0], together[i])


def test_each_block_is_unit_length_and_empty_text_has_no_features():
    features = HashedNgrams().fit(TEXTS)
    matrix = features.transform(TEXTS)
    words = matrix[:, : features.word_features].toarray()
    chars = matrix[:, features.word_features :].toarray()
    for block in (words, chars):
        norms = np.linalg.norm(block, axis=1)
        assert np.allclose(norms[[0, 1, 2, 4]], 1.0)
        assert norms[3] == 0.0


def test_vocabulary_of_the_training_texts_resolves_disguises():
    normaliser = TextNormaliser(min_count=1).fit(["you are stupid", "stupid people"])
    assert normaliser.transform(["you are st*pid", "stuuupid"]) == ["you are stupid", "stupid"]


def test_heads_answer_per_attribute_and_the_first_is_predict_proba():
    rng = np.random.default_rng(0)
    heads = LinearAttributes(
        names=["TOXICITY", "INSULT"],
        coef=rng.normal(size=(5, 2)),
        intercept=[0.1, -0.2],
        scale=[1.5, 0.7],
        shift=[-0.3, 0.2],
    ).fit()
    X = rng.normal(size=(4, 5))
    attributes = heads.predict_attributes(X)
    assert set(attributes) == {"TOXICITY", "INSULT"}
    expected = 1 / (1 + np.exp(-((X @ heads.coef_[:, 1] - 0.2) * 0.7 + 0.2)))
    assert np.allclose(attributes["INSULT"], expected, atol=1e-6)
    assert np.allclose(heads.predict_proba(X)[:, 1], attributes["TOXICITY"])


@pytest.mark.parametrize("text", ["a-" * 9990 + " x.com", "\u200b" * 20000, "!" * 20000])
def test_pathological_texts_get_features(text):
    features = HashedNgrams().fit(TEXTS)
    assert features.transform([text]).shape[0] == 1
