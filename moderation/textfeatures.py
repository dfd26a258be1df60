"""The abuse model's pieces: normalisation, n-gram features, linear heads.

Scoring has to keep up with a comment stream on two cores, so every step
here works a whitespace token at a time with a cache: words repeat
endlessly across comments, and a token's hashed word and character
n-grams are computed once per process rather than once per comment. The
features are the kind scikit-learn's ``HashingVectorizer`` makes (word 1-2-grams
and ``char_wb`` 2-5-grams, each distinct n-gram of a token counted once)
followed by a sublinear ``TfidfTransformer``, one L2-normalised block each,
but cost a dictionary lookup per token instead of an analyser run.

A pickled pipeline refers to these classes by import path: moving them
breaks every shipped artifact.
"""

import re

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils import murmurhash3_32

from .textnorm import Normaliser

WORD_FEATURES = 2**18
CHAR_FEATURES = 2**19
CHAR_SIZES = (2, 3, 4, 5)
WORD_RE = re.compile(r"\w+")
BIGRAM_MIX = 2654435761
MAX_TOKEN_CACHE = 300_000


class TextNormaliser(TransformerMixin, BaseEstimator):
    """Normalisation with the training vocabulary, so that masked and
    elongated words resolve to words the model knows."""

    def __init__(self, min_count: int = 3):
        self.min_count = min_count

    def fit(self, texts, y=None):
        counts: dict[str, int] = {}
        plain = Normaliser()
        for text in texts:
            for token in plain(text).split():
                for word in WORD_RE.findall(token):
                    counts[word] = counts.get(word, 0) + 1
        self.vocabulary_ = frozenset(
            w for w, n in counts.items() if n >= self.min_count and w.isalpha()
        )
        self.normaliser_ = Normaliser(self.vocabulary_)
        return self

    def transform(self, texts):
        normalise = self.normaliser_
        return [normalise(text) for text in texts]


class HashedNgrams(TransformerMixin, BaseEstimator):
    """Sublinear TF-IDF of hashed word 1-2-grams and character 2-5-grams
    (within tokens, padded with a space, as ``char_wb``), each block
    L2-normalised. Input: normalised texts."""

    def __init__(self, word_features: int = WORD_FEATURES, char_features: int = CHAR_FEATURES):
        self.word_features = word_features
        self.char_features = char_features

    def fit(self, texts, y=None):
        words, chars = self._counts(texts)
        self.word_idf_ = _idf(words)
        self.char_idf_ = _idf(chars)
        return self

    def transform(self, texts):
        words, chars = self._counts(texts)
        return sparse.hstack(
            [_tfidf(words, self.word_idf_), _tfidf(chars, self.char_idf_)], format="csr"
        )

    @property
    def n_features_(self) -> int:
        return self.word_features + self.char_features

    def token_features(self, tokens):
        """One row per normalised token: the features it has on its own
        (its words and character n-grams), for explanations."""
        return self.transform(tokens)

    def _counts(self, texts):
        cache = self.__dict__.setdefault("_tokens", {})
        if len(cache) > MAX_TOKEN_CACHE:
            cache.clear()
        word_ids, char_ids, word_rows, char_rows = [], [], [0], [0]
        n_words = self.word_features
        for text in texts:
            hashes: list[int] = []
            for token in text.split():
                entry = cache.get(token)
                if entry is None:
                    entry = cache[token] = self._token(token)
                hashes.extend(entry[0])
                char_ids.extend(entry[1])
            word_ids.extend(h % n_words for h in hashes)
            word_ids.extend(
                ((a * BIGRAM_MIX + b) & 0xFFFFFFFF) % n_words for a, b in zip(hashes, hashes[1:])
            )
            word_rows.append(len(word_ids))
            char_rows.append(len(char_ids))
        return (
            _counted(word_ids, word_rows, n_words),
            _counted(char_ids, char_rows, self.char_features),
        )

    def _token(self, token: str) -> tuple[list[int], list[int]]:
        hashes = [murmurhash3_32(w, positive=True) for w in WORD_RE.findall(token)]
        padded = f" {token} "
        grams = {
            padded[i : i + n]
            for n in CHAR_SIZES
            for i in range(len(padded) - n + 1)
            if n <= len(padded)
        }
        # A set: char_wb counts each n-gram of a token once per occurrence of
        # the token; repeats within one token are rare enough to ignore.
        chars = [murmurhash3_32(g, positive=True) % self.char_features for g in grams]
        return hashes, chars

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_tokens", None)
        return state


def _counted(ids, rows, width):
    matrix = sparse.csr_matrix(
        (np.ones(len(ids), dtype=np.float32), np.asarray(ids, dtype=np.int32), rows),
        shape=(len(rows) - 1, width),
    )
    matrix.sum_duplicates()
    return matrix


def _idf(counts) -> np.ndarray:
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    n = counts.shape[0]
    return (np.log((1 + n) / (1 + document_frequency)) + 1).astype(np.float32)


def _tfidf(counts, idf):
    matrix = counts.copy()
    matrix.data = (1 + np.log(matrix.data)) * idf[matrix.indices]
    squares = np.add.reduceat(matrix.data**2, matrix.indptr[:-1]) if matrix.nnz else None
    if squares is not None:
        lengths = np.diff(matrix.indptr)
        norms = np.sqrt(np.where(lengths > 0, squares, 1.0))
        matrix.data /= np.repeat(norms, lengths)
    return matrix


class LinearAttributes(ClassifierMixin, BaseEstimator):
    """Calibrated linear heads on shared features, one per attribute.

    ``predict_proba`` answers for the first attribute (abuse, the policy's
    test); ``predict_attributes`` for all. Each head is ``sigmoid(a * (X w
    + c) + b)``: a logistic regression fitted on training rows, then Platt
    scaling (``a``, ``b``) fitted on held-out calibration rows.
    """

    def __init__(self, names=(), coef=None, intercept=None, scale=None, shift=None):
        self.names = names
        self.coef = coef
        self.intercept = intercept
        self.scale = scale
        self.shift = shift

    def fit(self, X=None, y=None):
        # Assembled from heads fitted one by one (training.py): each attribute
        # has its own rows and weights.
        self.names_ = tuple(self.names)
        # Kept at half precision (as stored: it halves the artifact), used
        # as float32; either way the same numbers.
        coef = np.asarray(self.coef, dtype=np.float16).reshape(-1, len(self.names_))
        self.coef_ = coef.astype(np.float32)
        self.intercept_ = np.asarray(self.intercept, dtype=np.float64)
        self.scale_ = np.asarray(self.scale, dtype=np.float64)
        self.shift_ = np.asarray(self.shift, dtype=np.float64)
        self.classes_ = np.array([0, 1])
        return self

    def __getstate__(self):
        state = dict(self.__dict__)
        state["coef_"] = self.coef_.astype(np.float16)
        state["coef"] = None  # the fitted coef_ holds the same numbers
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.coef_ = self.coef_.astype(np.float32)

    def margins(self, X) -> np.ndarray:
        return np.asarray(X @ self.coef_, dtype=np.float64) + self.intercept_

    def predict_attributes(self, X) -> dict[str, np.ndarray]:
        probabilities = _sigmoid(self.margins(X) * self.scale_ + self.shift_)
        return {name: probabilities[:, k] for k, name in enumerate(self.names_)}

    def predict_proba(self, X):
        first = _sigmoid(
            (np.asarray(X @ self.coef_[:, 0], dtype=np.float64) + self.intercept_[0])
            * self.scale_[0]
            + self.shift_[0]
        )
        return np.column_stack([1 - first, first])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def _sigmoid(values):
    return 1.0 / (1.0 + np.exp(-values))
