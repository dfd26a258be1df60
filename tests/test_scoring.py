"""Scoring with a loaded model: both axes, on texts it never saw."""

import pytest

from moderation.learning import loaded_models
from moderation.learning.artifacts import current_version
from moderation.learning.datasets import read_comments
from tests import sample_data

ARTICLE_TEXT = sample_data.EXAMPLE_ARTICLE["title"] + "\n\n" + sample_data.EXAMPLE_ARTICLE["body"]


@pytest.fixture(autouse=True)
def fresh_cache():
    loaded_models.forget_loaded_models()
    yield
    loaded_models.forget_loaded_models()


def test_scores_are_probabilities_and_on_topic_needs_an_article(model_dir):
    scorer = loaded_models.load_scorer(model_dir)
    texts = [sample_data.EXAMPLE_COMMENTS[0], sample_data.INSULT]
    with_article, without = scorer.score(texts, [ARTICLE_TEXT, None])
    assert 0.0 <= with_article.abusive <= 1.0 and 0.0 <= with_article.on_topic <= 1.0
    assert without.on_topic is None
    assert scorer.version == current_version(model_dir) == "test-model"


def test_the_texts_tests_assert_on_are_not_training_rows(data_files):
    """A model that memorised its rows must not pass the behaviour tests."""
    trained = {_plain(c.text) for c in read_comments(data_files[0])}
    assert len(trained) == len(sample_data.labelled_comments())
    for text in sample_data.ASSERTED:
        assert _plain(text) not in trained, text
        assert not any(_plain(text) in row or row in _plain(text) for row in trained), text


def _plain(text):
    return " ".join(text.lower().split())


def test_tiny_model_generalises_to_texts_it_never_saw(model_dir):
    scorer = loaded_models.load_scorer(model_dir)
    insult, polite = scorer.score([sample_data.INSULT, sample_data.POLITE], [None, None])
    assert insult.abusive > polite.abusive
    spam, relevant = scorer.score(
        [sample_data.SPAM, sample_data.EXAMPLE_COMMENTS[1]], [ARTICLE_TEXT, ARTICLE_TEXT]
    )
    assert relevant.on_topic > spam.on_topic


def test_many_distinct_articles_score_as_one_at_a_time(model_dir):
    """Scoring keeps recent articles' vectors; a batch of more articles than
    it keeps must still give each comment its own article's score."""
    scorer = loaded_models.load_scorer(model_dir)
    articles = [f"{ARTICLE_TEXT} number {i} " + "budget " * (i % 7) for i in range(300)]
    texts = [sample_data.EXAMPLE_COMMENTS[i % 2] for i in range(300)]
    together = scorer.score(texts, articles)
    again = scorer.score(texts, articles)
    alone = [scorer.score([texts[i]], [articles[i]])[0] for i in (0, 150, 299)]
    assert together == again
    assert [together[i] for i in (0, 150, 299)] == alone
