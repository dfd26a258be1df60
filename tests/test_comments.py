"""Storing and deciding comments: the decision log, and no comment lost."""

import pytest
from sqlalchemy import func, select

from moderation.domain import live_model
from moderation.domain.comments import record_decision, rescore_pending
from moderation.domain.orm import AuthorStanding, Comment, Decision, Site, Status
from moderation.domain.policy import Thresholds
from moderation.domain.submission import submit_comments
from moderation.domain.validation import CommentInput
from moderation.infrastructure.db import db
from moderation.learning import scoring
from moderation.learning.examples import article_text
from moderation.learning.scoring import Scores
from tests import sample_data


def comment_input(comment_id, text="A fair point about the accord.", **fields):
    values = dict(
        id=comment_id,
        article_id=sample_data.EXAMPLE_ARTICLE["id"],
        text=text,
        author_id=None,
        author_name=None,
        parent_id=None,
        created_at=None,
    )
    values.update(fields)
    return CommentInput(**values)


@pytest.fixture
def site(app, site_key):
    with app.app_context():
        yield db.session.scalar(select(Site))


def test_first_decision_is_logged_from_no_status(app, site):
    (outcome,) = submit_comments(site, [comment_input("c1")], Thresholds())
    db.session.commit()
    (decision,) = db.session.scalars(select(Decision)).all()
    assert decision.from_status is None
    assert decision.to_status == outcome.comment["status"]
    assert decision.actor_type == "model"
    assert decision.actor == "policy/test-model"
    assert decision.reasons == outcome.comment["reasons"]


def test_every_status_change_appends_a_decision(client, auth, app, site):
    submit_comments(site, [comment_input("c1")], Thresholds(premoderation=True))
    db.session.commit()
    comment = db.session.scalar(select(Comment))
    assert comment.status == Status.PENDING
    record_decision(comment, Status.APPROVED, [], actor_type="moderator", actor="maria")
    record_decision(
        comment,
        Status.REJECTED,
        ["abusive"],
        actor_type="moderator",
        actor="li",
        note="on reflection",
    )
    db.session.commit()

    history = client.get("/api/v1/comments/c1", headers=auth).get_json()["history"]
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in history] == [
        (None, "pending", "policy/test-model"),
        ("pending", "approved", "maria"),
        ("approved", "rejected", "li"),
    ]
    assert history[-1]["note"] == "on reflection"
    assert client.get("/api/v1/comments/c1", headers=auth).get_json()["status"] == "rejected"
    feed = client.get("/api/v1/comments", headers=auth).get_json()["items"]
    assert [item["decision"]["to_status"] for item in feed] == ["pending", "approved", "rejected"]


def test_posting_an_article_again_updates_it(client, auth):
    article = dict(sample_data.EXAMPLE_ARTICLE)
    assert client.post("/api/v1/articles", json=article, headers=auth).status_code == 201
    article["title"] = "Moscow and Islamabad sign the accord"
    again = client.post("/api/v1/articles", json=article, headers=auth)
    assert again.status_code == 200
    assert again.get_json()["title"] == "Moscow and Islamabad sign the accord"


class NewModel:
    """A new live model that gives each comment the scores named for it,
    and notes what it was asked to score."""

    version = "v2"

    def __init__(self, scores):
        self.scores = scores
        self.asked = []
        self.explained = []

    def score(self, texts, articles, threads, explain=False, spoken=None):
        self.asked.append(list(zip(texts, articles, threads)))
        self.explained.append(explain)
        return [self.scores[text] for text in texts]


CLEAN = Scores(abusive=0.05, on_topic=0.9, explanations={"abusive": [], "on_topic": []})
DOUBTFUL = Scores(abusive=0.6, on_topic=0.9)


def test_rescoring_decides_again_only_what_the_model_held(client, auth, app, site, monkeypatch):
    assert rescore_pending(Thresholds()) == (0, 0), "nothing held, nothing scored"
    client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    texts = {f"c{i}": f"Comment number {i} on the accord." for i in range(5)}
    held = Thresholds(premoderation=True)
    submit_comments(site, [comment_input(c, text, author_id=c) for c, text in texts.items()], held)
    db.session.add(AuthorStanding(site_id=site.id, author_id="c2", changed_by="li"))
    db.session.flush()
    db.session.scalar(select(AuthorStanding)).standing = "banned"
    comments = {c.external_id: c for c in db.session.scalars(select(Comment))}
    # A moderator approved c3 and put c4 back in the queue: theirs to decide.
    record_decision(comments["c3"], Status.APPROVED, [], "moderator", "maria")
    record_decision(comments["c4"], Status.PENDING, ["premoderation"], "moderator", "maria")
    db.session.commit()
    model = NewModel({texts["c0"]: CLEAN, texts["c1"]: DOUBTFUL, texts["c2"]: CLEAN})
    monkeypatch.setattr(live_model, "live_scorer_abuse_read", lambda fresh=False: model)

    assert rescore_pending(Thresholds()) == (3, 3)
    db.session.commit()
    (asked,) = model.asked
    article = article_text(
        sample_data.EXAMPLE_ARTICLE["title"], sample_data.EXAMPLE_ARTICLE["body"]
    )
    # Scored as when they arrived: with their article, and no thread (no replies);
    # explained again, so the queue marks words by the new model's weights.
    assert sorted(asked) == [(texts[c], article, "") for c in ("c0", "c1", "c2")]
    assert model.explained == [True]
    for comment_id, status, reasons in [
        ("c0", "approved", []),
        ("c1", "pending", ["abusive"]),  # still held, for a new reason
        ("c2", "rejected", ["author_banned"]),
        ("c3", "approved", []),
        ("c4", "pending", ["premoderation"]),
    ]:
        stored = client.get(f"/api/v1/comments/{comment_id}", headers=auth).get_json()
        assert (stored["status"], stored["reasons"]) == (status, reasons), comment_id
        last = stored["history"][-1]
        if comment_id in ("c3", "c4"):
            assert last["actor"] == "maria"
            continue
        assert stored["model_version"] == "v2"
        assert stored["scores"]["abusive"] == model.scores[texts[comment_id]].abusive
        assert (last["actor_type"], last["actor"]) == ("model", "policy/v2")
        assert last["note"] == "re-scored with a new model"
    assert comments["c0"].explanations == CLEAN.explanations
    # Scored again with the same model, the one still held stays as it is.
    assert rescore_pending(Thresholds()) == (1, 0)
    assert len(comments["c1"].decisions) == 2


def test_a_moderators_decision_during_rescoring_stands_and_the_rest_are_rescored(
    client, auth, app, site, monkeypatch
):
    """The job reads the held comments, then scores them for seconds; a
    moderator approves one meanwhile: theirs stands, the others carry v2."""
    from sqlalchemy import update

    client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    texts = {f"c{i}": f"Comment number {i} on the accord." for i in range(3)}
    held = Thresholds(premoderation=True)
    submit_comments(site, [comment_input(c, text) for c, text in texts.items()], held)
    db.session.commit()
    model = NewModel({text: CLEAN for text in texts.values()})
    score = model.score

    def approved_meanwhile(*args, **kwargs):
        # Maria's request, committed behind the job's back.
        db.session.execute(
            update(Comment)
            .where(Comment.external_id == "c1")
            .values(status="approved", reasons=[], version=Comment.version + 1),
            execution_options={"synchronize_session": False},
        )
        return score(*args, **kwargs)

    model.score = approved_meanwhile
    monkeypatch.setattr(live_model, "live_scorer_abuse_read", lambda fresh=False: model)
    assert rescore_pending(Thresholds()) == (3, 2)
    db.session.commit()
    versions = dict(db.session.execute(select(Comment.external_id, Comment.model_version)).all())
    assert versions["c0"] == versions["c2"] == "v2" and versions["c1"] != "v2"


def test_premoderation_holds_everything_not_clearly_abusive(app, site):
    outcomes = submit_comments(
        site,
        [comment_input("c1", sample_data.EXAMPLE_COMMENTS[0])],
        Thresholds(premoderation=True),
    )
    assert outcomes[0].comment["status"] == Status.PENDING
    assert "premoderation" in outcomes[0].comment["reasons"]


def test_scoring_failure_still_stores_the_comment_as_pending(client, auth, article, monkeypatch):
    def broken(self, texts, articles):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(scoring.Scorer, "score", broken)
    response = client.post(
        "/api/v1/comments",
        json={"id": "c1", "article_id": article["id"], "text": "Hello there"},
        headers=auth,
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["reasons"] == ["scoring_error"]
    assert body["scores"] == {"abusive": None, "on_topic": None}
    assert body["model_version"] is None
    stored = client.get("/api/v1/comments/c1", headers=auth).get_json()
    assert stored["history"][0]["actor"] == "policy/no-model"


def test_missing_model_holds_comments_and_health_says_degraded(
    client, auth, article, app, tmp_path
):
    app.config["MODERATION_MODEL_DIR"] = str(tmp_path / "empty")
    response = client.post(
        "/api/v1/comments",
        json={"id": "c1", "article_id": article["id"], "text": "Hello there"},
        headers=auth,
    )
    assert response.status_code == 201
    assert response.get_json()["reasons"] == ["scoring_error"]
    health = client.get("/health").get_json()
    assert health == {
        "status": "degraded",
        "database": True,
        "database_writable": True,
        "model_version": None,
    }
    assert client.post("/api/v1/score", json={"text": "hi"}, headers=auth).status_code == 503


def test_failed_request_writes_nothing(client, auth, article, app):
    comments = [{"id": f"ok{i}", "article_id": article["id"], "text": "fine"} for i in range(3)]
    comments.append({"id": "ok0", "article_id": article["id"], "text": "fine"})
    app.config["MODERATION_BATCH_LIMIT"] = 3
    assert (
        client.post("/api/v1/comments/batch", json={"comments": comments}, headers=auth).status_code
        == 413
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 0


def test_reply_is_scored_with_its_parent_and_the_discussion(client, auth, article, monkeypatch):
    seen = []
    real_score = scoring.Scorer.score

    def spy(self, texts, articles, threads=None, explain=False, spoken=None):
        seen.append(threads)
        return real_score(self, texts, articles, threads, explain, spoken)

    monkeypatch.setattr(scoring.Scorer, "score", spy)
    published = []
    for comment_id, text, parent in [
        ("first", "Russia wants the accord.", None),
        ("second", "Pakistan should be careful.", None),
        ("reply", "I disagree with you.", "first"),
    ]:
        body = {"id": comment_id, "article_id": article["id"], "text": text}
        if parent:
            body["parent_id"] = parent
        response = client.post("/api/v1/comments", json=body, headers=auth)
        assert response.status_code == 201
        if response.get_json()["status"] == "approved":
            published.append(text)
    assert seen[0] == [""]
    # The discussion is the published comments only; a reply's parent comes first.
    assert seen[1] == ["\n".join(published[:1])]
    earlier = [t for t in published if t != "I disagree with you."]
    assert seen[2] == ["\n".join(dict.fromkeys(["Russia wants the accord.", *earlier]))]


def test_held_comments_are_not_the_discussion_of_later_ones(
    app, client, auth, article, monkeypatch
):
    """A flood of spam must not become the thread that makes the next copy
    look on-topic: only published comments are a later comment's context."""
    app.config["MODERATION_PREMODERATION"] = True  # every comment is held
    seen = []
    real_score = scoring.Scorer.score

    def spy(self, texts, articles, threads=None, explain=False, spoken=None):
        seen.append(threads)
        return real_score(self, texts, articles, threads, explain, spoken)

    monkeypatch.setattr(scoring.Scorer, "score", spy)
    for number in range(3):
        body = {"id": f"s{number}", "article_id": article["id"], "text": "Win a free phone"}
        assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201
    assert seen == [[""], [""], [""]]


def test_a_request_that_dies_half_way_stores_nothing(client, auth, article, monkeypatch, app):
    """Like a worker killed mid-request: the transaction never commits, so
    no comment exists without its decision, nor half a batch."""
    import moderation.domain.submission as submission_module

    def dies_after_the_comments_are_inserted(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(
        submission_module, "insert_first_decisions", dies_after_the_comments_are_inserted
    )
    app.config["PROPAGATE_EXCEPTIONS"] = False
    batch = [{"id": f"k{i}", "article_id": article["id"], "text": "hello"} for i in range(3)]
    response = client.post("/api/v1/comments/batch", json={"comments": batch}, headers=auth)
    assert response.status_code == 500
    assert response.get_json()["error"] == "internal_error"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 0
