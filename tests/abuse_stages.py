"""Abuse stages for tests: tuned layers from another tiny encoder, a stage
that counts what it reads, and the sample data trained with both stages
(tests/test_abuse_stage.py, tests/test_abuse_decisive.py)."""

import dataclasses
import pickle

import numpy as np

from moderation.learning.abuse_stage import AbuseStage
from moderation.learning.datasets import read_articles, read_comments
from moderation.learning.scoring import Scorer
from moderation.learning.training import train_models
from tests.encoders import tiny_encoder


def tuned_layers(seed: int = 1) -> dict:
    """The top layer of another tiny encoder: stands in for tuned weights."""
    other = tiny_encoder(seed)
    return {name: value for name, value in other.stored_weights().items() if name.startswith("1.")}


def stage_on(encoder) -> AbuseStage:
    head = np.random.default_rng(2).normal(0, 1, encoder._position.shape[1])
    return AbuseStage(tuned_layers(), head, 0.0).attach(encoder)


class CountingStage(AbuseStage):
    """Counts what the encoder reads; a tuned logit of +4 for "idiot"."""

    def __init__(self):
        super().__init__({}, np.zeros(1), 0.0)
        self.read = []

    def tuned_logits(self, texts, shared=None):
        self.read.extend(texts)
        return np.array([4.0 if "idiot" in t else -4.0 for t in texts])


def fitted_counting_stage() -> CountingStage:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 800)
    # Both scores are right, the tuned logit more often.
    first = rng.normal(-2 + 3 * labels, 1)
    tuned = rng.normal(-2 + 4 * labels, 1)
    return CountingStage().fit(first, tuned, labels)


def logit_of(p):
    return np.log(p / (1 - p))


def train_with_stage(data_files):
    """The sample data trained with both stages, its rows read as news
    comments (the stage is fitted on news calibration rows only)."""
    comments, articles = data_files
    rows = [dataclasses.replace(c, source="site") for c in read_comments(comments)]
    encoder = tiny_encoder(0)
    thresholds = {"hold_abusive": 0.5, "hold_on_topic": 0.3}
    models, manifest = train_models(
        rows,
        read_articles(articles),
        0,
        thresholds,
        log=lambda _: None,
        encoder=encoder,
        abuse_stage=stage_on(tiny_encoder(0)),
    )
    return models, manifest


def served(models) -> Scorer:
    """The trained models as the service loads them: the stage unpickled,
    attached to the on-topic stage's encoder."""
    return Scorer(
        "v", models["abuse"], models["on_topic"], models["second_stage"], None,
        pickle.loads(pickle.dumps(models["abuse_stage"])),
    )  # fmt: skip
