"""Thresholds from a target precision, measured on the site's own labels.

The reject threshold is the lowest abuse score above which at least the
target share of labelled comments were abusive; the hold threshold is the
highest score below which at least the target share were not. Comments in
between go to the queue: the stricter the target, the bigger the queue.
"""

import numpy as np

MIN_SUPPORT = 5


def suggest(abusive_scores, abusive_labels, precision: float) -> dict:
    scores = np.asarray(abusive_scores, dtype=float)
    labels = np.asarray(abusive_labels, dtype=int)
    if len(scores) == 0 or len(set(labels)) < 2:
        raise ValueError("the site's labels need both abusive and other comments")
    reject = _lowest_precise(scores, labels, precision)
    hold = _highest_precise(scores, labels, precision)
    if reject is not None and hold is not None and hold > reject:
        hold = reject
    rejected = scores >= reject if reject is not None else np.zeros(len(scores), bool)
    approved = scores < hold if hold is not None else np.zeros(len(scores), bool)
    return {
        "target_precision": precision,
        "labelled": int(len(scores)),
        "reject_abusive": reject,
        "hold_abusive": hold,
        "auto_rejected": int(rejected.sum()),
        "reject_precision": _share(labels[rejected] == 1),
        "auto_approved": int(approved.sum()),
        "approve_precision": _share(labels[approved] == 0),
        "to_queue": int((~rejected & ~approved).sum()),
        "queue_share": round(float((~rejected & ~approved).mean()), 4),
    }


def _lowest_precise(scores, labels, precision):
    """Lowest t with precision of {score >= t} >= target (None if none)."""
    best = None
    for t in sorted(set(scores), reverse=True):
        chosen = scores >= t
        if chosen.sum() >= MIN_SUPPORT and labels[chosen].mean() >= precision:
            best = float(t)
    return best


def _highest_precise(scores, labels, precision):
    """Highest t with share of non-abusive in {score < t} >= target."""
    best = None
    for t in sorted(set(scores)):
        chosen = scores < t
        if chosen.sum() >= MIN_SUPPORT and (1 - labels[chosen]).mean() >= precision:
            best = float(t)
    return best


def _share(mask) -> float | None:
    return round(float(mask.mean()), 4) if len(mask) else None
