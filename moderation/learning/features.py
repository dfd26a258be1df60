"""The two scikit-learn pipelines the service ships, one per policy test.

Both are plain ``Pipeline`` objects so that joblib can persist them and any
scikit-learn tool (cross-validation, calibration, inspection) works on them.
The custom pieces live here, in the package, because a pickled pipeline
refers to them by import path: moving them breaks every shipped artifact.
"""

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from moderation.learning.storage import HalfPlanes
from moderation.learning.textfeatures import (
    HashedNgrams,
    LinearAttributes,
    TextNormaliser,
    unit_rows,
)
from moderation.learning.textnorm import normalise, normalise_all
from moderation.learning.wordvectors import WordVectors

STYLE_FEATURES = 2**16


def build_abuse_pipeline() -> Pipeline:
    """Normalised text, hashed word and character n-grams, and one linear
    head per attribute (textfeatures.py). ``training.train_abuse`` fits the
    heads one by one and puts them in place of the empty last step."""
    return Pipeline(
        [
            ("normalise", TextNormaliser()),
            ("features", HashedNgrams()),
            ("classifier", LinearAttributes()),
        ]
    )


class CommentArticleFeatures(TransformerMixin, BaseEstimator):
    """Features of a (comment, article text[, thread text]) triple for the
    on-topic test.

    Similarity is measured twice: on shared words (TF-IDF cosine) and on
    latent topics (LSA), which relates "Moscow" to "Russia" even when the
    comment never repeats the article's words. The thread (parent comment
    and earlier comments, when known) is compared the same way, since a
    reply may answer the discussion rather than the article. A hashed bag of
    the comment's own words is appended: since every ordinary comment
    appears both with its own article and with another one during training,
    those words only learn what is off-topic anywhere, i.e. spam.
    """

    def __init__(
        self, n_components: int = 120, max_features: int = 60000, word_vectors: str | None = None
    ):
        self.n_components = n_components
        self.max_features = max_features
        self.word_vectors = word_vectors

    def fit(self, X, y=None):
        comments, articles, _ = _split(X)
        # Static word vectors (wordvectors.py), when given, are kept inside
        # the fitted transformer: the artifact carries them.
        self.word_vectors_ = WordVectors.load(self.word_vectors) if self.word_vectors else None
        self.n_dense_ = N_DENSE + (2 if self.word_vectors_ else 0)
        corpus = list(dict.fromkeys(articles)) + list(comments)
        self.vectorizer_ = TfidfVectorizer(
            preprocessor=normalise,
            stop_words="english",
            sublinear_tf=True,
            min_df=2,
            max_features=self.max_features,
            token_pattern=r"(?u)\b[a-z][a-z]+\b",
        )
        terms = self.vectorizer_.fit_transform(corpus)
        n_components = max(1, min(self.n_components, terms.shape[1] - 1))
        svd = TruncatedSVD(n_components=n_components, random_state=0).fit(terms)
        # Kept as a C-ordered (terms x topics) matrix: projecting with the SVD's
        # own transposed components copies the whole matrix on every call.
        # Stored as float16 (a quarter of float64's artifact), multiplied as
        # float32; topic cosines need no more. Rounded here so that training
        # measures the numbers the service multiplies.
        self.topics_ = _half_rounded(svd.components_.T)
        self.style_ = HashingVectorizer(
            ngram_range=(1, 2), n_features=STYLE_FEATURES, alternate_sign=False
        )
        return self

    def transform(self, X):
        comments, articles, threads = _split(X)
        comment_terms = self.vectorizer_.transform(comments)
        article_terms = self._terms_once(articles)
        thread_terms = self._terms_once(threads)
        comment_topics = self._topics(comment_terms)

        present = comment_terms.copy()
        present.data[:] = 1.0
        n_terms = np.asarray(present.sum(axis=1)).ravel()
        shared = np.asarray(present.multiply(article_terms > 0).sum(axis=1)).ravel()
        topic_cosine = _rowwise_dot(comment_topics, self._topics(article_terms))
        length = np.log1p(n_terms)
        has_thread = np.array([1.0 if thread else 0.0 for thread in threads])
        dense = np.column_stack(
            [
                _rowwise_sparse_dot(comment_terms, article_terms),
                topic_cosine,
                shared / np.maximum(n_terms, 1.0),
                length,
                topic_cosine * length,
                _rowwise_sparse_dot(comment_terms, thread_terms),
                _rowwise_dot(comment_topics, self._topics(thread_terms)) * has_thread,
                has_thread,
            ]
        )
        if self.word_vectors_ is not None:
            dense = np.column_stack([dense, self._meaning(comments, articles, threads, has_thread)])
        style = self.style_.transform(normalise_all(comments))
        return sparse.hstack([sparse.csr_matrix(dense), style], format="csr")

    def _meaning(self, comments, articles, threads, has_thread):
        """Cosines of the static word-vector embeddings: comment to article,
        comment to thread."""
        embed = self.word_vectors_.embed
        mine = embed(comments)
        to_article = _rowwise_dot(mine, np.array(self._recent("_recent_meaning", articles, embed)))
        to_thread = _rowwise_dot(mine, np.array(self._recent("_recent_meaning", threads, embed)))
        to_thread = to_thread * has_thread
        return np.column_stack([to_article, to_thread])

    def _terms_once(self, texts):
        rows = self._recent("_recent_terms", texts, self.vectorizer_.transform)
        return sparse.vstack(rows, format="csr")

    def _recent(self, name, texts, compute):
        """``compute`` each distinct text once, and remember recent ones: a
        site posts many comments under the same few articles. Safe to call
        from several threads: the shared cache is only read and replaced."""
        cache = self.__dict__.get(name, {})
        unique = list(dict.fromkeys(texts))
        found = {text: cache[text] for text in unique if text in cache}
        missing = [text for text in unique if text not in found]
        if missing:
            found.update(zip(missing, compute(missing)))
            kept = cache if len(cache) + len(missing) <= RECENT_TEXTS else {}
            self.__dict__[name] = {**kept, **{t: found[t] for t in missing}}
        return [found[text] for text in texts]

    def __getstate__(self):
        # A copy: object.__getstate__ hands back the live __dict__ itself.
        state = dict(super().__getstate__())
        state.pop("_recent_terms", None)
        state.pop("_recent_meaning", None)
        topics = state.get("topics_")
        # Topics an earlier release fitted (full float32) are kept as they
        # are until ``compact`` rounds them.
        if topics is not None and np.array_equal(topics, _half_rounded(topics)):
            state["topics_"] = HalfPlanes(topics)
        return state

    def __setstate__(self, state):
        # Artifacts saved before the half planes hold float32 topics.
        if isinstance(state.get("topics_"), HalfPlanes):
            state = {**state, "topics_": state["topics_"].array().astype(np.float32)}
        super().__setstate__(state)

    def compact(self) -> None:
        """A transformer fitted by an earlier release stored as this one
        stores it: topics rounded to float16, word vectors as int8 rows."""
        self.topics_ = _half_rounded(self.topics_)
        if self.word_vectors_ is not None:
            self.word_vectors_.compact()

    def _topics(self, terms):
        return unit_rows(terms @ self.topics_)


RECENT_TEXTS = 256

# Positions of the dense features that explanations decompose by word
# (relevance.py).
WORD_COSINE, SHARED_SHARE, N_DENSE = 0, 2, 8


def _half_rounded(matrix) -> np.ndarray:
    return np.ascontiguousarray(matrix, dtype=np.float16).astype(np.float32)


def _rowwise_dot(left, right):
    return np.einsum("ij,ij->i", left, right)


def _rowwise_sparse_dot(left, right):
    return np.asarray(left.multiply(right).sum(axis=1)).ravel()


def _split(items):
    """(comment, article) pairs or (comment, article, thread) triples."""
    comments = [item[0] for item in items]
    articles = [item[1] for item in items]
    threads = [item[2] if len(item) > 2 and item[2] else "" for item in items]
    return comments, articles, threads


def build_on_topic_pipeline(word_vectors: str | None = None) -> Pipeline:
    return Pipeline(
        [
            ("features", CommentArticleFeatures(word_vectors=word_vectors)),
            # Balanced: 0.5 means the comment fits this article no better than
            # another one, whatever ratio of negatives training sampled.
            ("classifier", LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")),
        ]
    )
