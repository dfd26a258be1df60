"""Static word vectors: embedding texts, persistence, use in the on-topic model."""

import pickle

import numpy as np

from moderation.learning.datasets import read_articles, read_comments
from moderation.learning.training import train_models
from moderation.learning.wordvectors import WordVectors

# Two "topics": Russia/Moscow/Kremlin and football/goal/penalty.
VOCABULARY = ["russia", "moscow", "kremlin", "football", "goal", "penalty"]
VECTORS = np.array([[1, 0.1], [0.9, 0.2], [1, 0], [0.1, 1], [0, 1], [0.2, 0.9]])


def vectors() -> WordVectors:
    return WordVectors(VOCABULARY, VECTORS, np.ones(len(VOCABULARY)))


def test_related_words_embed_close_without_sharing_a_word():
    moscow, russia, football, unknown = vectors().embed(
        ["Talks in Moscow", "RUSSIA!!", "a football match", "nothing known here"]
    )
    assert moscow @ russia > 0.95
    assert moscow @ football < 0.4
    assert not unknown.any(), "no known word: a zero vector, not noise"


def test_save_load_and_pickle_keep_the_vectors(tmp_path):
    path = tmp_path / "v.npz"
    vectors().save(path)
    loaded = WordVectors.load(path)
    assert loaded.vocabulary == VOCABULARY
    texts = ["Kremlin says", "penalty goal"]
    assert np.allclose(loaded.embed(texts), vectors().embed(texts), atol=1e-3)
    copy = pickle.loads(pickle.dumps(loaded))
    assert np.allclose(copy.embed(texts), loaded.embed(texts))


def on_topic_model_with_vectors(tmp_path, data_files):
    """The on-topic pipeline trained on the sample data with ``vectors()``."""
    path = tmp_path / "v.npz"
    vectors().save(path)
    comments, articles = data_files
    pipelines, _ = train_models(
        read_comments(comments),
        read_articles(articles),
        0,
        {"hold_abusive": 0.5, "hold_on_topic": 0.3},
        log=lambda _: None,
        word_vectors=str(path),
    )
    return pipelines["on_topic"]


def test_on_topic_model_trains_and_explains_with_vectors(tmp_path, data_files):
    model = on_topic_model_with_vectors(tmp_path, data_files)
    features = model.named_steps["features"]
    assert features.n_dense_ == 10
    items = [("The Kremlin will sign", "Moscow and Islamabad agree", "")]
    assert 0.0 <= model.predict_proba(items)[0, 1] <= 1.0
    from moderation.learning.explain import on_topic_spans
    from moderation.learning.relevance import RelevanceWeights

    (spans,) = on_topic_spans(RelevanceWeights(model), items)
    for span in spans:
        assert items[0][0][span.start : span.end] == span.text


def test_vectors_are_int8_rows_and_files_written_before_them_still_load(tmp_path):
    assert vectors().vectors.dtype == np.int8
    # A file `vectors build` wrote before the int8 rows: float16, no scale.
    path = tmp_path / "old.npz"
    np.savez(path, vocabulary=np.array(VOCABULARY), vectors=VECTORS.astype(np.float16),
             idf=np.ones(len(VOCABULARY)))  # fmt: skip
    loaded = WordVectors.load(path)
    assert loaded.vectors.dtype == np.int8
    texts = ["Kremlin says", "penalty goal"]
    np.testing.assert_allclose(loaded.embed(texts), vectors().embed(texts), atol=1e-3)


def test_an_artifact_saved_with_float16_vectors_loads_as_it_was_and_compacts(tmp_path):
    old = WordVectors.__new__(WordVectors)
    old.__setstate__(
        {"vocabulary": VOCABULARY, "vectors": VECTORS.astype(np.float16), "idf": np.ones(6)}
    )
    texts = ["Kremlin says", "penalty goal", "Moscow football"]
    exact = VECTORS.astype(np.float16).astype(np.float32)
    np.testing.assert_array_equal(old.matrix, exact)
    before = old.embed(texts)
    # Exported before compacting: the float16 file an earlier release wrote.
    old.save(tmp_path / "exported.npz")
    with np.load(tmp_path / "exported.npz") as exported:
        assert "scale" not in exported.files and exported["vectors"].dtype == np.float16
    np.testing.assert_allclose(WordVectors.load(tmp_path / "exported.npz").matrix, exact, atol=1e-2)
    old.compact()
    assert old.vectors.dtype == np.int8
    np.testing.assert_allclose(old.embed(texts), before, atol=5e-3)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(old)).embed(texts), old.embed(texts))
