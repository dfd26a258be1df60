"""Quality measures reported in manifests and evaluation reports.

Each function takes labels and probabilities and returns plain floats, so
the results go straight into JSON. Metrics that are undefined for the data
(AUC with one class) come back as ``None`` rather than a misleading number.
"""

import math

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)


def expected_calibration_error(labels, probabilities, bins: int = 10) -> float:
    """Mean gap between predicted probability and observed rate, by bin."""
    labels = np.asarray(labels, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probabilities, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            gap = abs(probabilities[in_bin].mean() - labels[in_bin].mean())
            error += in_bin.mean() * gap
    return float(error)


def binary_report(labels, probabilities, threshold: float) -> dict:
    """AUC, AP, Brier, calibration error and macro-F1 at ``threshold``."""
    labels = np.asarray(labels, dtype=int)
    probabilities = np.asarray(probabilities, dtype=float)
    both_classes = len(np.unique(labels)) == 2
    predicted = (probabilities >= threshold).astype(int)
    return {
        "rows": int(len(labels)),
        "positives": int(labels.sum()),
        "roc_auc": _round(roc_auc_score(labels, probabilities)) if both_classes else None,
        "average_precision": (
            _round(average_precision_score(labels, probabilities)) if both_classes else None
        ),
        "macro_f1": _round(f1_score(labels, predicted, average="macro", zero_division=0)),
        "threshold": threshold,
        "precision": _round(precision_score(labels, predicted, zero_division=0)),
        "recall": _round(recall_score(labels, predicted, zero_division=0)),
        "flagged_share": _round(predicted.mean()) if len(predicted) else None,
        "brier": _round(brier_score_loss(labels, probabilities)),
        "calibration_error": _round(expected_calibration_error(labels, probabilities)),
    }


def _round(value) -> float:
    return round(float(value), 4)


def threshold_for_precision(scores, labels, precision: float) -> float | None:
    """The lowest threshold at which the comments scoring at or above it
    are at least ``precision`` positive (None if no threshold reaches it)."""
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    ranked = np.asarray(scores, dtype=float)[order]
    hits = np.cumsum(np.asarray(labels, dtype=int)[order])
    reached = hits / np.arange(1, len(ranked) + 1) >= precision
    # Only where the next score differs: a threshold takes every tie.
    last_of_tie = np.append(ranked[1:] != ranked[:-1], True)
    usable = np.flatnonzero(reached & last_of_tie)
    if not len(usable):
        return None
    # Rounded down: rounded to the nearest, the threshold could pass the
    # score it was read from and leave that comment out (a 90% row that
    # held nothing).
    return math.floor(float(ranked[usable[-1]]) * 10**4) / 10**4
