"""Fitting the abuse model's heads, one attribute at a time.

Each attribute has its own labelled rows (attributes.py) and so its own
weights: a logistic regression on the shared features, scaled by each
feature's log-count ratio, then Platt scaling on held-out calibration rows.
``training.train_abuse`` assembles the heads into ``LinearAttributes``.
"""

from collections import defaultdict

import numpy as np
from sklearn.linear_model import LogisticRegression

from moderation.learning.attributes import TOXICITY
from moderation.learning.attributes import label as attribute_label
from moderation.learning.textfeatures import LinearAttributes

# Each source's share of the abuse training weight. News-site comments are
# what the service scores, so they carry most of it; tweets help only as far
# as they help on held-out news articles, and the keyword-sampled Davidson
# set (83% offensive) least of all.
ABUSE_SOURCE_SHARES = {
    "c3": 0.20,
    "fox": 0.10,
    "civil-comments-spans": 0.15,
    "impermium-insults": 0.15,
    "unhealthy-comments": 0.10,
    "ruddit": 0.05,
    "olid": 0.10,
    "hateval": 0.05,
    "davidson": 0.03,
    # A site's own moderators' labels, when retraining on them: they know
    # the site's line better than any public set, so they weigh the most.
    "site": 0.40,
}
DEFAULT_SOURCE_SHARE = 0.1
# Sources whose abuse rate is that of a real comment stream; probabilities
# are calibrated on them so that a score means a rate among news comments.
# (Civil Comments toxic spans were pre-selected as toxic; tweets were
# sampled by keyword or topic.)
NATURAL_RATE_SOURCES = {"c3", "fox", "unhealthy-comments", "site"}
MIN_CALIBRATION_CLASS = 3
# An attribute is served only where its held-out ROC-AUC on news comments
# reaches this, measured on sources with enough positives to tell.
NEWS_SOURCES = {"c3", "fox", "civil-comments-spans", "unhealthy-comments", "impermium-insults"}
MIN_ATTRIBUTE_AUC = 0.7
MIN_EVALUATION_POSITIVES = 20


def source_weights(sources: list[str], labels: list[int]) -> np.ndarray:
    """Per-row weights: each source gets its configured share of the total,
    split equally between its abusive and its other comments.

    Balancing within a source stops the model from learning a source's base
    rate (83% for Davidson, 9% for C3) as if it were a property of the text.
    """
    counts = defaultdict(int)
    for source, label in zip(sources, labels):
        counts[source, label] += 1
    present = {s for s, _ in counts}
    shares = {s: ABUSE_SOURCE_SHARES.get(s, DEFAULT_SOURCE_SHARE) for s in present}
    total_share = sum(shares.values())
    n = len(sources)
    weights = []
    for source, label in zip(sources, labels):
        classes = sum((source, c) in counts for c in (0, 1))
        weights.append(shares[source] / total_share / classes * n / counts[source, label])
    return np.array(weights)


def fit_head(attribute, rows, features, calibration, calibration_features):
    """One attribute's logistic regression, then its Platt scaling."""
    labels = [attribute_label(c, attribute) for c in rows]
    known = np.array([value is not None for value in labels])
    y = np.array([value for value in labels if value is not None])
    if len(set(y)) < 2:
        return None
    sources = [c.source for c, k in zip(rows, known) if k]
    weights = source_weights(sources, list(y))
    X = features[known]
    # The log-count ratio of each feature (NB-SVM, Wang and Manning 2012)
    # scales the features before the regression and is folded into its
    # weights afterwards, so scoring is one product.
    ratio = _log_count_ratio(X, y, weights)
    classifier = LogisticRegression(C=1.0, solver="liblinear", max_iter=1000)
    classifier.fit(X.multiply(ratio).tocsr(), y, sample_weight=weights)
    coef = classifier.coef_.ravel() * ratio
    intercept = float(classifier.intercept_[0])
    scale, shift = _platt(attribute, calibration, calibration_features, coef, intercept)
    if scale is None:
        return None
    return {
        "name": attribute,
        "coef": coef,
        "intercept": intercept,
        "scale": scale,
        "shift": shift,
        "rows": {"train": int(len(y)), "positive": int(y.sum())},
    }


def _log_count_ratio(X, y, weights, alpha=1.0):
    positive = np.asarray(X[y == 1].T @ weights[y == 1]).ravel() + alpha
    negative = np.asarray(X[y == 0].T @ weights[y == 0]).ravel() + alpha
    return np.log(positive / positive.sum()) - np.log(negative / negative.sum())


def _platt(attribute, calibration, features, coef, intercept):
    keep = [i for i, c in enumerate(calibration) if attribute_label(c, attribute) is not None]
    if attribute == TOXICITY:
        natural = [i for i in keep if calibration[i].source in NATURAL_RATE_SOURCES]
        # Without news rows (a site's own data, tests), every source's rows.
        keep = natural if _both_classes(calibration, natural, attribute) else keep
    if not _both_classes(calibration, keep, attribute):
        return None, None
    y = np.array([attribute_label(calibration[i], attribute) for i in keep])
    margins = (features[keep] @ coef + intercept).reshape(-1, 1)
    weights = _equal_per_source([calibration[i] for i in keep])
    platt = LogisticRegression(C=1e4).fit(margins, y, sample_weight=weights)
    return float(platt.coef_[0, 0]), float(platt.intercept_[0])


def _both_classes(rows, indices, attribute) -> bool:
    labels = [attribute_label(rows[i], attribute) for i in indices]
    return min(sum(labels), len(labels) - sum(labels)) >= MIN_CALIBRATION_CLASS


def _equal_per_source(rows) -> np.ndarray:
    counts = defaultdict(int)
    for row in rows:
        counts[row.source] += 1
    return np.array([len(rows) / len(counts) / counts[row.source] for row in rows])


def drop_weak_attributes(pipeline, report) -> dict:
    """Attributes whose held-out ROC-AUC on news comments (the lowest over
    news sources with enough positives) is under MIN_ATTRIBUTE_AUC are not
    served: a near-random score presented as a model would mislead."""
    heads = pipeline[-1]
    dropped = {}
    for name, by_source in report.get("attribute_validation", {}).items():
        news = [
            result["roc_auc"]
            for source, result in by_source.items()
            if source in NEWS_SOURCES and result["positives"] >= MIN_EVALUATION_POSITIVES
        ]
        auc = min(news) if news else by_source["all"]["roc_auc"]
        if auc is None or auc < MIN_ATTRIBUTE_AUC:
            dropped[name] = auc
    keep = [k for k, name in enumerate(heads.names_) if name not in dropped]
    pipeline.steps[-1] = (
        "classifier",
        LinearAttributes(
            names=[heads.names_[k] for k in keep],
            coef=heads.coef_[:, keep],
            intercept=heads.intercept_[keep],
            scale=heads.scale_[keep],
            shift=heads.shift_[keep],
        ).fit(),
    )
    return dropped
