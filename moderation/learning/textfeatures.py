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
from itertools import chain

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils import murmurhash3_32

from moderation.learning.textnorm import Normaliser

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
        rows, columns, _ = self._entries(texts)
        frequency = np.bincount(columns, minlength=self.n_features_)
        n = len(texts)
        idf = (np.log((1 + n) / (1 + frequency)) + 1).astype(np.float32)
        self.word_idf_, self.char_idf_ = idf[: self.word_features], idf[self.word_features :]
        return self

    def transform(self, texts):
        """One row per text: sublinear TF-IDF, each block unit length. Built
        as one sparse matrix from numpy arrays: constructing scipy matrices
        costs more than the arithmetic for the one comment of a request."""
        n = len(texts)
        rows, columns, counts = self._entries(texts)
        idf = self.__dict__.get("_idf")
        if idf is None:
            idf = self.__dict__["_idf"] = np.concatenate([self.word_idf_, self.char_idf_])
        data = (1.0 + np.log(counts)) * idf[columns]
        block = rows * 2 + (columns >= self.word_features)
        norms = np.sqrt(np.bincount(block, weights=data * data, minlength=2 * n))
        norms[norms == 0.0] = 1.0
        data /= norms[block]
        pointers = np.searchsorted(rows, np.arange(n + 1))
        return sparse.csr_matrix(
            (data.astype(np.float32), columns.astype(np.int32), pointers),
            shape=(n, self.n_features_),
        )

    @property
    def n_features_(self) -> int:
        return self.word_features + self.char_features

    def token_features(self, tokens):
        """One row per normalised token: the features it has on its own
        (its words and character n-grams), for explanations."""
        return self.transform(tokens)

    def _entries(self, texts):
        """(row, column, count) of every distinct feature of every text,
        sorted by row then column. Each token is looked up in the cache once;
        its features are gathered with numpy over the whole batch."""
        cache = self.__dict__.setdefault("_tokens", {})
        if len(cache) > MAX_TOKEN_CACHE:
            cache.clear()
        known = cache.get
        split = [text.split() for text in texts]
        entries = [known(token) or self._learnt(token) for tokens in split for token in tokens]
        text_of_token = np.repeat(
            np.arange(len(texts), dtype=np.int64), [len(tokens) for tokens in split]
        )
        hashes = np.fromiter(chain.from_iterable(e[0] for e in entries), np.int64)
        text_of_hash = np.repeat(text_of_token, [len(e[0]) for e in entries])
        chars = np.concatenate([e[1] for e in entries]) if entries else np.empty(0, np.int32)
        text_of_char = np.repeat(text_of_token, [e[1].size for e in entries])
        # Word pairs run on across tokens, never across texts. The product
        # may wrap around in int64: the low 32 bits, all that is kept, do not.
        paired = text_of_hash[:-1] == text_of_hash[1:]
        pairs = (hashes[:-1][paired] * BIGRAM_MIX + hashes[1:][paired]) & 0xFFFFFFFF
        n_words = self.word_features
        rows = np.concatenate([text_of_hash, text_of_hash[:-1][paired], text_of_char])
        columns = np.concatenate(
            [hashes % n_words, pairs % n_words, chars.astype(np.int64) + n_words]
        )
        keys, counts = np.unique(rows * self.n_features_ + columns, return_counts=True)
        return keys // self.n_features_, keys % self.n_features_, counts

    def _learnt(self, token: str) -> tuple[tuple[int, ...], np.ndarray]:
        entry = self.__dict__["_tokens"][token] = self._token(token)
        return entry

    def _token(self, token: str) -> tuple[tuple[int, ...], np.ndarray]:
        """A token's word hashes and character n-gram columns: kept for every
        token seen (up to MAX_TOKEN_CACHE), so stored compactly."""
        hashes = tuple(murmurhash3_32(w, positive=True) for w in WORD_RE.findall(token))
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
        return hashes, np.array(chars, dtype=np.int32)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_tokens", None)
        state.pop("_idf", None)
        return state


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
        self.coef_ = _row_major(coef)
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
        self.coef_ = _row_major(self.coef_)

    def margins(self, X) -> np.ndarray:
        return np.asarray(X @ self.coef_, dtype=np.float64) + self.intercept_

    def predict_attributes(self, X) -> dict[str, np.ndarray]:
        probabilities = _sigmoid(self.margins(X) * self.scale_ + self.shift_)
        return {name: probabilities[:, k] for k, name in enumerate(self.names_)}

    def predict_proba(self, X):
        first = _sigmoid(self.margins(X)[:, 0] * self.scale_[0] + self.shift_[0])
        return np.column_stack([1 - first, first])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def unit_rows(matrix) -> np.ndarray:
    """Each row of a dense matrix scaled to unit length (zero rows stay zero):
    ``sklearn.preprocessing.normalize`` without its input checks, which cost
    more than the arithmetic on the scoring path."""
    matrix = np.asarray(matrix)
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
    norms[norms == 0.0] = 1.0
    return matrix / norms[:, None]


def _row_major(coef) -> np.ndarray:
    """float32 in C order: a sparse matrix times a dense one in any other
    layout copies the whole dense matrix (megabytes) on every call."""
    return np.ascontiguousarray(coef, dtype=np.float32)


def _sigmoid(values):
    return 1.0 / (1.0 + np.exp(-values))
