"""One live model for every instance: the database says which version it is.

Each instance here is its own app on the same database and model
directory, as two machines (or two gunicorn workers) would be.
"""

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from moderation import create_app
from moderation.config import PROJECT_ROOT
from moderation.domain import live_model
from moderation.domain.live_model import ModelPromotion
from moderation.infrastructure.db import db
from moderation.learning import loaded_models

FAST = 0.2  # seconds an instance trusts what it read of the live version


@pytest.fixture
def instances(app, two_versions):
    """Make another instance of the service, checking the live version
    every ``seconds``."""
    made = []

    def instance(seconds):
        other = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "MODERATION_MODEL_DIR": str(two_versions),
                "MODERATION_MODEL_CHECK_SECONDS": seconds,
            }
        )
        made.append(other)
        return other

    yield instance
    for other in made:
        with other.app_context():
            db.engine.dispose()


def served(app, auth) -> str | None:
    response = app.test_client().post("/api/v1/score", json={"text": "Fair point."}, headers=auth)
    assert response.status_code in (200, 503), response.get_data(as_text=True)
    return response.get_json().get("model_version")


def test_a_promotion_in_one_instance_is_served_by_the_others_within_the_interval(
    app, runner, auth, instances
):
    quick, slow = instances(FAST), instances(3600)
    assert served(app, auth) == served(quick, auth) == served(slow, auth) == "v1"

    result = runner.invoke(args=["models", "promote", "v2", "--by", "li"])
    assert result.exit_code == 0, result.output
    assert served(app, auth) == "v2"  # where it was promoted: at once
    time.sleep(FAST * 2)
    assert served(quick, auth) == "v2"
    # An instance does not ask the database on every request: this one
    # would only see the change after its hour.
    assert served(slow, auth) == "v1"

    result = runner.invoke(args=["models", "rollback", "--by", "maria"])
    assert result.exit_code == 0, result.output
    assert served(app, auth) == "v1"
    time.sleep(FAST * 2)
    assert served(quick, auth) == "v1"


def test_a_promotion_written_to_the_database_elsewhere_reaches_this_instance(app, auth, instances):
    quick = instances(FAST)
    assert served(quick, auth) == "v1"
    with app.app_context():
        db.session.add(ModelPromotion(version="v2", previous="v1", promoted_by="other-host"))
        db.session.commit()
    time.sleep(FAST * 2)
    assert served(quick, auth) == "v2"


def test_history_says_who_changed_the_live_model_and_when(app, runner, two_versions):
    before = datetime.now(UTC) - timedelta(seconds=1)
    runner.invoke(args=["models", "promote", "v2", "--by", "li"])
    runner.invoke(args=["models", "rollback", "--by", "maria"])
    with app.app_context():
        changes = [change.to_json() for change in live_model.history()]
    assert [(c["version"], c["previous"], c["by"], c["note"]) for c in changes] == [
        ("v1", "v2", "maria", "rollback from v2"),
        ("v2", "v1", "li", ""),
    ]
    for change in changes:
        assert before <= datetime.fromisoformat(change["at"]) <= datetime.now(UTC)
    listing = runner.invoke(args=["models", "list"]).output
    assert f"{changes[0]['at']}  v1 (was v2) by maria: rollback from v2" in listing


def test_a_fresh_database_serves_what_current_names_until_the_first_promotion(
    app, auth, runner, two_versions, instances
):
    listing = runner.invoke(args=["models", "list"]).output
    assert "* v1" in listing and "No promotion recorded yet" in listing
    (two_versions / "CURRENT").write_text("v2\n")
    assert served(instances(FAST), auth) == "v2"

    runner.invoke(args=["models", "promote", "v1", "--by", "li"])
    with app.app_context():
        (first,) = live_model.history()
        assert (first.version, first.previous) == ("v1", "v2")
    # From then on the database decides, whatever this machine's file says.
    (two_versions / "CURRENT").write_text("v2\n")
    assert served(instances(FAST), auth) == "v1"


def test_a_version_no_longer_live_is_released(app, auth, runner, instances, two_versions):
    quick = instances(FAST)
    loaded_models.forget_loaded_models()
    assert served(quick, auth) == "v1"
    assert loaded_models.loaded_versions(two_versions) == {"v1"}
    runner.invoke(args=["models", "promote", "v2", "--by", "li"])
    assert served(app, auth) == "v2"
    assert loaded_models.loaded_versions(two_versions) == {"v2"}
    # A version measured once (the gate's candidate, `evaluate --model`)
    # is not kept loaded.
    loaded_models.load_scorer(two_versions, "v1", keep=False)
    assert loaded_models.loaded_versions(two_versions) == {"v2"}


def test_a_live_version_missing_from_this_machine_holds_comments_and_says_why(
    app, auth, client, instances
):
    with app.app_context():
        db.session.add(ModelPromotion(version="v9", previous="v1", promoted_by="other-host"))
        db.session.commit()
        assert live_model.live_version() == "v9"
    response = client.post("/api/v1/score", json={"text": "Fair point."}, headers=auth)
    assert response.status_code == 503
    assert "'v9' is not in" in response.get_json()["message"]
    body = {"id": "c1", "article_id": "a", "text": "Fair point."}
    comment = client.post("/api/v1/comments", json=body, headers=auth).get_json()
    assert comment["status"] == "pending" and comment["model_version"] is None
    assert client.get("/health").get_json()["model_version"] is None


def test_the_sentence_encoder_reads_single_comments_unless_turned_off(app):
    app.config["MODERATION_MODEL_DIR"] = str(PROJECT_ROOT / "models")  # it has a second stage
    article = "The council voted to close two schools."
    comment = "Parents will drive further every morning."  # inside the band
    with app.app_context():
        (read,) = live_model.live_scorer().score([comment], [article])
        batch = live_model.live_scorer(comments=2)
        (in_batch, _) = batch.score([comment, comment], [article, article])
        app.config["MODERATION_ON_TOPIC_ENCODER"] = "off"
        (off,) = live_model.live_scorer().score([comment], [article])
    # Unread, a comment gets the typical similarity: the second stage's
    # scale (one threshold for both), the first stage's judgement.
    stage = batch.second_stage
    (first,) = batch.relevance.probabilities([(comment, article, None)])
    z = np.log(first / (1 - first))
    typical = 1 / (1 + np.exp(-stage.final_logits(z, stage.typical_similarity_)))
    assert in_batch.on_topic == off.on_topic == pytest.approx(typical, abs=1e-4)
    assert read.on_topic != off.on_topic


def test_decisive_the_encoder_reads_a_single_comment_only_where_it_can_change_the_decision(app):
    app.config["MODERATION_MODEL_DIR"] = str(PROJECT_ROOT / "models")
    article = "The council voted to close two schools."
    comment = "Parents will drive further every morning."  # inside the stage's own band

    def served(setting, hold_on_topic):
        app.config.update(
            MODERATION_ON_TOPIC_ENCODER=setting, MODERATION_HOLD_ON_TOPIC=hold_on_topic
        )
        (scores,) = live_model.live_scorer().score([comment], [article])
        return scores.on_topic

    with app.app_context():
        unread = served("off", 0.3)
        read = served("all", 0.3)
        # At 0.3 the encoder's reading can move this comment across: it reads.
        assert served("decisive", 0.3) == read != unread
        # At 0.02 no usual similarity could hold it: it is not read, and the
        # decision is the one reading it would give.
        at_low_threshold = served("decisive", 0.02)
        assert at_low_threshold == unread
        assert not at_low_threshold < 0.02 and not read < 0.02


def test_the_abuse_stage_reads_single_english_comments_unless_turned_off(app):
    app.config["MODERATION_MODEL_DIR"] = str(PROJECT_ROOT / "models")  # it has an abuse stage
    comment = "People like you are a disgrace to this city, you 1diot."
    with app.app_context():
        (read,) = live_model.live_scorer().score([comment], [None])
        batch = live_model.live_scorer(comments=2)
        (in_batch, _) = batch.score([comment, comment], [None, None])
        app.config["MODERATION_ABUSE_ENCODER"] = "off"
        (off,) = live_model.live_scorer().score([comment], [None])
    # Unread, a comment gets the first stage's score and the estimate of
    # the tuned logit, stacked on the stack's rows: the same scale, so the
    # same thresholds apply.
    stage = batch.abuse_stage
    first = batch.abuse.predict_proba([comment])[:, 1]
    normalised = batch.abuse.named_steps["normalise"].transform([comment])
    features = batch.abuse.named_steps["features"].transform(normalised)
    unread = stage.refine(first, normalised, read=False, features=features)[0][0]
    assert in_batch.abusive == off.abusive == pytest.approx(unread, abs=1e-4)
    assert read.abusive == pytest.approx(stage.refine(first, normalised)[0][0], abs=1e-4)
    # ...read as the normaliser leaves it ("idiot"), not as typed.
    assert read.abusive != pytest.approx(stage.refine(first, [comment])[0][0], abs=1e-4)
    assert read.abusive != off.abusive


def test_decisive_abuse_reading_decides_posts_but_reads_every_perspective_call(app):
    """Posts and held comments decided again are read only where the
    decision at the app's thresholds is in doubt; Perspective clients
    compare TOXICITY with thresholds of their own, so it is read whole."""
    app.config["MODERATION_MODEL_DIR"] = str(PROJECT_ROOT / "models")  # it has an estimate
    app.config["MODERATION_ABUSE_ENCODER"] = "decisive"
    thresholds = (app.config["MODERATION_HOLD_ABUSIVE"], app.config["MODERATION_REJECT_ABUSIVE"])
    with app.app_context():
        post = live_model.live_scorer()
        redecided = live_model.live_scorer_abuse_read()
        perspective = live_model.live_scorer_abuse_read(for_scores=True)
    assert post.abuse_deciding == redecided.abuse_deciding == thresholds
    assert perspective.abuse_reads and perspective.abuse_deciding == ()
