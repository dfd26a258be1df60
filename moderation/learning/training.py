"""Training both models from labelled files and measuring them honestly.

Validation is held out by group before anything is fitted: comments of one
article (or, for tweets, each tweet) fall wholly on one side, chosen by a
hash of the group id so the same data always gives the same split. The
shipped pipelines are fitted on the training side only, so the numbers in
the manifest are the held-out numbers of exactly the artifact that ships.
"""

import random
import re
import time
from datetime import UTC, datetime

import numpy as np

from moderation.learning.abuse_estimate import PER_SOURCE, estimate_rows, fit_estimate
from moderation.learning.abuse_reports import (
    held_out_report,
    recommended_thresholds,
    report_by_source,
)
from moderation.learning.abuse_stage import fit_abuse_stage
from moderation.learning.attributes import ATTRIBUTES, TOXICITY
from moderation.learning.attributes import label as attribute_label
from moderation.learning.counterfactuals import counterfactuals
from moderation.learning.examples import LabelledComment
from moderation.learning.features import build_abuse_pipeline, build_on_topic_pipeline
from moderation.learning.heads import (
    ABUSE_SOURCE_SHARES,
    NATURAL_RATE_SOURCES,
    drop_weak_attributes,
    fit_head,
)
from moderation.learning.language_training import (
    news_rate,
    other_languages,
    train_language_abuse,
)
from moderation.learning.pairs import on_topic_pairs
from moderation.learning.second_stage import fit_second_stage
from moderation.learning.splits import (
    CALIBRATION_SHARE,
    VALIDATION_SHARE,
    group_of,
    held_out,
    in_validation,
)
from moderation.learning.textfeatures import LinearAttributes
from moderation.learning.wordvectors import WordVectors

# Training groups kept from the on-topic first stage to fit the second.
STACKING_SHARE = 0.25
KEYWORD_SAMPLED = {"hateval", "davidson"}
HASHTAG_RE = re.compile(r"#\w+")


class TrainingError(ValueError):
    """The data given cannot train a model."""


def train_abuse(
    comments: list[LabelledComment],
    seed: int,
    threshold: float,
    stage=None,
    encoder=None,
    word_vectors=None,
):
    """Fit the shared features and one calibrated head per attribute; given
    a tuned ``stage`` (abuse_stage.py) and the ``encoder`` it runs on, fit
    its stack too, on the news calibration rows, and the estimate of its
    verdict for comments it does not read (abuse_estimate.py; with the
    on-topic stage's ``word_vectors``, when given, among its features).

    Held out first: each source's official test split, or 20% of its
    articles (of its comments, where it has no articles). Of the rest, a
    quarter of the groups calibrates the heads (Platt scaling) and the others
    fit them. The abuse head is calibrated on the sources with a natural
    abuse rate only (news comments), so its scores are rates among news
    comments; the attributes, labelled on few sources, on all of theirs.
    """
    labelled = [c for c in comments if any(attribute_label(c, a) is not None for a in ATTRIBUTES)]
    if len({c.abusive for c in labelled if c.abusive is not None}) < 2:
        raise TrainingError("the abuse model needs comments labelled both abusive and not")
    held = [c for c in labelled if held_out(c, seed)]
    train = [c for c in labelled if not held_out(c, seed)]
    calibration = [c for c in train if in_validation(group_of(c), seed + 1, CALIBRATION_SHARE)]
    chosen = set(calibration)
    fit_rows = [c for c in train if c not in chosen]
    if not fit_rows:
        raise TrainingError("too few labelled comments to train the abuse model")
    # Copies that swap the groups they name (counterfactuals.py) fit the
    # heads; only the real rows are counted and measured.
    swapped = counterfactuals(fit_rows, seed)
    fitted = fit_rows + swapped
    pipeline = build_abuse_pipeline()
    features = pipeline[:-1].fit_transform([_training_text(c) for c in fitted])
    calibration_features = pipeline[:-1].transform([_training_text(c) for c in calibration])
    heads = [
        fit_head(attribute, fitted, features, calibration, calibration_features)
        for attribute in ATTRIBUTES
    ]
    heads = [head for head in heads if head is not None]
    if not heads or heads[0]["name"] != TOXICITY:
        raise TrainingError("too few labelled comments of each class to calibrate the abuse model")
    pipeline.steps[-1] = (
        "classifier",
        LinearAttributes(
            names=[h["name"] for h in heads],
            coef=np.column_stack([h["coef"] for h in heads]),
            intercept=[h["intercept"] for h in heads],
            scale=[h["scale"] for h in heads],
            shift=[h["shift"] for h in heads],
        ).fit(),
    )
    report = {
        "train_rows": len(fit_rows),
        "counterfactual_rows": len(swapped),
        "calibration_rows": len(calibration),
        "calibration_sources": sorted({c.source for c in calibration}),
        "validation_rows": len(held),
        "attributes": {h["name"]: h["rows"] for h in heads},
    }
    news = [c for c in calibration if c.source in NATURAL_RATE_SOURCES]
    if stage is not None:
        if len({c.abusive for c in news}) < 2:
            raise TrainingError("the abuse stage needs news calibration rows of both classes")
        stage.attach(encoder)
        # The rows the tuning read stay out of the estimate's.
        per_source = (stage.tuned_with or {}).get("per_source", PER_SOURCE)
        rows = estimate_rows(comments, fit_rows, seed, per_source)
        estimate = fit_estimate(pipeline, stage, rows, word_vectors)
        normalised = pipeline.named_steps["normalise"].transform([c.text for c in news])
        stage, report["abuse_stage"] = fit_abuse_stage(
            stage,
            encoder,
            pipeline.predict_proba([c.text for c in news])[:, 1],
            normalised,
            [c.abusive for c in news],
            estimate,
            pipeline.named_steps["features"].transform(normalised),
        )
    toxicity = _toxicity(pipeline, stage)
    report["recommended_thresholds"] = recommended_thresholds(toxicity, news)
    if held:
        report.update(held_out_report(pipeline, toxicity, held, threshold))
        report["attributes_dropped"] = drop_weak_attributes(pipeline, report)
        if stage is not None:
            first = [c for c in held if c.abusive is not None]
            first_scores = pipeline.predict_proba([c.text for c in first])[:, 1]
            labels, sources = [c.abusive for c in first], [c.source for c in first]
            report["first_stage_validation"] = report_by_source(
                labels, first_scores, sources, threshold
            )
            # What a comment the encoder does not read gets (batches).
            normalised = pipeline.named_steps["normalise"].transform([c.text for c in first])
            unread, _ = stage.refine(
                first_scores,
                normalised,
                read=False,
                features=pipeline.named_steps["features"].transform(normalised),
            )
            report["unread_validation"] = report_by_source(labels, unread, sources, threshold)
    return pipeline, stage, report


def _toxicity(pipeline, stage):
    """The abuse score of texts: the first stage's, refined by ``stage``."""

    def scores(texts):
        first = pipeline.predict_proba(texts)[:, 1]
        if stage is None:
            return first
        return stage.refine(first, pipeline.named_steps["normalise"].transform(texts))[0]

    return scores


def _training_text(comment) -> str:
    """Keyword- and hashtag-sampled tweets keep their hashtags out of
    training: HatEval was collected by searching for hashtags such as
    #BuildThatWall, so they mark the collection, not abuse."""
    if comment.source in KEYWORD_SAMPLED:
        return HASHTAG_RE.sub(" ", comment.text)
    return comment.text


def train_on_topic(
    comments, articles, seed: int, threshold: float, word_vectors=None, encoder=None
):
    """Fit the first stage and, given a sentence ``encoder``, the second.

    With an encoder, a quarter of the training groups is kept from the first
    stage to fit the second: its weights must be learnt on first-stage
    scores of pairs the first stage never saw, or they would trust it too
    much."""
    pairs, labels, groups, sources = on_topic_pairs(comments, articles, random.Random(seed))
    if len(set(labels)) < 2:
        raise TrainingError(
            "the on-topic model needs comments whose article_id is in the --articles file"
        )
    validation = np.array([in_validation(g, seed) for g in groups])
    stacking = (
        np.array(
            [encoder is not None and in_validation(g, seed + 2, STACKING_SHARE) for g in groups]
        )
        & ~validation
    )
    first = ~validation & ~stacking
    pick = lambda items, mask: [x for x, m in zip(items, mask) if m]  # noqa: E731
    pipeline = build_on_topic_pipeline(word_vectors)
    pipeline.fit(pick(pairs, first), pick(labels, first))
    report = {"train_pairs": int(first.sum()), "validation_pairs": int(validation.sum())}
    second = None
    if encoder is not None:
        fitting, fitting_labels = pick(pairs, stacking), pick(labels, stacking)
        if len(set(fitting_labels)) < 2:
            raise TrainingError("too few on-topic pairs to fit the second stage")
        second, report["second_stage"] = fit_second_stage(
            encoder, pipeline.predict_proba(fitting)[:, 1], fitting, fitting_labels
        )
    if validation.any():
        held = pick(pairs, validation)
        probabilities = pipeline.predict_proba(held)[:, 1]
        if second is not None:
            first_stage = report_by_source(
                pick(labels, validation), probabilities, pick(sources, validation), threshold
            )
            report["first_stage_validation"] = first_stage
            probabilities, read = second.refine(
                probabilities, [c for c, _, _ in held], [a for _, a, _ in held]
            )
            report["second_stage"]["validation_share_encoded"] = round(float(read.mean()), 4)
        report["validation"] = report_by_source(
            pick(labels, validation), probabilities, pick(sources, validation), threshold
        )
    return pipeline, second, report


def train_models(
    comments,
    articles,
    seed: int,
    thresholds: dict,
    log=print,
    word_vectors=None,
    encoder=None,
    abuse_stage=None,
):
    """Fit both pipelines; return them with the manifest fields describing them.
    ``abuse_stage``: tuned layers from ``vectors tune-abuse`` (needs ``encoder``)."""
    if not articles:
        raise TrainingError("the on-topic model needs articles: pass --articles FILE")
    started = time.perf_counter()
    comments, elsewhere = other_languages(comments)
    log(f"abuse: {sum(c.abusive is not None for c in comments)} labelled comments")
    if abuse_stage is not None and encoder is None:
        raise TrainingError("the abuse stage runs on the sentence encoder: pass --encoder too")
    abuse, abuse_stage, abuse_report = train_abuse(
        comments,
        seed,
        thresholds["hold_abusive"],
        abuse_stage,
        encoder,
        # The estimate reads them as the on-topic stage will have them.
        WordVectors.load(word_vectors) if word_vectors and abuse_stage else None,
    )
    languages, languages_report = train_language_abuse(
        elsewhere, seed, news_rate(comments, seed), thresholds["hold_abusive"], english=abuse
    )
    # One message per step: the admin page's progress bar counts them.
    log(f"abuse: fitted in {time.perf_counter() - started:.1f}s")
    on_topic, second_stage, on_topic_report = train_on_topic(
        comments, articles, seed, thresholds["hold_on_topic"], word_vectors, encoder
    )
    log(f"on_topic: fitted in {time.perf_counter() - started:.1f}s")
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "validation_share": VALIDATION_SHARE,
        "abuse_source_shares": ABUSE_SOURCE_SHARES,
        "policy_thresholds": thresholds,
        "metrics": {
            "abuse": abuse_report,
            "on_topic": on_topic_report,
            **({"abuse_languages": languages_report} if languages is not None else {}),
        },
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    models = {"abuse": abuse, "on_topic": on_topic}
    if second_stage is not None:
        models["second_stage"] = second_stage
    if abuse_stage is not None:
        models["abuse_stage"] = abuse_stage
    if languages is not None:
        models["abuse_languages"] = languages
    return models, manifest
