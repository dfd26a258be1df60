"""The on-topic model's fitted weights, applied directly.

The on-topic pipeline (features.py) is a scikit-learn ``Pipeline``, which
is what training, cross-validation and the artifact need; scoring one
comment through it runs three text analysers, builds dozens of sparse
matrices and validates every step's input, for a result that is a dot
product. ``RelevanceWeights`` reads the fitted pipeline once and computes
the same probability (to float rounding; tests/test_relevance.py holds it
to the pipeline) with one normalisation and one tokenisation per comment,
the article's side computed once per article, a thread counted line by
line with each line's counts kept, and the arithmetic of a batch done once
for all of its comments (sparse_rows.py).
"""

import collections
import functools
import math
import re
from typing import NamedTuple

import numpy as np
from scipy import sparse, special
from sklearn.utils import murmurhash3_32

from moderation.learning.features import SHARED_SHARE, WORD_COSINE
from moderation.learning.sparse_rows import SparseRows
from moderation.learning.textfeatures import unit_rows
from moderation.learning.textnorm import normalise

# Articles whose vectors are kept (tens of kilobytes each): a site's comments
# arrive under its few current stories. Threads are not kept: each post's
# thread differs from the last; the counts of its lines are (a few kilobytes
# each, about 60 KB for a comment of the maximum length), with the line's
# normalised text, which the reading of the same comment shares.
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
            self.word_index, self.vector_stop_words = None, frozenset()
        self._word_columns_hashed: dict[str, int] = {}
        self.context = functools.lru_cache(maxsize=RECENT_ARTICLES)(self._context)
        # A comment the policy holds is read again to explain it.
        self.read = functools.lru_cache(maxsize=RECENT_COMMENTS)(self._read)
        # A comment's counts are also those of the same text as a thread
        # line: a thread's comments were read as comments before it (or
        # just after, in a batch), and are counted once for both.
        self.counted = functools.lru_cache(maxsize=RECENT_COMMENTS)(self._counted)
        # Words repeat endlessly across comments.
        self.word_columns = functools.lru_cache(maxsize=RECENT_WORDS)(self._word_columns)

    @functools.cached_property
    def term_names(self) -> list[str]:
        """Vocabulary terms by column, for showing a moderator the words
        (built on first use: only the queue page asks)."""
        return sorted(self.vocabulary, key=self.vocabulary.__getitem__)

    def probabilities(self, items) -> np.ndarray:
        """Items are (comment, article[, thread]) as for the pipeline.

        Each comment is read (normalised, tokenised) on its own, in Python;
        the arithmetic runs once for all of them (sparse_rows.py): a batch of
        a hundred costs a few numpy calls, not a few hundred."""
        items = list(items)
        if not items:
            return np.zeros(0)
        width = len(self.vocabulary)
        readings = [self.read(item[0]) for item in items]
        contexts = [self.context(item[1]) for item in items]
        threads = [item[2] if len(item) > 2 else None for item in items]
        has_thread = np.array([1.0 if thread else 0.0 for thread in threads])
        # An article has hundreds of terms, a comment tens: looked up one by one.
        overlaps = [_overlap(r.terms, c.terms) for r, c in zip(readings, contexts)]
        word_cosine, shared = np.array(overlaps, float).reshape(-1, 2).T
        n_terms = np.array([len(r.terms) for r in readings], float)
        length = np.log1p(n_terms)
        mine = SparseRows.summed([[r.term_row] for r in readings], width)
        around = self._tf_idf(self._thread_counts(threads, "terms", width))
        topics = unit_rows(mine.times(self.topics))
        topic_cosine = _rowwise(topics, np.array([c.topics for c in contexts]))
        columns = [
            word_cosine,
            topic_cosine,
            shared / np.maximum(n_terms, 1.0),
            length,
            topic_cosine * length,
            mine.dot(around),
            _rowwise(topics, unit_rows(around.times(self.topics))) * has_thread,
            has_thread,
        ]
        if self.word_index is not None:
            words = len(self.word_index)
            meaning = self._meanings(SparseRows.summed([[r.word_counts] for r in readings], words))
            columns.append(_rowwise(meaning, np.array([c.meaning for c in contexts])))
            around_meaning = self._meanings(self._thread_counts(threads, "words", words))
            columns.append(_rowwise(meaning, around_meaning) * has_thread)
        margins = np.column_stack(columns) @ self.dense_coef
        margins += np.array([r.style_margin for r in readings]) + self.intercept
        # expit: 1 / (1 + exp(-margin)) without overflow for either sign.
        return special.expit(margins)

    def probability(self, comment: str, article: str, thread: str | None = None) -> float:
        return float(self.probabilities([(comment, article, thread)])[0])

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
        words = self.term_pattern.findall(text)
        return (*sorted(_counts(words, self.vocabulary, self.stop_words)), *style)

    def _rows(self, values, columns, pointers) -> sparse.csr_matrix:
        shape = (len(pointers) - 1, len(self.vocabulary) + self.style_size)
        return sparse.csr_matrix(
            (np.asarray(values, float), np.asarray(columns, np.int64), pointers), shape=shape
        )

    def _read(self, comment: str) -> "Reading":
        counted = self.counted(comment)
        terms = self._term_weights(counted.term_counts)
        style_counts = self._style_counts(counted.text)
        norm = math.sqrt(sum(n * n for n in style_counts.values())) or 1.0
        style = {i: n / norm for i, n in style_counts.items()}
        hashed = _pairs(style)
        style_margin = float(hashed[1] @ self.style_coef[hashed[0]])
        return Reading(counted.text, terms, style, _pairs(terms), counted.words, style_margin)

    def _context(self, text: str) -> "Context":
        counted = self._counted(text)  # not kept among comments: articles have their own
        terms = self._term_weights(counted.term_counts)
        row = SparseRows.summed([[_pairs(terms)]], len(self.vocabulary))
        meaning = None
        if self.word_index is not None:
            counts = SparseRows.summed([[counted.words]], len(self.word_index))
            meaning = self._meanings(counts)[0]
        return Context(terms, unit_rows(row.times(self.topics))[0], meaning)

    def _counted(self, text: str) -> "Counted":
        normalised = normalise(text)
        words = self.term_pattern.findall(normalised)
        term_counts = _counts(words, self.vocabulary, self.stop_words)
        word_counts = {}
        if self.word_index is not None:
            word_counts = _counts(words, self.word_index, self.vector_stop_words)
        return Counted(_pairs(term_counts), _pairs(word_counts), normalised, term_counts)

    def _thread_counts(self, threads, part: str, width: int) -> SparseRows:
        """The counts of each thread's ``terms`` or ``words`` (none without
        a thread). A thread is its comments one per line, most of them in
        the thread of the previous post too: counted line by line, each line
        once. The pipeline reads the joined text: only a word spelled out in
        single letters across two lines counts differently."""
        return SparseRows.summed(
            [
                [getattr(self.counted(line), part) for line in thread.split("\n")] if thread else []
                for thread in threads
            ],
            width,
        )

    def _tf_idf(self, counts: SparseRows) -> SparseRows:
        """The vectoriser's rows: sublinear TF-IDF, unit length."""
        return counts.with_values((1.0 + np.log(counts.values)) * self.idf[counts.columns]).unit()

    def _meanings(self, counts: SparseRows) -> np.ndarray:
        """The word-vector embeddings: IDF-weighted means of known words."""
        weights = np.log1p(counts.values.astype(np.float32)) * self.word_idf[counts.columns]
        return unit_rows(counts.with_values(weights).times(self.word_matrix))

    def _term_weights(self, counts: dict[int, int]) -> dict[int, float]:
        """The vectoriser's row: sublinear TF-IDF of vocabulary words, unit length."""
        weights = {i: (1.0 + math.log(n)) * self.idf[i] for i, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {i: w / norm for i, w in weights.items()}

    def _style_counts(self, normalised: str) -> dict[int, int]:
        """Hashed words and word pairs, as the pipeline's HashingVectorizer.
        A word's column is kept (words repeat endlessly); a pair's is
        computed each time (most pairs are new, and hashing one costs about
        what keeping it would)."""
        tokens = self.style_pattern.findall(normalised.lower())
        size, known = self.style_size, self._word_columns_hashed
        if len(known) > MAX_HASHED_TOKENS:
            known.clear()
        found = [
            column
            if (column := known.get(token)) is not None
            # setdefault: one step, safe beside another thread's.
            else known.setdefault(token, _hashed(token, size))
            for token in tokens
        ]
        found += [_hashed(f"{a} {b}", size) for a, b in zip(tokens, tokens[1:])]
        return collections.Counter(found)


class Counted(NamedTuple):
    """A text's counts: of its vocabulary terms and of its words with
    vectors, as (columns, counts) arrays (what a thread sums); its normalised
    text; and its terms' counts in the order they first occur (the order the
    pipeline adds them up in)."""

    terms: tuple[np.ndarray, np.ndarray]
    words: tuple[np.ndarray, np.ndarray]
    text: str
    term_counts: dict[int, int]


class Reading:
    """A comment's side: its normalised text; its vocabulary terms and its
    hashed words, each with its weight in the unit-length row (what an
    explanation decomposes); the terms again, and the counts of its words
    with vectors, as (columns, values) arrays; and what its hashed words add
    to the margin."""

    __slots__ = ("text", "terms", "style", "term_row", "word_counts", "style_margin")

    def __init__(self, text, terms, style, term_row, word_counts, style_margin):
        self.text, self.terms, self.style = text, terms, style
        self.term_row, self.word_counts, self.style_margin = term_row, word_counts, style_margin


class Context:
    """An article's side of the comparison."""

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


def _pairs(weights: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    """A {column: value} dictionary as arrays of columns (sorted) and values."""
    columns = np.fromiter(weights, np.int64, len(weights))
    order = np.argsort(columns)
    return columns[order], np.fromiter(weights.values(), float, len(weights))[order]


def _hashed(feature: str, size: int) -> int:
    """HashingVectorizer's column for a feature (signed murmurhash3, then
    its absolute value)."""
    return abs(murmurhash3_32(feature, 0)) % size


def _rowwise(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", left, right)


def _overlap(mine: dict[int, float], own: dict[int, float]) -> tuple[float, int]:
    """The dot product of two term rows, and how many terms they share."""
    products = [weight * own[term] for term, weight in mine.items() if term in own]
    return sum(products), len(products)
