"""Why a comment got its scores: the words that pushed each score most.

Both models are linear in their features, so a word's push is the part of
the log-odds that its features contribute: for the abuse model, the word's
n-grams weighted as they are in the comment; for the on-topic model, the
word's share of the similarity to the article plus its own spam-or-not
weight. Spans point into the text exactly as the site sent it, so the queue
page can highlight them; a positive weight pushes towards abusive
(respectively on-topic), a negative one away from it.
"""

import re
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from moderation.learning.textnorm import normalise_word

# Words as a reader sees them, obfuscations included: "f*ck", "sh!t", "@user".
WORD_RE = re.compile(r"[@$]?\w+(?:[*@$!']+\w+)*")
SPANS_PER_AXIS = 6
MIN_WEIGHT = 0.01
BLOCK = 64


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int
    weight: float

    def to_json(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "weight": self.weight}


def words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text)]


def linear_coefficients(model) -> np.ndarray:
    """The weight vector of a linear classifier, through calibration wrappers."""
    while not hasattr(model, "coef_"):
        if hasattr(model, "calibrated_classifiers_"):
            model = model.calibrated_classifiers_[0].estimator
        elif hasattr(model, "estimator"):
            model = model.estimator
        else:
            raise TypeError(f"{type(model).__name__} is not a linear model")
    return np.asarray(model.coef_).ravel()


def strongest(tokens, weights, keys=None) -> list[Span]:
    """The spans with the largest pushes, in reading order: one per distinct
    word (its first occurrence), never a stop-word on its own."""
    keys = keys or [normalise_word(text) for text, _, _ in tokens]
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key not in ENGLISH_STOP_WORDS:
            first.setdefault(key, i)
    ranked = sorted(first.values(), key=lambda i: -abs(weights[i]))
    chosen = [
        Span(tokens[i][0], tokens[i][1], tokens[i][2], round(float(weights[i]), 3))
        for i in ranked[:SPANS_PER_AXIS]
        if abs(weights[i]) >= MIN_WEIGHT
    ]
    return sorted(chosen, key=lambda span: span.start)


def abuse_spans(pipeline, texts, features) -> list[list[Span]]:
    """``features`` is the pipeline's feature matrix for ``texts``; the
    spans explain its first head (abuse)."""
    normaliser = pipeline.named_steps["normalise"].normaliser_
    ngrams = pipeline.named_steps["features"]
    heads = pipeline[-1]
    # In calibrated log-odds: the push a word gives the score that is shown.
    weighted = features.multiply(heads.coef_[:, 0] * heads.scale_[0]).tocsr()
    return _spans_by_word(texts, ngrams.transform, weighted, normaliser)


def on_topic_spans(pipeline, items) -> list[list[Span]]:
    """``items`` are the (comment, article, thread) triples that were scored."""
    features = pipeline.named_steps["features"]
    weighted = features.word_weights(items, linear_coefficients(pipeline[-1]))
    return _spans_by_word([item[0] for item in items], features.word_features, weighted)


def _spans_by_word(texts, word_features, weighted, normalise=normalise_word) -> list[list[Span]]:
    """Sum, for every word of every text, the weighted features it has.

    All words of all texts are vectorised in one call: explanation is on
    the scoring path, and one call per word would cost more than scoring.
    """
    tokens = [words(text) for text in texts]
    # Words repeat endlessly ("the", "you"): vectorise each distinct one once.
    distinct: dict[str, int] = {}
    keys = [[normalise(token) for token, _, _ in per_text] for per_text in tokens]
    rows = [[distinct.setdefault(key, len(distinct)) for key in per_text] for per_text in keys]
    if not distinct:
        return [[] for _ in texts]
    present = word_features(list(distinct)).tocsr()
    present.data[:] = 1.0
    pushes = []
    # Each word's features dotted with its own comment's weighted row. Done
    # for a block of comments at a time and read off the block's diagonal:
    # one sparse product per block instead of one per comment.
    for start in range(0, len(texts), BLOCK):
        block = rows[start : start + BLOCK]
        owners = np.repeat(np.arange(len(block)), [len(r) for r in block])
        flat = [index for r in block for index in r]
        if not flat:
            pushes += [np.zeros(0)] * len(block)
            continue
        product = (present[flat] @ weighted[start : start + BLOCK].T).toarray()
        mine = product[np.arange(len(flat)), owners]
        pushes += np.split(mine, np.cumsum([len(r) for r in block])[:-1])
    return [strongest(*args) for args in zip(tokens, pushes, keys)]
