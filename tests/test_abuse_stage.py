"""The abuse second stage: encoder layers tuned for abuse, stacked on the
first stage's score; read where they could hold a comment, and comments not
read (batches) scored on the same scale without them."""

import dataclasses
import pickle

import numpy as np
import pytest

from moderation.learning import encoder
from moderation.learning.abuse_stage import LOWEST_THRESHOLD_SERVED, AbuseStage
from moderation.learning.datasets import read_articles, read_comments
from moderation.learning.encoder import SentenceEncoder
from moderation.learning.scoring import Scorer
from moderation.learning.training import train_models
from tests.encoders import tiny_encoder

TEXTS = ["the council vote", "buy cheap now", "hello world"]


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


def logit_of(p):
    return np.log(p / (1 - p))


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
    stage.tuned_with = {"seed": 3, "encoder_sha256": "ab" * 32, "per_source": 100}
    stage.save(tmp_path / "stage.npz")
    loaded = AbuseStage.load(tmp_path / "stage.npz").attach(tiny_encoder(0))
    np.testing.assert_allclose(loaded.tuned_logits(TEXTS), stage.tuned_logits(TEXTS), atol=1e-5)
    # The rows a source it read: training keeps them out of the estimate's.
    assert loaded.tuned_with == {"seed": 3, "encoder_sha256": "ab" * 32, "per_source": 100}
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


def test_training_fits_the_stage_and_records_it(trained):
    models, manifest = trained
    facts = manifest["metrics"]["abuse"]["abuse_stage"]
    assert facts["tuned_layers"] == [1] and facts["rows"] > 0
    assert 0 < facts["share_read"] <= 1
    # The held-out numbers are the served score's, the first stage's beside them.
    assert "first_stage_validation" in manifest["metrics"]["abuse"]
    assert models["abuse_stage"].coef_.shape == (2,)


def served(models) -> Scorer:
    """The trained models as the service loads them: the stage unpickled,
    attached to the on-topic stage's encoder."""
    return Scorer(
        "v", models["abuse"], models["on_topic"], models["second_stage"], None,
        pickle.loads(pickle.dumps(models["abuse_stage"])),
    )  # fmt: skip


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


class KnownEstimate:
    """Stands in for a fitted estimate: the "features" are the estimates."""

    def predict(self, features, texts=None):
        return np.asarray(features, dtype=float)


def deciding_stage() -> CountingStage:
    """A stage whose estimate is the tuned logit give or take noise, fitted
    as training fits it."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 2000)
    first = rng.normal(-2 + 3 * labels, 1)
    tuned = rng.normal(-2 + 4 * labels, 1)
    stage = CountingStage()
    stage.estimate = KnownEstimate()
    return stage.fit(first, tuned, labels, tuned + rng.normal(0, 0.5, len(tuned)))


def test_unread_comments_are_scored_with_the_estimate_when_the_stage_has_one():
    stage = deciding_stage()
    first = np.full(2, 0.2)
    scores, read = stage.refine(first, ["a", "b"], read=False, features=[-4.0, 4.0])
    assert not read.any()
    # The same first-stage score; the estimate of the tuned logit tells them apart.
    assert scores[0] < 0.2 < scores[1]
    # Without the features (a caller that has none), the first stage alone.
    alone, _ = stage.refine(first, ["a", "b"], read=False)
    assert alone[0] == alone[1]


def test_decisive_reading_reads_only_comments_near_the_sites_thresholds():
    stage = deciding_stage()
    thresholds = (0.3, 0.9)
    margin = stage.margin_for(thresholds)
    assert 0 < margin < 3
    # Unread logits: far below the hold threshold, at it, far above reject.
    features = [-6.0, 0.0, 8.0]
    first = np.full(3, 0.3)
    unread = stage.unread_logits(np.log(first / (1 - first)), features)
    at_hold = np.log(0.3 / 0.7)
    assert abs(unread[1] - at_hold) < margin < min(abs(unread[0] - at_hold), unread[2] - 2.2)
    texts = ["a", "b idiot", "c"]
    scores, read = stage.refine(first, texts, features=features, deciding=thresholds)
    assert list(read) == [False, True, False]
    assert stage.read == ["b idiot"]
    everything, read_all = stage.refine(first, texts, features=features)
    assert read_all.all()
    assert scores[1] == everything[1]


def test_the_decisive_margin_keeps_disagreement_within_the_allowance():
    from moderation.learning.abuse_estimate import DECISIVE_DISAGREEMENT, decisive_margin

    stage = deciding_stage()
    pairs = stage.decisive_pairs_
    thresholds = (0.3, 0.9)
    margin = decisive_margin(pairs, thresholds)
    cuts = np.log(np.array(thresholds) / (1 - np.array(thresholds)))
    unread, read = pairs[:, 0], pairs[:, 1]
    left = np.abs(unread[:, None] - cuts).min(axis=1) > margin
    differs = np.searchsorted(cuts, unread) != np.searchsorted(cuts, read)
    assert differs[left].sum() <= DECISIVE_DISAGREEMENT * len(pairs)
    # ...and no wider than it needs: one step in, the allowance is exceeded.
    inside = np.abs(unread[:, None] - cuts).min(axis=1) >= margin
    assert differs[inside].sum() > DECISIVE_DISAGREEMENT * len(pairs)
    assert left.mean() > 0.5


def test_a_stage_without_an_estimate_reads_every_comment_when_asked_to_decide(trained):
    models, _ = trained
    scorer = served(models)
    assert scorer.abuse_stage.decides
    old = pickle.loads(pickle.dumps(models["abuse_stage"]))
    old.estimate = None
    before_estimates = Scorer("v", models["abuse"], models["on_topic"], models["second_stage"],
                              None, old)  # fmt: skip
    assert before_estimates.served("all", "decisive", 0.3, (0.5, 0.9)).abuse_deciding == ()
    assert scorer.served("all", "decisive", 0.3, (0.5, 0.9)).abuse_deciding == (0.5, 0.9)


def test_a_stage_pickled_before_the_estimate_scores_unread_comments_as_it_did():
    stage = fitted_counting_stage()
    state = {k: v for k, v in stage.__dict__.items() if k not in ("estimate", "tuned_with")}
    old = AbuseStage.__new__(AbuseStage)
    old.__setstate__({**state, "layers": {}})
    assert not old.decides
    first = np.array([0.05, 0.3, 0.8])
    scores, read = old.refine(first, ["a", "b", "c"], read=False, features=[[1.0]] * 3)
    expected = 1 / (1 + np.exp(-(old.alone_coef_ * logit_of(first) + old.alone_intercept_)))
    np.testing.assert_allclose(scores, expected, atol=1e-9)


def test_the_margin_on_hand_made_rows():
    from moderation.learning.abuse_estimate import decisive_margin

    cut = 0.0  # a threshold of 0.5
    # 400 rows: unread and read agree, except the one nearest the threshold,
    # on its other side. The allowance (0.5% of 400 = 2 rows) leaves it
    # unread: reading is needed nowhere.
    unread = np.concatenate([np.linspace(-4, -0.5, 200), np.linspace(0.5, 4, 199), [0.1]])
    read = unread.copy()
    read[-1] = -0.1
    pairs = np.column_stack([unread, read]).astype(np.float32)
    assert decisive_margin(pairs, (0.5,)) == -np.inf
    # Three rows decided otherwise: the nearest must be read, the margin is
    # its distance from the threshold.
    read[[-1, 199, 200]] = [-0.1, cut + 0.1, cut - 0.1]
    pairs = np.column_stack([unread, read]).astype(np.float32)
    assert decisive_margin(pairs, (0.5,)) == pytest.approx(0.1, abs=1e-6)
    # A score at the threshold is held, as the policy holds at >=: agreeing.
    at = np.array([[0.0, 0.0]] * 10, dtype=np.float32)
    assert decisive_margin(at, (0.5,)) == -np.inf


def test_scorer_variants_are_kept_per_set_of_thresholds(trained):
    scorer = served(trained[0])
    low = scorer.served("all", "decisive", 0.3, (0.2, 0.9))
    high = scorer.served("all", "decisive", 0.3, (0.5, 0.9))
    assert low is not high
    assert (low.abuse_deciding, high.abuse_deciding) == ((0.2, 0.9), (0.5, 0.9))
    assert scorer.served("all", "decisive", 0.3, (0.2, 0.9)) is low
    with pytest.raises(ValueError, match="needs the thresholds"):
        scorer.served("all", "decisive")


def test_an_estimate_trained_with_word_vectors_reads_the_on_topic_ones_when_served(
    tmp_path, data_files
):
    """Trained with the word vectors, the estimate is stored without them
    and reads the on-topic stage's once loaded: a batch's comment scores as
    the trained stage scored it."""
    from tests.test_wordvectors import vectors

    path = tmp_path / "v.npz"
    vectors().save(path)
    comments, articles = data_files
    rows = [dataclasses.replace(c, source="site") for c in read_comments(comments)]
    models, _ = train_models(
        rows,
        read_articles(articles),
        0,
        {"hold_abusive": 0.5, "hold_on_topic": 0.3},
        log=lambda _: None,
        word_vectors=str(path),
        encoder=tiny_encoder(0),
        abuse_stage=stage_on(tiny_encoder(0)),
    )
    trained = models["abuse_stage"]
    assert trained.estimate.reads_words
    texts = ["Talks in Moscow, you idiot", "a football match"]
    normalised = models["abuse"].named_steps["normalise"].transform(texts)
    features = models["abuse"].named_steps["features"].transform(normalised)
    first = models["abuse"].predict_proba(texts)[:, 1]
    expected, _ = trained.refine(first, normalised, read=False, features=features)
    scorer = served(models)
    assert scorer.abuse_stage.estimate._word_vectors is not None
    batch = scorer.without_encoder.score(texts, [None, None])
    np.testing.assert_allclose([s.abusive for s in batch], expected, atol=1e-4)
