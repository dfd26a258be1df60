"""The on-topic second stage: a sentence encoder on the comments the first
stage is unsure of.

The first stage (``relevance.py``) sees shared words; the encoder
(``encoder.py``) sees meaning, at 10-40 ms a comment against the first
stage's one. So the encoder runs only where it can change a decision: where
the first stage's logit lies in the band in which some similarity the
encoder gives could move the final score across a threshold: any a site
may use (``THRESHOLDS_SERVED``, the fitted ``band_``), or only the one it
does use (``band_for``; ``MODERATION_ON_TOPIC_ENCODER=decisive``: about
half as many posts read, the same decisions). Elsewhere the final score uses
the typical similarity, which leaves the decision where the first stage
put it; so do comments scored where the encoder is not run (batches: see
``live_model.as_served``).

The final score is a logistic regression on two numbers — the first stage's
logit and the cosine between the comment's and the article's sentence
vectors — fitted on pairs the first stage never saw, so its weights say how
far to trust each.
"""

import functools
import math

import numpy as np
from sklearn.linear_model import LogisticRegression

from moderation.learning.encoder import SentenceEncoder

# The on-topic thresholds the band keeps exact (the policy's default, the
# shipped model's recommended_hold_on_topic, is 0.11).
THRESHOLDS_SERVED = (0.1, 0.6)
# Similarities beyond these quantiles of the fitting pairs are rare enough
# not to widen the band.
SIMILARITY_QUANTILES = (0.02, 0.98)
ARTICLES_KEPT = 256
# Word pieces of a comment the encoder reads (articles: all MAX_TOKENS). The
# encoder's time grows with the pieces read; on held-out comments (median 32
# pieces, 16% over 128) reading 128 instead of 256 cut its time by a third
# and moved own-vs-other ROC-AUC of the cosine alone by 0.001
# (benchmarks/encoder_length.py).
COMMENT_TOKENS = 128
# What stages fitted before comments were cut short read.
LEGACY_COMMENT_TOKENS = 256
# The first stage's on-topic hold threshold (the policy's default before the
# second stage): the recommended threshold holds as many on-topic comments
# as the first stage held here, whatever threshold the site uses today, so
# that retraining does not drift it.
FIRST_STAGE_HOLD_ON_TOPIC = 0.3


def logit(probability: float) -> float:
    # A threshold of 0 or 1 holds nothing or everything: no logit crosses it.
    if probability <= 0.0:
        return -math.inf
    if probability >= 1.0:
        return math.inf
    return math.log(probability / (1.0 - probability))


def logits(probabilities) -> np.ndarray:
    p = np.clip(np.asarray(probabilities, dtype=float), 1e-12, 1 - 1e-12)
    return np.log(p / (1.0 - p))


class SecondStage:
    """Fitted attributes: ``coef_`` (first-stage logit, similarity),
    ``intercept_``, ``typical_similarity_``, ``reach_`` (how far the
    similarity term of the final logit usually ranges: its values at the
    ``SIMILARITY_QUANTILES``, low to high), ``band_`` (first-stage logits
    between which the encoder runs, for every threshold served).
    ``comment_tokens``: how many word pieces of a comment the encoder reads."""

    def __init__(self, encoder: SentenceEncoder, comment_tokens: int = COMMENT_TOKENS):
        self.encoder = encoder
        self.comment_tokens = comment_tokens
        self._prepare()

    def _prepare(self) -> None:
        # An article is scored against hundreds of comments: encode it once.
        self._article_vector = functools.lru_cache(maxsize=ARTICLES_KEPT)(
            lambda article: self.encoder.encode([article])[0]
        )

    def fit(self, first_logits, similarities, labels) -> "SecondStage":
        features = np.column_stack([first_logits, similarities])
        model = LogisticRegression(C=1.0, max_iter=1000).fit(features, labels)
        self.coef_ = model.coef_[0].astype(float)
        self.intercept_ = float(model.intercept_[0])
        self.typical_similarity_ = float(np.median(similarities))
        low, high = np.quantile(similarities, SIMILARITY_QUANTILES)
        self.reach_ = tuple(sorted(float(self.coef_[1] * s) for s in (low, high)))
        self.band_ = self.band_for(THRESHOLDS_SERVED)
        return self

    def band_for(self, thresholds) -> tuple[float, float]:
        """The first-stage logits z for which some usual similarity could
        carry the final score across one of ``thresholds``: the final logit
        w_first * z + (similarity term, within ``reach_``) + b crosses a
        threshold t only for z in this band. For one threshold inside
        THRESHOLDS_SERVED it lies inside ``band_``; for one outside, it may
        reach beyond (``band_`` is not exact there)."""
        w_first = self.coef_[0]
        if w_first <= 0:
            # The first stage adds nothing here: every comment is read.
            return (-math.inf, math.inf)
        return (
            (logit(min(thresholds)) - self.intercept_ - self.reach_[1]) / w_first,
            (logit(max(thresholds)) - self.intercept_ - self.reach_[0]) / w_first,
        )

    def __getstate__(self):
        return {key: value for key, value in self.__dict__.items() if key != "_article_vector"}

    def __setstate__(self, state):
        # Stages fitted before comments were cut short read them whole.
        self.__dict__.update({"comment_tokens": LEGACY_COMMENT_TOKENS, **state})
        if "reach_" not in state:
            self.reach_ = self._reach_from_band()
        self._prepare()

    def _reach_from_band(self) -> tuple[float, float]:
        """``reach_`` of a stage pickled before it was kept: what its band
        for THRESHOLDS_SERVED was computed from, solved back."""
        if not all(map(math.isfinite, self.band_)):
            return (-math.inf, math.inf)
        w_first, low, high = self.coef_[0], *self.band_
        return (
            logit(THRESHOLDS_SERVED[1]) - self.intercept_ - high * w_first,
            logit(THRESHOLDS_SERVED[0]) - self.intercept_ - low * w_first,
        )

    def in_band(self, first_logits, band=None) -> np.ndarray:
        low, high = self.band_ if band is None else band
        first_logits = np.asarray(first_logits, dtype=float)
        return (first_logits >= low) & (first_logits <= high)

    def reads(self, first_probabilities, band=None) -> np.ndarray:
        """Which comments the encoder reads, from the first stage's scores."""
        return self.in_band(logits(first_probabilities), band)

    def similarities(self, comments, articles, shared=None) -> np.ndarray:
        """Cosine between each comment's sentence vector and its article's."""
        if not comments:
            return np.zeros(0)
        mine = self.encoder.encode(comments, limit=self.comment_tokens, shared=shared)
        theirs = np.vstack([self._article_vector(article) for article in articles])
        return np.einsum("ij,ij->i", mine, theirs).astype(float)

    def final_logits(self, first_logits, similarities) -> np.ndarray:
        w_first, w_similarity = self.coef_
        return (
            w_first * np.asarray(first_logits)
            + w_similarity * np.asarray(similarities)
            + self.intercept_
        )

    def refine(
        self, first_probabilities, comments, articles, read: bool = True, band=None, shared=None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Final probabilities, and which comments the encoder read: those
        in ``band`` (default ``band_``); ``read=False``: none, each scored
        with the typical similarity. ``shared``: see ``shared_layers.py``."""
        first_logits = logits(first_probabilities)
        chosen = self.in_band(first_logits, band) & read
        similarity = np.full(len(first_logits), self.typical_similarity_)
        picked = np.flatnonzero(chosen)
        if len(picked):
            similarity[picked] = self.similarities(
                [comments[i] for i in picked], [articles[i] for i in picked], shared
            )
        final = self.final_logits(first_logits, similarity)
        return 0.5 * (1.0 + np.tanh(0.5 * final)), chosen


def fit_second_stage(
    encoder, first_probabilities, pairs, labels, first_threshold: float = FIRST_STAGE_HOLD_ON_TOPIC
):
    """Fit the second stage on (comment, article, thread) ``pairs`` the first
    stage never saw; return it with the facts the manifest records.

    The facts include the hold threshold that holds as many of these pairs'
    own-article comments as the first stage held at ``first_threshold``:
    the two stages' scores are on different scales, and a site's moderators
    should not find more on-topic comments in their queue because the
    model changed (``recommended_hold_on_topic``)."""
    p = np.asarray(first_probabilities, dtype=float)
    first_logits = logits(p)
    stage = SecondStage(encoder)
    similarities = stage.similarities([c for c, _, _ in pairs], [a for _, a, _ in pairs])
    stage.fit(first_logits, similarities, labels)
    served = np.where(stage.in_band(first_logits), similarities, stage.typical_similarity_)
    final = 0.5 * (1.0 + np.tanh(0.5 * stage.final_logits(first_logits, served)))
    own, other = np.asarray(labels) == 1, np.asarray(labels) == 0
    held_before = float(np.mean(p[own] < first_threshold))
    threshold = float(np.quantile(final[own], held_before)) if held_before > 0 else 0.0
    facts = {
        "pairs": len(pairs),
        "coef": {
            "first_stage_logit": round(stage.coef_[0], 4),
            "similarity": round(stage.coef_[1], 4),
        },
        "intercept": round(stage.intercept_, 4),
        "typical_similarity": round(stage.typical_similarity_, 4),
        # None: unbounded (every comment is read).
        "band_first_stage_logit": [round(x, 4) if math.isfinite(x) else None for x in stage.band_],
        "thresholds_served": list(THRESHOLDS_SERVED),
        "recommended_hold_on_topic": round(threshold, 4),
        "own_article_held": {
            "first_stage_at": first_threshold,
            "share": round(held_before, 4),
        },
        "other_article_held": {
            "first_stage": round(float(np.mean(p[other] < first_threshold)), 4),
            "second_stage": round(float(np.mean(final[other] < threshold)), 4),
        },
    }
    return stage, facts
