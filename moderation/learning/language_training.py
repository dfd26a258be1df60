"""Training the abuse model of the languages other than English.

Rows in another language (``meta.language``) are kept out of the English
model and fitted here, one model per language (multilingual.py). Held out
first, as for English: 20% of each file by hash (the files come without
their official test rows). Of the rest, a quarter calibrates each language.

The report says, per language and per source, how the held-out rows score
with this model and with the English one they were read with before; and,
for a language with several sources, how a model that never saw a source
does on it: the nearest thing here to another outlet.
"""

import numpy as np

from moderation.learning.heads import NATURAL_RATE_SOURCES
from moderation.learning.metrics import binary_report
from moderation.learning.multilingual import build_pipeline
from moderation.learning.splits import group_of, held_out, in_validation, language_of_row

CALIBRATION_SHARE = 0.25
DEFAULT_PRIOR = 0.1


def other_languages(comments) -> tuple[list, list]:
    """(English rows, rows in other languages)."""
    english, others = [], []
    for comment in comments:
        (english if language_of_row(comment) == "en" else others).append(comment)
    return english, others


def news_rate(english, seed: int) -> float:
    """The abuse rate of the English training rows of news comment streams:
    the rate the other languages' probabilities are moved to."""
    labels = [
        c.abusive
        for c in english
        if c.source in NATURAL_RATE_SOURCES and c.abusive is not None and not held_out(c, seed)
    ]
    return round(float(np.mean(labels)), 4) if labels else DEFAULT_PRIOR


def train_language_abuse(comments, seed: int, prior: float, threshold: float, english=None):
    """The fitted pipeline (None when no language has enough rows) and its
    report. ``english`` is the English abuse pipeline, for the comparison."""
    rows = [c for c in comments if c.abusive is not None]
    held = [c for c in rows if held_out(c, seed)]
    train = [c for c in rows if not held_out(c, seed)]
    pipeline = _fit(train, seed, prior)
    if pipeline is None:
        return None, {}
    report = {
        "languages": list(pipeline[-1].languages_),
        "rows": pipeline[-1].rows_,
        "prior": prior,
        "validation_rows": len(held),
    }
    if held:
        report["validation"] = _by_language_and_source(pipeline, held, threshold, english)
        report["without_the_source"] = _cross_source(train, held, seed, prior, threshold)
    return pipeline, report


def _fit(train, seed, prior):
    if not train:
        return None
    pipeline = build_pipeline(prior)
    calibration = [in_validation(group_of(c), seed + 1, CALIBRATION_SHARE) for c in train]
    pipeline.fit(
        [(c.text, language_of_row(c)) for c in train],
        [c.abusive for c in train],
        classifier__calibration=calibration,
    )
    return pipeline if pipeline[-1].languages_ else None


def _by_language_and_source(pipeline, held, threshold, english) -> dict:
    known = [c for c in held if pipeline[-1].reads(language_of_row(c))]
    if not known:
        return {}
    scores = pipeline.predict_proba([(c.text, language_of_row(c)) for c in known])[:, 1]
    before = english.predict_proba([c.text for c in known])[:, 1] if english else None
    report = {}
    groups = sorted({(language_of_row(c), c.source) for c in known})
    for key in sorted({language for language, _ in groups}) + [s for _, s in groups]:
        mask = np.array([key in (language_of_row(c), c.source) for c in known])
        labels = np.array([c.abusive for c in known])[mask]
        report[key] = binary_report(labels, scores[mask], threshold)
        if before is not None and len(set(labels)) == 2:
            report[key]["english_model_roc_auc"] = binary_report(labels, before[mask], threshold)[
                "roc_auc"
            ]
    return report


def _cross_source(train, held, seed, prior, threshold) -> dict:
    """For each source of a language with several: a model fitted without
    that source's rows, on its held-out rows."""
    report = {}
    sources = {}
    for comment in train:
        sources.setdefault(language_of_row(comment), set()).add(comment.source)
    for language, names in sorted(sources.items()):
        for source in sorted(names) if len(names) > 1 else []:
            rows = [c for c in train if language_of_row(c) == language and c.source != source]
            pipeline = _fit(rows, seed, prior)
            target = [c for c in held if c.source == source]
            if pipeline is None or not pipeline[-1].reads(language) or not target:
                continue
            scores = pipeline.predict_proba([(c.text, language) for c in target])[:, 1]
            report[source] = binary_report([c.abusive for c in target], scores, threshold)
    return report
