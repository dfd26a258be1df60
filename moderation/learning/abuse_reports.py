"""What the manifest says of a trained abuse model: the policy thresholds
it recommends, from precision on news calibration rows, and its held-out
figures by source, for the served score and for each attribute; and what
it records of the abuse stage's fit.

Kept apart from the fitting (``training.py``) because both the first stage
alone and the served score (with the abuse stage) are measured the same way.
"""

import math

import numpy as np

from moderation.learning.attributes import TOXICITY
from moderation.learning.attributes import label as attribute_label
from moderation.learning.metrics import binary_report, threshold_for_precision

# The policy's thresholds are set where the news calibration rows reach
# these precisions. Holding costs a moderator a glance and publishing abuse
# costs readers: a third of held comments being abusive keeps the queue worth
# reading while catching far more than a 50% bar would (the manifest records
# the recall at each step, to choose another).
HOLD_PRECISION = 0.3
PRECISION_STEPS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
REJECT_PRECISION = 0.9


def report_by_source(labels, probabilities, sources, threshold) -> dict:
    report = {"all": binary_report(labels, probabilities, threshold)}
    for source in sorted(set(sources)):
        mask = np.array([s == source for s in sources])
        report[source] = binary_report(
            np.asarray(labels)[mask], np.asarray(probabilities)[mask], threshold
        )
    return report


def recommended_thresholds(toxicity, rows) -> dict:
    """The policy's thresholds from precision measured on the news
    calibration ``rows`` (never the held-out ones): hold where at least
    HOLD_PRECISION of what is held is abusive, reject at REJECT_PRECISION;
    with the recall each step would give, to choose another by."""
    if len({c.abusive for c in rows}) < 2:
        return {}
    scores = toxicity([c.text for c in rows])
    labels = np.array([c.abusive for c in rows])
    table = []
    for precision in PRECISION_STEPS:
        threshold = threshold_for_precision(scores, labels, precision)
        if threshold is not None:
            held = scores >= threshold
            table.append(
                {
                    "precision": precision,
                    "threshold": threshold,
                    "recall": round(float((held & (labels == 1)).sum() / labels.sum()), 4),
                    "held_share": round(float(held.mean()), 4),
                }
            )
    return {
        "hold_abusive": threshold_for_precision(scores, labels, HOLD_PRECISION),
        "reject_abusive": threshold_for_precision(scores, labels, REJECT_PRECISION),
        "by_precision": table,
        "measured_on": f"{len(rows)} calibration comments of {sorted({c.source for c in rows})}",
    }


def held_out_report(pipeline, toxicity, held, threshold) -> dict:
    texts = [c.text for c in held]
    attributes = pipeline[-1].predict_attributes(pipeline[:-1].transform(texts))
    attributes[TOXICITY] = toxicity(texts)
    report = {}
    for name, probabilities in attributes.items():
        keep = [i for i, c in enumerate(held) if attribute_label(c, name) is not None]
        values = [attribute_label(held[i], name) for i in keep]
        if len(set(values)) < 2:
            continue
        by_source = report_by_source(
            values, probabilities[keep], [held[i].source for i in keep], threshold
        )
        if name == TOXICITY:
            report["validation"] = by_source
        else:
            report.setdefault("attribute_validation", {})[name] = by_source
    return report


def stage_facts(stage, first_probabilities, tuned, estimated=None) -> dict:
    """What the manifest records of a fitted abuse stage (``abuse_stage.py``)
    and, given ``estimated`` (the estimate's logits beside ``tuned`` on the
    fitting rows), of its score for comments it does not read."""
    facts = {
        "rows": len(tuned),
        "tuned_layers": sorted({int(name.split(".")[0]) for name in stage.layers}),
        "comment_tokens": stage.comment_tokens,
        "coef": {
            "first_stage_logit": round(stage.coef_[0], 4),
            "tuned_logit": round(stage.coef_[1], 4),
        },
        "intercept": round(stage.intercept_, 4),
        "alone": {
            "coef": round(stage.alone_coef_, 4),
            "intercept": round(stage.alone_intercept_, 4),
        },
        "band_first_stage_logit_from": round(stage.band_[0], 4)
        if math.isfinite(stage.band_[0])
        else None,
        "share_read": round(float(stage.reads(first_probabilities).mean()), 4),
    }
    if estimated is not None:
        facts["unread"] = {
            "coef": {
                "first_stage_logit": round(stage.unread_coef_[0], 4),
                "estimated_tuned_logit": round(stage.unread_coef_[1], 4),
            },
            "intercept": round(stage.unread_intercept_, 4),
            "estimate_correlation": round(float(np.corrcoef(estimated, tuned)[0, 1]), 4),
        }
    return facts
