"""The on-topic model's fitted weights, applied directly.

The on-topic pipeline (features.py) is a scikit-learn ``Pipeline``, which
is what training, cross-validation and the artifact need; scoring one
comment through it runs three text analysers, builds dozens of sparse
matrices and validates every step's input, for a result that is a dot
product. ``RelevanceWeights`` reads the fitted pipeline once and computes
the same probability (to float rounding; tests/test_relevance.py holds it
to the pipeline) with one normalisation and one tokenisation per comment,
dictionaries instead of sparse matrices, and the article's side computed
once per article.
"""

import functools
import math
import re
import threading

import numpy as np
from scipy import sparse
from sklearn.utils import murmurhash3_32

from moderation.learning.features import SHARED_SHARE, WORD_COSINE
from moderation.learning.textnorm import normalise

# Articles whose vectors are kept (tens of kilobytes each): a site's comments
# arrive under its few current stories. Threads are not kept: each post's
# thread differs from the last.
RECENT_ARTICLES = 256
RECENT_COMMENTS = 512
RECENT_WORDS = 65_536
MAX_HASHED_TOKENS = 100_000


class RelevanceWeights:
    """``predict_proba(items)[:, 1]`` of a fitted on-topic pipeline, fast."""

    def __init__(self, pipeline):
        features, classifier = pipeline.named_steps["features"], pipeline[-1]
        vectorizer = features.vectorizer_
        self.vocabulary = vectorizer.vocabulary_
        self.idf = vectorizer.idf_
        self.stop_words = frozenset(vectorizer.get_stop_words() or ())
        self.term_pattern = re.compile(vectorizer.token_pattern)
        self.topics = features.topics_
        style = features.style_
        self.style_pattern = re.compile(style.token_pattern)
        self.style_size = style.n_features
        coef = classifier.coef_.ravel()
        self.dense_coef = coef[: features.n_dense_]
        self.word_cosine_coef = float(coef[WORD_COSINE])
        self.shared_share_coef = float(coef[SHARED_SHARE])
        self.style_coef = coef[features.n_dense_ :]
        self.intercept = float(classifier.intercept_[0])
        vectors = features.word_vectors_
        if vectors is not None:
            self.word_index = {word: i for i, word in enumerate(vectors.vocabulary)}
            self.word_idf = vectors.idf
            self.word_matrix = vectors.matrix
            self.vector_stop_words = vectors.stop_words
        else:
            self.word_index = None
        self._hashes: dict[str, int] = {}
        self._hashes_lock = threading.Lock()
        self.context = functools.lru_cache(maxsize=RECENT_ARTICLES)(self._context)
        # A comment the policy holds is read again to explain it.
        self.read = functools.lru_cache(maxsize=RECENT_COMMENTS)(self._read)
        self.line_counts = functools.lru_cache(maxsize=RECENT_COMMENTS)(self._line_counts)
        # Words repeat endlessly across comments.
        self.word_columns = functools.lru_cache(maxsize=RECENT_WORDS)(self._word_columns)

    @functools.cached_property
    def term_names(self) -> list[str]:
        """Vocabulary terms by column, for showing a moderator the words
        (built on first use: only the queue page asks)."""
        return sorted(self.vocabulary, key=self.vocabulary.__getitem__)

    def probabilities(self, items) -> np.ndarray:
        """Items are (comment, article[, thread]) as for the pipeline."""
        return np.array([self.probability(*item) for item in items])

    def probability(self, comment: str, article: str, thread: str | None = None) -> float:
        mine = self.read(comment)
        terms = mine.terms
        topics = self._topics(terms)
        own = self.context(article)
        n_terms = len(terms)
        length = math.log1p(n_terms)
        shared = sum(1 for term in terms if term in own.terms)
        topic_cosine = float(topics @ own.topics)
        dense = [
            _dot(terms, own.terms),
            topic_cosine,
            shared / max(n_terms, 1),
            length,
            topic_cosine * length,
        ]
        if thread:
            around = self._thread(thread)
            dense += [_dot(terms, around.terms), float(topics @ around.topics), 1.0]
        else:
            dense += [0.0, 0.0, 0.0]
        if self.word_index is not None:
            meaning = self._meaning(mine.text)
            dense.append(float(meaning @ own.meaning))
            dense.append(float(meaning @ around.meaning) if thread else 0.0)
        style = sum(weight * self.style_coef[index] for index, weight in mine.style.items())
        margin = float(np.dot(self.dense_coef, dense)) + style + self.intercept
        # Either form overflows math.exp for a large margin of its sign.
        if margin >= 0:
            return 1.0 / (1.0 + math.exp(-margin))
        return math.exp(margin) / (1.0 + math.exp(margin))

    # Explanations (explain.py) work in the space of vocabulary terms followed
    # by hashed words: a word's push is the sum, over the features it has on
    # its own, of that feature's weight in the comment.

    def pushes(self, items) -> sparse.csr_matrix:
        """Per comment, each feature's share of the margin that words carry:
        its part of the word cosine and of the shared-word share with the
        article, and its hashed-word weight."""
        columns, values, pointers = [], [], [0]
        offset = len(self.vocabulary)
        for comment, article, *_ in items:
            mine, own = self.read(comment), self.context(article)
            sharing = self.shared_share_coef / max(len(mine.terms), 1)
            for term, weight in mine.terms.items():
                if term in own.terms:
                    columns.append(term)
                    values.append(weight * own.terms[term] * self.word_cosine_coef + sharing)
            for index, weight in sorted(mine.style.items()):
                columns.append(offset + index)
                values.append(weight * self.style_coef[index])
            pointers.append(len(columns))
        return self._rows(values, columns, pointers)

    def word_features(self, words) -> sparse.csr_matrix:
        """The features each word has on its own, in the space of ``pushes``."""
        columns, pointers = [], [0]
        for word in words:
            columns.extend(self.word_columns(word))
            pointers.append(len(columns))
        return self._rows(np.ones(len(columns)), columns, pointers)

    def _word_columns(self, word: str) -> tuple[int, ...]:
        text = normalise(word)
        offset = len(self.vocabulary)
        style = (offset + index for index in sorted(self._style_counts(text)))
        return (*sorted(self._terms(text)), *style)

    def _rows(self, values, columns, pointers) -> sparse.csr_matrix:
        shape = (len(pointers) - 1, len(self.vocabulary) + self.style_size)
        return sparse.csr_matrix(
            (np.asarray(values, float), np.asarray(columns, np.int64), pointers), shape=shape
        )

    def _read(self, comment: str) -> "Reading":
        text = normalise(comment)
        counts = self._style_counts(text)
        norm = math.sqrt(sum(n * n for n in counts.values())) or 1.0
        return Reading(text, self._terms(text), {i: n / norm for i, n in counts.items()})

    def _context(self, text: str) -> "Context":
        normalised = normalise(text)
        return self._context_of(self._term_counts(normalised), self._vector_counts(normalised))

    def _thread(self, thread: str) -> "Context":
        """A thread is its comments one per line, most of them in the
        thread of the previous post too: counted line by line, each line
        once. (The pipeline reads the joined text; only a word spelled out
        in single letters across two lines would count differently.)"""
        terms: dict[int, int] = {}
        vectors: dict[int, int] = {}
        for line in thread.split("\n"):
            line_terms, line_vectors = self.line_counts(line)
            for index, n in line_terms.items():
                terms[index] = terms.get(index, 0) + n
            for index, n in line_vectors.items():
                vectors[index] = vectors.get(index, 0) + n
        return self._context_of(terms, vectors)

    def _line_counts(self, line: str) -> tuple[dict[int, int], dict[int, int]]:
        normalised = normalise(line)
        return self._term_counts(normalised), self._vector_counts(normalised)

    def _context_of(self, term_counts, vector_counts) -> "Context":
        terms = self._term_weights(term_counts)
        meaning = self._meaning_of(vector_counts) if self.word_index is not None else None
        return Context(terms, self._topics(terms), meaning)

    def _terms(self, normalised: str) -> dict[int, float]:
        return self._term_weights(self._term_counts(normalised))

    def _term_counts(self, normalised: str) -> dict[int, int]:
        return _counts(self.term_pattern.findall(normalised), self.vocabulary, self.stop_words)

    def _term_weights(self, counts: dict[int, int]) -> dict[int, float]:
        """The vectoriser's row: sublinear TF-IDF of vocabulary words, unit length."""
        weights = {i: (1.0 + math.log(n)) * self.idf[i] for i, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {i: w / norm for i, w in weights.items()}

    def _topics(self, terms: dict[int, float]) -> np.ndarray:
        if not terms:
            return np.zeros(self.topics.shape[1])
        vector = np.fromiter(terms.values(), float) @ self.topics[list(terms)]
        return _unit(vector)

    def _meaning(self, normalised: str) -> np.ndarray:
        return self._meaning_of(self._vector_counts(normalised))

    def _vector_counts(self, normalised: str) -> dict[int, int]:
        if self.word_index is None:
            return {}
        words = self.term_pattern.findall(normalised)
        return _counts(words, self.word_index, self.vector_stop_words)

    def _meaning_of(self, counts: dict[int, int]) -> np.ndarray:
        """The word-vector embedding: IDF-weighted mean of known words."""
        if not counts:
            return np.zeros(self.word_matrix.shape[1], dtype=np.float32)
        indices = list(counts)
        weights = np.log1p(np.fromiter(counts.values(), np.float32)) * self.word_idf[indices]
        return _unit(weights @ self.word_matrix[indices])

    def _style_counts(self, normalised: str) -> dict[int, int]:
        tokens = self.style_pattern.findall(normalised.lower())
        counts: dict[int, int] = {}
        for feature in tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]:
            index = self._hash(feature)
            counts[index] = counts.get(index, 0) + 1
        return counts

    def _hash(self, feature: str) -> int:
        index = self._hashes.get(feature)
        if index is None:
            index = abs(murmurhash3_32(feature, seed=0)) % self.style_size
            with self._hashes_lock:
                if len(self._hashes) > MAX_HASHED_TOKENS:
                    self._hashes = {}
                self._hashes[feature] = index
        return index


class Reading:
    """A comment's side: its normalised text, its vocabulary terms and its
    hashed words (each with its weight in the unit-length row)."""

    __slots__ = ("text", "terms", "style")

    def __init__(self, text, terms, style):
        self.text, self.terms, self.style = text, terms, style


class Context:
    """An article's (or a thread's) side of the comparison."""

    __slots__ = ("terms", "topics", "meaning")

    def __init__(self, terms, topics, meaning):
        self.terms, self.topics, self.meaning = terms, topics, meaning


def _counts(words, index: dict[str, int], stop_words) -> dict[int, int]:
    counts: dict[int, int] = {}
    for word in words:
        if word not in stop_words:
            position = index.get(word)
            if position is not None:
                counts[position] = counts.get(position, 0) + 1
    return counts


def _dot(left: dict[int, float], right: dict[int, float]) -> float:
    if len(left) > len(right):
        left, right = right, left
    return sum(weight * right.get(term, 0.0) for term, weight in left.items())


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = math.sqrt(float(vector @ vector))
    return vector / norm if norm else vector
