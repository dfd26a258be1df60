"""The abuse second stage: the sentence encoder tuned to read abuse, stacked
on the first stage's score.

The first stage (``features.py``, ``heads.py``) weighs words and character
n-grams; on news comments that tops out near 0.7 ROC-AUC, because whether a
comment attacks someone lies in how its words are used, not in which words
it has. The top layers of the on-topic stage's sentence encoder, tuned with
a logistic head on the news files' training side (``abuse_tuning.py``, a
build step like the encoder itself), read that far better: 0.01-0.11 ROC-AUC
more on the held-out rows of five news sources (README, model card).

The final score is a logistic regression on the two logits, fitted on the
calibration rows of news comments that neither the first stage's weights
nor the tuning read, so it is a rate among news comments and its weights say
how far to trust each. The encoder runs only where its logit could move the
final score across the lowest threshold served (``band_``, bounded for the
first stage's logit alone; about 12 ms a comment against the first stage's
one). On news comments that is every comment: the tuned logit outweighs the
first stage's. A comment it does not
read (below the band; every comment of a batch, as with the on-topic
stage) is scored by a second regression on the first stage's logit and the
tuned logit's estimate from the first stage's features (``abuse_estimate.py``;
stages fitted without one: the first stage's logit alone), fitted on the
same rows, so both scores are rates on the same scale.

``decisive`` reading (``margin_for``): the encoder reads only comments whose
unread score lies within a margin of one of the site's thresholds, the
margin set so that reading the calibration rows left unread would decide
otherwise at most ``DECISIVE_DISAGREEMENT`` (``abuse_estimate.py``) of all
those rows: in sample, so held-out rows differ a little more (README).

The encoder reads a comment as the first stage's normaliser leaves it
(``textnorm.py``): look-alike and full-width letters read as plain ones,
which a word-piece vocabulary would otherwise split into unknown pieces
(on held-out C3 comments, the same ROC-AUC as the raw text to 0.003).

Only the tuned layers and the head are stored; the rest of the encoder is
the on-topic stage's, attached when the model is loaded (``attach``).
"""

import math

import numpy as np
from sklearn.linear_model import LogisticRegression

from moderation.learning.abuse_estimate import decisive_margin
from moderation.learning.abuse_reports import stage_facts
from moderation.learning.second_stage import COMMENT_TOKENS, logit, logits
from moderation.learning.storage import from_half_planes, half_planes

# The lowest abuse hold threshold the band keeps exact (the shipped model's
# recommended hold is far above it).
LOWEST_THRESHOLD_SERVED = 0.05
# Tuned logits beyond this quantile of the fitting rows are rare enough not
# to widen the band.
TUNED_QUANTILE = 0.98
# How a stage was tuned (``flask vectors tune-abuse``), as its file keeps it:
# ``train`` checks the seed and encoder; the rest is for the manifest.
TUNED_WITH = {"seed": int, "encoder_sha256": str, "per_source": int, "epochs": int, "read": str}


class AbuseStage:
    """``layers``: the tuned layers' weights, named as the encoder stores
    them (``"4.q"``, ...); ``head``, ``head_bias``: the logistic head on the
    pooled vector. Fitted attributes: ``coef_`` (first-stage logit, tuned
    logit), ``intercept_``; ``alone_coef_``, ``alone_intercept_`` (the first
    stage's logit alone, for comments not read without an estimate);
    ``estimate`` (a fitted ``TunedLogitEstimate`` or None), ``unread_coef_``
    (first-stage logit, estimate), ``unread_intercept_`` (for comments not
    read); ``band_`` (first-stage logits from which the encoder reads);
    ``decisive_pairs_`` (each fitting row's unread and read final logit)."""

    def __init__(
        self,
        layers: dict,
        head,
        head_bias: float,
        comment_tokens: int = COMMENT_TOKENS,
        tuned_with: dict | None = None,
    ):
        self.layers = {name: np.asarray(value, dtype=np.float16) for name, value in layers.items()}
        self.head = np.asarray(head, dtype=np.float32)
        self.head_bias = float(head_bias)
        self.comment_tokens = comment_tokens
        # {"seed": ..., "encoder_sha256": ...}: the split the tuning kept
        # out, and the encoder file whose lower layers it tuned on top of.
        self.tuned_with = tuned_with
        self.estimate = None
        self._encoder = None

    @classmethod
    def load(cls, path) -> "AbuseStage":
        """An unfitted stage from ``flask vectors tune-abuse``'s file."""
        with np.load(path, allow_pickle=False) as data:
            layers = {name: data[name] for name in data.files if name[0].isdigit()}
            tuned_with = None
            if "seed" in data.files:
                tuned_with = {
                    name: kind(data[name][0])
                    for name, kind in TUNED_WITH.items()
                    if name in data.files
                }
            return cls(layers, data["head"], float(data["head_bias"][0]), tuned_with=tuned_with)

    def save(self, path) -> None:
        extra = {name: np.array([value]) for name, value in (self.tuned_with or {}).items()}
        np.savez(path, head=self.head, head_bias=np.array([self.head_bias]), **extra, **self.layers)

    def check_tuned_for(self, seed: int, encoder_sha256: str) -> None:
        """ValueError unless the tuning kept out this seed's held-out and
        calibration rows and tuned on this encoder: otherwise rows it read
        would be measured as held out, and its layers would sit on another
        encoder's."""
        if self.tuned_with is None:
            raise ValueError("the abuse stage file does not say how it was tuned: tune it again")
        if self.tuned_with["seed"] != seed:
            raise ValueError(
                f"the abuse stage was tuned with seed {self.tuned_with['seed']}, not {seed}: "
                "train with that seed or tune again"
            )
        if self.tuned_with["encoder_sha256"] != encoder_sha256:
            raise ValueError("the abuse stage was tuned on another encoder file than --encoder")

    def attach(self, encoder) -> "AbuseStage":
        """Run on ``encoder`` (the on-topic stage's) with the tuned layers
        in place of its own."""
        self._encoder = encoder.with_layers(self.layers)
        return self

    @property
    def attached(self) -> bool:
        return self._encoder is not None

    @property
    def encoder(self):
        """The encoder with the tuned layers (None until ``attach``)."""
        return self._encoder

    def tuned_logits(self, texts, shared=None) -> np.ndarray:
        if not len(texts):
            return np.zeros(0)
        pooled = self._encoder.pooled(texts, limit=self.comment_tokens, shared=shared)
        return (pooled @ self.head + self.head_bias).astype(float)

    def fit(self, first_logits, tuned_logits, labels, estimated_logits=None) -> "AbuseStage":
        """``estimated_logits``: ``estimate``'s for the same rows, when the
        stage has one."""
        first_logits = np.asarray(first_logits, dtype=float)
        both = np.column_stack([first_logits, tuned_logits])
        model = LogisticRegression(C=1.0, max_iter=1000).fit(both, labels)
        self.coef_ = model.coef_[0].astype(float)
        self.intercept_ = float(model.intercept_[0])
        alone = LogisticRegression(C=1.0, max_iter=1000).fit(first_logits[:, None], labels)
        self.alone_coef_ = float(alone.coef_[0][0])
        self.alone_intercept_ = float(alone.intercept_[0])
        # Margins computed for an earlier fit no longer hold.
        self.__dict__.pop("_margins", None)
        if estimated_logits is not None:
            guessed = np.column_stack([first_logits, estimated_logits])
            unread = LogisticRegression(C=1.0, max_iter=1000).fit(guessed, labels)
            self.unread_coef_ = unread.coef_[0].astype(float)
            self.unread_intercept_ = float(unread.intercept_[0])
            unread_final = guessed @ self.unread_coef_ + self.unread_intercept_
            self.decisive_pairs_ = np.column_stack(
                [unread_final, model.decision_function(both)]
            ).astype(np.float32)
        usual = np.quantile(tuned_logits, [1 - TUNED_QUANTILE, TUNED_QUANTILE])
        self.band_ = self._band(float(max(self.coef_[1] * usual)))
        return self

    @property
    def decides(self) -> bool:
        """Whether ``decisive`` reading is possible: the stage was fitted
        with an estimate."""
        return self.estimate is not None and hasattr(self, "decisive_pairs_")

    def unread_logits(self, first_logits, features=None, texts=None) -> np.ndarray:
        """Final logits of comments the encoder does not read; ``features``:
        the first stage's, for the estimate, and ``texts`` they were made of
        (without them, or without an estimate, the first stage's logit
        alone)."""
        first_logits = np.asarray(first_logits, dtype=float)
        if features is None or not self.decides:
            return self.alone_coef_ * first_logits + self.alone_intercept_
        w_first, w_estimate = self.unread_coef_
        estimated = self.estimate.predict(features, texts)
        return w_first * first_logits + w_estimate * estimated + self.unread_intercept_

    def margin_for(self, thresholds) -> float:
        """How near (in logits) a comment's unread score must lie to one of
        ``thresholds`` for ``decisive`` reading to read it
        (``decisive_margin``)."""
        key = tuple(sorted(thresholds))
        # Every post asks for the app's thresholds: computed once.
        margins = self.__dict__.setdefault("_margins", {})
        if key not in margins:
            margins[key] = decisive_margin(self.decisive_pairs_, key)
        return margins[key]

    def near(self, unread_logits, thresholds) -> np.ndarray:
        """Which comments ``decisive`` reading reads at ``thresholds``."""
        cuts = np.array([logit(t) for t in thresholds])
        distance = np.abs(np.asarray(unread_logits)[:, None] - cuts[None, :]).min(axis=1)
        return distance <= self.margin_for(thresholds)

    def _band(self, highest_tuned_term: float) -> tuple[float, float]:
        """From which first-stage logit z a usual tuned logit could carry the
        final score over LOWEST_THRESHOLD_SERVED: below it, neither score
        holds the comment. Above, the encoder always reads, as it may also
        clear a comment the first stage would hold."""
        w_first = self.coef_[0]
        if w_first <= 0:
            return (-math.inf, math.inf)
        lowest = logit(LOWEST_THRESHOLD_SERVED)
        floor = (lowest - self.intercept_ - highest_tuned_term) / w_first
        # The alone score must not hold a comment below the band either.
        if self.alone_coef_ > 0:
            floor = min(floor, (lowest - self.alone_intercept_) / self.alone_coef_)
        return (floor, math.inf)

    def reads(self, first_probabilities) -> np.ndarray:
        """Which comments the encoder reads, from the first stage's scores."""
        return logits(first_probabilities) >= self.band_[0]

    def final_logits(self, first_logits, tuned_logits) -> np.ndarray:
        w_first, w_tuned = self.coef_
        return (
            w_first * np.asarray(first_logits)
            + w_tuned * np.asarray(tuned_logits)
            + self.intercept_
        )

    def refine(
        self, first_probabilities, texts, read: bool = True, shared=None, features=None, deciding=()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Final probabilities of ``texts`` (normalised), and which comments
        the encoder read: those in ``band_`` (none with ``read=False``), and
        with ``deciding`` (the site's thresholds) only those ``near`` them.
        ``features``: the first stage's, for the estimate. ``shared``: see
        ``shared_layers.py``."""
        first_logits = logits(first_probabilities)
        chosen = (first_logits >= self.band_[0]) & read
        deciding = deciding if features is not None and self.decides else ()
        # Every comment read: no unread score needed (the estimate embeds).
        final = np.zeros(len(first_logits))
        if deciding or not chosen.all():
            final = self.unread_logits(first_logits, features, texts)
        if deciding:
            chosen &= self.near(final, deciding)
        picked = np.flatnonzero(chosen)
        if len(picked):
            tuned = self.tuned_logits([texts[i] for i in picked], shared)
            final[picked] = self.final_logits(first_logits[picked], tuned)
        return 0.5 * (1.0 + np.tanh(0.5 * final)), chosen

    def __getstate__(self):
        unpickled = ("_encoder", "_margins")
        state = {key: value for key, value in self.__dict__.items() if key not in unpickled}
        return {**state, "layers": half_planes(self.layers)}

    def __setstate__(self, state):
        self.__dict__.update({"tuned_with": None, "estimate": None, **state})
        self.layers = from_half_planes(self.layers)
        self._encoder = None


def fit_abuse_stage(
    stage: AbuseStage, encoder, first_probabilities, texts, labels, estimate=None, features=None
):
    """Attach ``stage`` to ``encoder`` and fit its stack on rows neither
    stage's weights saw; return it with the facts the manifest records.
    ``estimate``: a fitted ``TunedLogitEstimate`` for comments not read,
    with ``features``, the first stage's for ``texts``."""
    stage.attach(encoder)
    first_logits = logits(first_probabilities)
    tuned = stage.tuned_logits(list(texts))
    stage.estimate = estimate
    estimated = estimate.predict(features, list(texts)) if estimate is not None else None
    stage.fit(first_logits, tuned, labels, estimated)
    return stage, stage_facts(stage, first_probabilities, tuned, estimated)
