"""The abuse second stage: encoder layers tuned for abuse, stacked on the
first stage's score; read where they could hold a comment, and comments not
read (batches) scored on the same scale without them."""

import pickle

import numpy as np
import pytest

from moderation.learning import encoder
from moderation.learning.abuse_stage import LOWEST_THRESHOLD_SERVED, AbuseStage
from moderation.learning.datasets import read_articles, read_comments
from moderation.learning.encoder import SentenceEncoder
from moderation.learning.scoring import Scorer
from moderation.learning.training import train_models
from tests.abuse_stages import (
    fitted_counting_stage,
    logit_of,
    served,
    stage_on,
    train_with_stage,
    tuned_layers,
)
from tests.encoders import tiny_encoder

TEXTS = ["the council vote", "buy cheap now", "hello world"]


def test_a_tuned_copy_runs_its_own_layers_and_leaves_the_encoder_as_it_was():
    base = tiny_encoder(0)
    before = base.encode(TEXTS)
    whole = SentenceEncoder(base.vocabulary, {**base.stored_weights(), **tuned_layers()})
    tuned = base.with_layers(tuned_layers())
    np.testing.assert_allclose(tuned.encode(TEXTS), whole.encode(TEXTS), atol=1e-6)
    np.testing.assert_array_equal(base.encode(TEXTS), before)
    assert not np.allclose(tuned.encode(TEXTS), before, atol=1e-3)


def test_pooled_vectors_made_unit_length_are_the_sentence_vectors():
    encoder = tiny_encoder(0)
    pooled = encoder.pooled(TEXTS)
    np.testing.assert_allclose(
        pooled / np.linalg.norm(pooled, axis=1, keepdims=True), encoder.encode(TEXTS), atol=1e-6
    )


def test_the_stack_trusts_the_score_that_predicts_the_label():
    stage = fitted_counting_stage()
    assert stage.coef_[1] > stage.coef_[0] > 0
    assert stage.alone_coef_ > 0


def test_a_comment_the_first_stage_clears_below_the_band_is_not_read_nor_held():
    stage = fitted_counting_stage()
    floor = stage.band_[0]
    far_below, above = (1 / (1 + np.exp(-z)) for z in (floor - 3, floor + 1))
    scores, read = stage.refine([far_below, above], ["you idiot", "you idiot"])
    assert list(read) == [False, True]
    assert stage.read == ["you idiot"]
    assert scores[0] < LOWEST_THRESHOLD_SERVED
    # Read, the tuned logit's verdict carries the score up.
    assert scores[1] > scores[0]


def test_the_tuned_logit_can_clear_a_comment_the_first_stage_would_hold():
    stage = fitted_counting_stage()
    first = 1 / (1 + np.exp(-3.0))
    (reported, insult), _ = stage.refine([first, first], ["he was called names", "you idiot"])
    assert reported < 0.5 < insult


def test_unread_comments_get_the_first_stage_recalibrated_on_the_same_rows():
    stage = fitted_counting_stage()
    first = np.array([0.05, 0.3, 0.8])
    scores, read = stage.refine(first, ["a", "b idiot", "c"], read=False)
    assert not read.any() and stage.read == []
    expected = 1 / (1 + np.exp(-(stage.alone_coef_ * logit_of(first) + stage.alone_intercept_)))
    np.testing.assert_allclose(scores, expected, atol=1e-9)
    # Higher first-stage scores stay higher: one scale, one threshold.
    assert list(np.argsort(scores)) == [0, 1, 2]


def test_a_pickled_stage_leaves_the_encoder_out_and_scores_the_same_reattached():
    encoder = tiny_encoder(0)
    stage = stage_on(encoder)
    rng = np.random.default_rng(3)
    stage.fit(
        rng.normal(0, 1, 50), stage.tuned_logits(TEXTS * 16 + TEXTS[:2]), rng.integers(0, 2, 50)
    )
    stored = pickle.dumps(stage)
    assert len(stored) < len(pickle.dumps(encoder))
    loaded = pickle.loads(stored)
    assert not loaded.attached
    loaded.attach(encoder)
    first = [0.2, 0.5, 0.9]
    np.testing.assert_allclose(loaded.refine(first, TEXTS)[0], stage.refine(first, TEXTS)[0])


def test_the_stage_file_round_trips_with_how_it_was_tuned(tmp_path):
    stage = stage_on(tiny_encoder(0))
    tuned_with = {
        "seed": 3,
        "encoder_sha256": "ab" * 32,
        "per_source": 100,
        "epochs": 2,
        "read": "normalised",
    }
    stage.tuned_with = dict(tuned_with)
    stage.save(tmp_path / "stage.npz")
    loaded = AbuseStage.load(tmp_path / "stage.npz").attach(tiny_encoder(0))
    np.testing.assert_allclose(loaded.tuned_logits(TEXTS), stage.tuned_logits(TEXTS), atol=1e-5)
    # The rows a source it read: training keeps them out of the estimate's.
    assert loaded.tuned_with == tuned_with
    loaded.check_tuned_for(3, "ab" * 32)


@pytest.mark.parametrize(
    "tuned_with, message",
    [
        ({"seed": 1, "encoder_sha256": "ab"}, "tuned with seed 1, not 0"),
        ({"seed": 0, "encoder_sha256": "cd"}, "another encoder file"),
        (None, "does not say how it was tuned"),
    ],
)
def test_a_stage_tuned_for_another_split_or_encoder_is_refused(tuned_with, message):
    # Rows the tuning read would be measured as held out; layers tuned on
    # top of another encoder's would read nonsense.
    stage = AbuseStage(tuned_layers(), np.zeros(24), 0.0, tuned_with=tuned_with)
    with pytest.raises(ValueError, match=message):
        stage.check_tuned_for(0, "ab")


@pytest.fixture(scope="module")
def trained(data_files):
    return train_with_stage(data_files)


def test_training_fits_the_stage_and_records_it(trained):
    models, manifest = trained
    facts = manifest["metrics"]["abuse"]["abuse_stage"]
    assert facts["tuned_layers"] == [1] and facts["rows"] > 0
    assert 0 < facts["share_read"] <= 1
    # The held-out numbers are the served score's, the first stage's beside them.
    assert "first_stage_validation" in manifest["metrics"]["abuse"]
    assert models["abuse_stage"].coef_.shape == (2,)


def test_a_comment_both_stages_read_runs_their_shared_layers_once(trained, monkeypatch):
    scorer = served(trained[0])
    texts = ["the council vote on the tax", "buy cheap now"]
    articles = ["The council put the tax to a vote.", "The school budget."]
    layers_run = []
    apply = encoder._apply_layer
    monkeypatch.setattr(encoder, "_apply_layer", lambda *a: layers_run.append(1) or apply(*a))

    def scored():
        layers_run.clear()
        found = [scorer.score([text], [article])[0] for text, article in zip(texts, articles)]
        return found, len(layers_run)

    scored()  # each article is encoded once, then kept
    shared, runs_shared = scored()
    monkeypatch.setattr(Scorer, "_shared_layers", lambda self: None)
    apart, runs_apart = scored()
    assert [(s.abusive, s.on_topic) for s in shared] == [(s.abusive, s.on_topic) for s in apart]
    # The tiny encoder has two layers and the stage tunes the top one: the
    # abuse stage runs both for each comment, and the on-topic stage, for
    # each comment it reads (its band), only the top one once they share.
    abuse_runs = 2 * len(texts)
    on_topic_read = (runs_apart - abuse_runs) // 2
    assert on_topic_read >= 1
    assert runs_shared == abuse_runs + on_topic_read


def test_a_comment_is_read_normalised_and_scored_without_the_encoder_when_it_is_off(trained):
    models, _ = trained
    scorer = served(models)
    stage = scorer.abuse_stage
    assert stage.attached
    # Spaced-out letters: the tiny encoder's word pieces see "buy" only
    # once the normaliser has joined them.
    text = "b u y cheap n0w"
    first = models["abuse"].predict_proba([text])[:, 1]
    (read,) = scorer.score([text], [None])
    (unread,) = scorer.without_encoder.score([text], [None])
    normalised = models["abuse"].named_steps["normalise"].transform([text])
    features = models["abuse"].named_steps["features"].transform(normalised)
    expected = stage.refine(first, normalised, read=False, features=features)[0][0]
    assert unread.abusive == pytest.approx(expected, abs=1e-4)
    assert read.abusive != unread.abusive
    # The encoder reads the comment as the first stage's normaliser leaves it.
    assert read.abusive == pytest.approx(stage.refine(first, normalised)[0][0], abs=1e-4)
    assert read.abusive != pytest.approx(stage.refine(first, [text])[0][0], abs=1e-4)
    assert read.attributes["TOXICITY"] == read.abusive


def test_training_with_a_stage_needs_the_encoder(data_files):
    from moderation.learning.training import TrainingError

    comments, articles = data_files
    with pytest.raises(TrainingError, match="--encoder"):
        train_models(
            read_comments(comments),
            read_articles(articles),
            0,
            {"hold_abusive": 0.5, "hold_on_topic": 0.3},
            log=lambda _: None,
            abuse_stage=AbuseStage(tuned_layers(), np.zeros(24), 0.0),
        )
