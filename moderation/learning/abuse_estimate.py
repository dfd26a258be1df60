"""An estimate of the abuse stage's tuned logit from the first stage's
features and the comment's word vectors, at a small part of the encoder's
cost.

The abuse stage's encoder costs 8-13 ms a comment, the first stage's
features well under one, and they are computed for every comment anyway. A
ridge regression of the tuned logit on those features (the encoder's
verdicts distilled into word and character n-gram weights) follows the
tuned logit (correlation 0.80 on the news calibration rows with the
comment's embedding in the on-topic word vectors among its features, 0.74
without: the manifest's ``abuse_stage.unread``), so:

- a comment the encoder does not read (every comment of a batch, and every
  comment with ``MODERATION_ABUSE_ENCODER=off``) is scored from the first
  stage's logit and this estimate, both stacked on the same calibration rows
  as the encoder's stack: better than the first stage alone;
- ``MODERATION_ABUSE_ENCODER=decisive`` runs the encoder only where the
  estimate leaves the decision at the site's thresholds in doubt
  (``AbuseStage.margin_for``).

It is fitted on training-side comments that neither the tuning nor the
calibration read (``estimate_rows``): on rows the tuning read, the tuned
logit knows their labels, and the estimate would learn them instead of the
encoder. The weights are stored as int8 with one scale: 786,432 of them
(most zero), 0.24 MB compressed instead of about 0.9 at half precision,
with the same correlation to the tuned logit to four decimals (measured on
the previous version's calibration rows).
"""

import math
import random

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import Ridge

from moderation.learning.heads import NEWS_SOURCES
from moderation.learning.second_stage import logit
from moderation.learning.splits import CALIBRATION_SHARE, group_of, held_out, in_validation
from moderation.learning.storage import int8_rows

# Rows the estimate is fitted on, at most: the encoder reads each to give
# the target (about 100 s for 20,000 on two cores).
ESTIMATE_ROWS = 20_000
# Chosen on all sources' calibration rows of the version before the
# estimate (1, 3, 10 and 30 gave correlations 0.875, 0.866, 0.846 and 0.820
# with the tuned logit), the rows the stacks are then fitted on.
RIDGE_ALPHA = 1.0
# News comments a source the tuning reads, at most (``abuse_tuning.py``).
PER_SOURCE = 4000
# The share of calibration comments ``decisive`` reading may decide
# otherwise than reading every one would, at a site's thresholds.
DECISIVE_DISAGREEMENT = 0.005


def tuning_rows(comments, seed: int, per_source: int = PER_SOURCE) -> list:
    """The news comments the tuning reads (``abuse_tuning.py``): training
    side, calibration rows kept out, at most ``per_source`` a source (a
    seeded sample). Here, as the estimate must keep them out too, and
    training needs no PyTorch."""
    rng = random.Random(seed)
    rows = []
    for source in sorted(NEWS_SOURCES):
        side = [
            c
            for c in comments
            if c.source == source
            and c.abusive is not None
            and not held_out(c, seed)
            and not in_validation(group_of(c), seed + 1, CALIBRATION_SHARE)
        ]
        rows += rng.sample(side, min(per_source, len(side)))
    return rows


def estimate_rows(
    comments, fit_rows, seed: int, per_source: int = PER_SOURCE, limit: int = ESTIMATE_ROWS
) -> list:
    """Of ``fit_rows`` (the training side less the calibration rows), those
    the tuning did not read: a seeded sample of at most ``limit``. The
    tuning's rows are found as it found them, from ``comments`` with its
    ``per_source``: given other news files than the tuning read, the sample
    would differ (the README's commands give both the same)."""
    tuned = {id(c) for c in tuning_rows(comments, seed, per_source)}
    rows = [c for c in fit_rows if id(c) not in tuned]
    return random.Random(seed).sample(rows, min(limit, len(rows)))


class TunedLogitEstimate:
    """Fitted attributes: ``coef_`` (int8, one per feature), ``scale_``,
    ``intercept_``; ``vector_coef_`` (one per dimension of the on-topic
    stage's word vectors, read from the comment's embedding; None when
    fitted without them). The word vectors are the on-topic pipeline's,
    attached when the model is loaded (``attach``), not stored twice."""

    vector_coef_ = None

    def fit(self, features, tuned_logits, word_vectors=None, texts=()) -> "TunedLogitEstimate":
        """``word_vectors`` (with the ``texts`` ``features`` were made of):
        the comment's embedding in them joins the features; on the version
        before, they raised the correlation with the tuned logit on the news
        calibration rows from 0.731 to 0.798 (README)."""
        self.vector_coef_ = None
        if word_vectors is not None:
            features = sp.hstack([features, word_vectors.embed(texts)], format="csr")
        model = Ridge(alpha=RIDGE_ALPHA, solver="sparse_cg").fit(features, tuned_logits)
        coef = np.asarray(model.coef_)
        if word_vectors is not None:
            dimensions = word_vectors.vectors.shape[1]
            coef, self.vector_coef_ = coef[:-dimensions], coef[-dimensions:].astype(np.float32)
        values, scale = int8_rows(coef[None, :])
        self.coef_ = values[0]
        self.scale_ = float(scale[0, 0])
        self.intercept_ = float(model.intercept_)
        self._word_vectors = word_vectors
        self._prepare()
        return self

    @property
    def reads_words(self) -> bool:
        """Whether it needs the on-topic stage's word vectors attached."""
        return self.vector_coef_ is not None

    def attach(self, word_vectors) -> "TunedLogitEstimate":
        if self.reads_words and word_vectors is None:
            raise ValueError("the abuse estimate reads word vectors the on-topic model lacks")
        self._word_vectors = word_vectors
        return self

    def _prepare(self) -> None:
        # scipy converts a vector to the matrix's dtype on every product:
        # 786,432 weights took 274 µs a comment as int8, 2.7 as float32.
        self._weights = self.coef_.astype(np.float32) * np.float32(self.scale_)

    def predict(self, features, texts=None) -> np.ndarray:
        """``texts``: those ``features`` were made of (for the embedding)."""
        found = np.asarray(features @ self._weights, dtype=float).ravel() + self.intercept_
        if self.reads_words:
            found += self._word_vectors.embed(texts) @ self.vector_coef_
        return found

    def __getstate__(self):
        unpickled = ("_weights", "_word_vectors")
        return {key: value for key, value in self.__dict__.items() if key not in unpickled}

    def __setstate__(self, state):
        self.__dict__.update({"_word_vectors": None, **state})
        self._prepare()


def fit_estimate(pipeline, stage, rows, word_vectors=None) -> TunedLogitEstimate:
    """The estimate of attached ``stage``'s tuned logit from the features of
    ``pipeline`` (the first stage) and, given them, the comment's embedding
    in ``word_vectors``, fitted on ``rows`` as the service reads them."""
    normalised = pipeline.named_steps["normalise"].transform([c.text for c in rows])
    features = pipeline.named_steps["features"].transform(normalised)
    return TunedLogitEstimate().fit(
        features, stage.tuned_logits(normalised), word_vectors, normalised
    )


def decisive_margin(pairs, thresholds) -> float:
    """``margin_for`` from the fitting rows' (unread, read) final logits:
    the comments left unread (farther than it from every threshold) that
    reading would decide otherwise are at most DECISIVE_DISAGREEMENT of all
    the rows. In sample: held-out rows differ somewhat more (README)."""
    unread, read = (np.asarray(pairs[:, k], dtype=float) for k in (0, 1))
    cuts = np.array(sorted(logit(t) for t in thresholds))
    # At a threshold is held, as the policy holds at >=.
    differs = np.searchsorted(cuts, unread, "right") != np.searchsorted(cuts, read, "right")
    distance = np.abs(unread[:, None] - cuts[None, :]).min(axis=1)
    # Leave unread the comments farthest from every threshold, as many as
    # keeps the decisions that differ among them within the allowance.
    order = np.argsort(-distance)
    allowed = np.flatnonzero(np.cumsum(differs[order]) <= DECISIVE_DISAGREEMENT * len(pairs))
    if not len(allowed):
        return math.inf
    left_unread = allowed[-1] + 1
    if left_unread == len(pairs):
        return -math.inf
    # The nearest comment left unread lies beyond this distance.
    return float(distance[order[left_unread]])
