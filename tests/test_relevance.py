"""The on-topic model applied directly gives the probability the fitted
pipeline gives: the service scores with the one, training, evaluation and
the gate with the other, and a site must get the same decision from both."""

import numpy as np
import pytest
import sklearn

from moderation.config import PROJECT_ROOT
from moderation.learning.artifacts import current_version
from moderation.learning.loaded_models import load_scorer
from moderation.learning.relevance import RelevanceWeights
from tests import sample_data
from tests.test_wordvectors import on_topic_model_with_vectors

ARTICLE = sample_data.EXAMPLE_ARTICLE["title"] + "\n\n" + sample_data.EXAMPLE_ARTICLE["body"]
OTHER = sample_data.ARTICLES[-1]["title"] + "\n\n" + sample_data.ARTICLES[-1]["body"]
COMMENTS = [
    *sample_data.ASSERTED,
    "",
    "the of and a",  # stop-words only: no vocabulary term
    "Ｔｈｅ ｃｏｕｎｃｉｌ zero\u200bwidth soft\u00adhyphen",
    "The Kremlin will sign the deal in Moscow; the penalty goal was late.",
    "win win win free iphone http://spam.example/win " * 20,
    # Two lines, each also a line of a thread below: read whole as a comment.
    "Parking downtown is a nightmare already.\nThe budget vote was late; budget cuts.",
    "Ünïcödé, émojis 🙂 and 数字 mixed with council budget words",
]
THREADS = [
    None,
    "",
    "Parking downtown is a nightmare already.",
    # As the service joins a thread: its comments, one per line.
    "\n".join([sample_data.POLITE, "Parking downtown is a nightmare already.", COMMENTS[-1]]),
    # Words repeated within a comment and across the thread's comments.
    "Council budget, council vote: the council again.\nThe budget vote was late; budget cuts.",
]


def items():
    return [
        (comment, article, thread) if thread is not None else (comment, article)
        for comment in COMMENTS
        for article in (ARTICLE, OTHER)
        for thread in THREADS
    ]


def assert_same_as_pipeline(pipeline):
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        expected = pipeline.predict_proba(items())[:, 1]
    weights = RelevanceWeights(pipeline)
    # A batch's comments are scored together, a single post's alone.
    together = weights.probabilities(items())
    alone = np.array([weights.probability(*item) for item in items()])
    # Any iterable of items, as the pipeline takes.
    np.testing.assert_array_equal(weights.probabilities(iter(items())), together)
    # Float rounding only: four decimals are what the service reports.
    assert np.abs(together - expected).max() < 1e-6
    assert np.abs(alone - expected).max() < 1e-6
    # ...and the comparison is not vacuous: the items do differ in score.
    assert expected.max() - expected.min() > 0.1


def test_same_as_the_test_models_pipeline(model_dir):
    assert_same_as_pipeline(load_scorer(model_dir, "test-model", keep=False).on_topic)


def test_same_with_word_vectors(tmp_path, data_files):
    assert_same_as_pipeline(on_topic_model_with_vectors(tmp_path, data_files))


def test_same_as_the_shipped_models_pipeline():
    shipped = PROJECT_ROOT / "models"
    if current_version(shipped) is None:
        pytest.skip("no shipped model")
    assert_same_as_pipeline(load_scorer(shipped, keep=False).on_topic)


def test_an_article_is_read_once_and_kept_among_recent_ones(model_dir):
    weights = RelevanceWeights(load_scorer(model_dir, "test-model", keep=False).on_topic)
    for comment in COMMENTS:
        weights.probability(comment, ARTICLE, sample_data.POLITE)
    info = weights.context.cache_info()
    assert (info.misses, info.hits) == (1, len(COMMENTS) - 1), "threads are not kept"


def test_a_margin_beyond_floating_point_range_still_gives_a_probability(model_dir):
    weights = RelevanceWeights(load_scorer(model_dir, "test-model", keep=False).on_topic)
    for intercept, expected in ((-1000.0, 0.0), (1000.0, 1.0)):
        weights.intercept = intercept
        assert weights.probability(sample_data.POLITE, ARTICLE) == pytest.approx(expected)
