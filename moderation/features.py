"""The two scikit-learn pipelines the service ships, one per policy test.

Both are plain ``Pipeline`` objects so that joblib can persist them and any
scikit-learn tool (cross-validation, calibration, inspection) works on them.
The custom pieces live here, in the package, because a pickled pipeline
refers to them by import path: moving them breaks every shipped artifact.
"""

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import (
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, normalize

from .textnorm import normalise, normalise_all

# Hashing keeps the artifact small and loading fast: no vocabulary to pickle.
WORD_FEATURES = 2**18
CHAR_FEATURES = 2**19
STYLE_FEATURES = 2**16


def build_abuse_pipeline() -> Pipeline:
    """Word and character n-grams of the normalised text, logistic regression.

    Calibrate it with ``calibrated`` before use: trained on source-balanced
    weights, its raw probabilities assume abuse is as common as not.
    """
    words = make_pipeline(
        HashingVectorizer(
            ngram_range=(1, 2),
            n_features=WORD_FEATURES,
            alternate_sign=False,
            norm=None,
            token_pattern=r"(?u)\b\w+\b",
        ),
        TfidfTransformer(sublinear_tf=True),
    )
    # Character n-grams inside word boundaries survive misspellings and
    # obfuscations the normaliser does not know.
    chars = make_pipeline(
        HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            n_features=CHAR_FEATURES,
            alternate_sign=False,
            norm=None,
        ),
        TfidfTransformer(sublinear_tf=True),
    )
    classifier = LogisticRegression(C=1.0, solver="liblinear", max_iter=1000)
    return Pipeline(
        [
            ("normalise", FunctionTransformer(normalise_all)),
            ("features", FeatureUnion([("words", words), ("chars", chars)])),
            ("classifier", classifier),
        ]
    )


class CommentArticleFeatures(TransformerMixin, BaseEstimator):
    """Features of a (comment, article text) pair for the on-topic test.

    Similarity is measured twice: on shared words (TF-IDF cosine) and on
    latent topics (LSA), which relates "Moscow" to "Russia" even when the
    comment never repeats the article's words. A hashed bag of the
    comment's own words is appended: since every ordinary comment appears
    both with its own article and with another one during training, those
    words only learn what is off-topic anywhere, i.e. spam.
    """

    def __init__(self, n_components: int = 120, max_features: int = 60000):
        self.n_components = n_components
        self.max_features = max_features

    def fit(self, X, y=None):
        comments, articles = _split_pairs(X)
        unique_articles = list(dict.fromkeys(articles))
        self.vectorizer_ = TfidfVectorizer(
            preprocessor=normalise,
            stop_words="english",
            sublinear_tf=True,
            min_df=2,
            max_features=self.max_features,
            token_pattern=r"(?u)\b[a-z][a-z]+\b",
        )
        corpus = unique_articles + list(comments)
        self.vectorizer_.fit(corpus)
        n_terms = len(self.vectorizer_.vocabulary_)
        self.svd_ = TruncatedSVD(
            n_components=max(1, min(self.n_components, n_terms - 1)), random_state=0
        )
        self.svd_.fit(self.vectorizer_.transform(corpus))
        self.style_ = HashingVectorizer(
            ngram_range=(1, 2), n_features=STYLE_FEATURES, alternate_sign=False
        )
        return self

    def transform(self, X):
        comments, articles = _split_pairs(X)
        comment_terms = self.vectorizer_.transform(comments)
        article_terms = self._article_terms(articles)
        comment_topics = normalize(self.svd_.transform(comment_terms))
        article_topics = normalize(self.svd_.transform(article_terms))

        word_cosine = np.asarray(comment_terms.multiply(article_terms).sum(axis=1)).ravel()
        topic_cosine = np.einsum("ij,ij->i", comment_topics, article_topics)
        present = comment_terms.copy()
        present.data[:] = 1.0
        shared = np.asarray(present.multiply(article_terms > 0).sum(axis=1)).ravel()
        n_terms = np.asarray(present.sum(axis=1)).ravel()
        shared_share = shared / np.maximum(n_terms, 1.0)
        length = np.log1p(n_terms)
        dense = np.column_stack(
            [word_cosine, topic_cosine, shared_share, length, topic_cosine * length]
        )
        style = self.style_.transform(normalise_all(comments))
        return sparse.hstack([sparse.csr_matrix(dense), style], format="csr")

    def _article_terms(self, articles):
        # A batch usually holds many comments of few articles: vectorise each once.
        unique = list(dict.fromkeys(articles))
        rows = {text: i for i, text in enumerate(unique)}
        matrix = self.vectorizer_.transform(unique)
        return matrix[[rows[text] for text in articles]]


def _split_pairs(pairs):
    comments = [comment for comment, _ in pairs]
    articles = [article for _, article in pairs]
    return comments, articles


def calibrated(pipeline: Pipeline, texts, labels) -> Pipeline:
    """The same pipeline with its classifier's probabilities mapped (Platt
    scaling) to the rates observed on held-out ``texts``."""
    features = pipeline[:-1].transform(texts)
    calibrator = CalibratedClassifierCV(FrozenEstimator(pipeline[-1]), method="sigmoid")
    calibrator.fit(features, labels)
    return Pipeline(pipeline.steps[:-1] + [("classifier", calibrator)])


def build_on_topic_pipeline() -> Pipeline:
    return Pipeline(
        [
            ("features", CommentArticleFeatures()),
            ("classifier", LogisticRegression(C=1.0, max_iter=2000)),
        ]
    )
