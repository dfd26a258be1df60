"""The request path of a posted comment: the same scores, decisions and rows
as scoring each comment directly, with the model's time holding no lock."""

import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from moderation.config import PROJECT_ROOT
from moderation.domain import policy
from moderation.domain.orm import Comment, Decision, Site
from moderation.domain.orm_webhooks import OutboxEvent, Webhook
from moderation.infrastructure.db import db
from moderation.learning import loaded_models, scoring
from moderation.learning.examples import article_text
from tests import sample_data

TEXTS = [
    *sample_data.EXAMPLE_COMMENTS,
    sample_data.INSULT,
    sample_data.SPAM,
    "Russia and Pakistan sharing intelligence on militants is overdue.",
    "Higher property taxes again, and the roads are still full of potholes.",
    "What a goalkeeper, two penalty saves in a final!",
    "I agree with the previous comment, completely.",
    "You people are all idiots, every one of you.",
    "Scientists have warned about droughts for years.",
]


def expected(app, texts, article, threads):
    """What scoring each comment directly, then the policy, gives."""
    scorer = loaded_models.load_scorer(app.config["MODERATION_MODEL_DIR"])
    thresholds = policy.Thresholds.from_config(app.config)
    results = []
    for scores in scorer.score(texts, [article] * len(texts), threads):
        decision = policy.decide(scores.abusive, scores.on_topic, thresholds)
        results.append((scores.abusive, scores.on_topic, str(decision.status), decision.reasons))
    return results


def observed(bodies):
    return [
        (b["scores"]["abusive"], b["scores"]["on_topic"], b["status"], b["reasons"]) for b in bodies
    ]


def assert_same(actual, wanted):
    assert len(actual) == len(wanted)
    for got, want in zip(actual, wanted):
        assert got[0] == pytest.approx(want[0], abs=1e-9)
        assert (got[1] is None) == (want[1] is None)
        if want[1] is not None:
            assert got[1] == pytest.approx(want[1], abs=1e-9)
        assert got[2:] == want[2:]


def test_single_posts_score_and_decide_as_the_model_does(app, client, auth, article):
    """One after another under one article: each sees the ones before it
    (the latest five published), and a reply sees its parent first."""
    article_body = article_text(article["title"], article["body"])
    bodies, threads, discussion = [], [], []
    for number, text in enumerate(TEXTS):
        body = {"id": f"c{number}", "article_id": article["id"], "text": text}
        parent = None
        if number == 7:
            body["parent_id"], parent = "c0", TEXTS[0]
        response = client.post("/api/v1/comments", json=body, headers=auth)
        assert response.status_code == 201
        bodies.append(response.get_json())
        latest = discussion[-5:]
        threads.append("\n".join(dict.fromkeys(([parent] if parent else []) + latest)))
        if bodies[-1]["status"] == "approved":
            discussion.append(text)
    assert_same(observed(bodies), expected(app, TEXTS, article_body, threads))
    assert {b["status"] for b in bodies} >= {"approved", "pending"}


def test_a_batch_scores_as_the_model_does_and_writes_each_row_once(app, client, auth, article):
    """In a batch, every comment sees the discussion as it was before the
    batch; repeats in the batch are answered, not stored twice."""
    earlier = client.post(
        "/api/v1/comments",
        json={"id": "before", "article_id": article["id"], "text": "An earlier comment."},
        headers=auth,
    ).get_json()
    items = [{"id": f"b{i}", "article_id": article["id"], "text": t} for i, t in enumerate(TEXTS)]
    items.append(dict(items[0]))  # a repeat: answered with the first
    items.append({"id": "b1", "article_id": article["id"], "text": "Another text"})  # 409
    items.append({"id": "orphan", "article_id": article["id"], "text": "x", "parent_id": "nope"})
    items.append({"id": "reply", "article_id": article["id"], "text": "Yes!", "parent_id": "b0"})
    response = client.post("/api/v1/comments/batch", json={"comments": items}, headers=auth)
    body = response.get_json()
    assert (body["stored"], body["failed"]) == (len(TEXTS) + 2, 2)
    results = body["results"]
    codes = [r["status_code"] for r in results]
    assert codes == [201] * len(TEXTS) + [200, 409, 404, 201]
    assert results[len(TEXTS)]["comment"] == results[0]["comment"]

    article_body = article_text(article["title"], article["body"])
    texts = TEXTS + ["Yes!"]
    # Only published comments are the discussion a new comment joins.
    discussion = "An earlier comment." if earlier["status"] == "approved" else ""
    threads = [discussion] * len(TEXTS) + ["\n".join(filter(None, [TEXTS[0], discussion]))]
    new = results[: len(TEXTS)] + results[-1:]
    assert_same(observed([r["comment"] for r in new]), expected(app, texts, article_body, threads))
    assert results[-1]["comment"]["parent_id"] == "b0"

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Comment))
        decisions = db.session.scalar(select(func.count()).select_from(Decision))
        assert count == decisions == 1 + len(TEXTS) + 1
        reply = db.session.scalar(select(Comment).where(Comment.external_id == "reply"))
        assert reply.parent.external_id == "b0"


def test_the_answer_is_what_a_later_read_returns(client, auth, article):
    """Answers are built from the values written, not read back: they must
    match what the database holds, explanations and times included."""
    single = client.post(
        "/api/v1/comments",
        json={
            "id": "s1",
            "article_id": article["id"],
            "text": sample_data.INSULT,
            "author": {"id": "u1", "name": "Ann"},
            "created_at": "2026-11-28T10:00:00+02:00",
        },
        headers=auth,
    ).get_json()
    batch = client.post(
        "/api/v1/comments/batch",
        json={
            "comments": [
                {"id": f"m{i}", "article_id": article["id"], "text": t, "parent_id": "s1"}
                for i, t in enumerate(TEXTS)
            ]
        },
        headers=auth,
    ).get_json()["results"]
    answers = [single] + [r["comment"] for r in batch]
    assert any(a["explanations"] for a in answers), "some are held, with their explanations"
    for answer in answers:
        stored = client.get(f"/api/v1/comments/{answer['id']}", headers=auth).get_json()
        history = stored.pop("history")
        assert stored == answer
        assert [(h["from_status"], h["to_status"]) for h in history] == [(None, answer["status"])]


def test_a_webhook_site_gets_one_event_per_new_comment(app, client, auth, article, runner):
    app.config["MODERATION_WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    webhook = ["webhooks", "set", "Example Tribune", "http://127.0.0.1:9/hook"]
    assert runner.invoke(args=webhook).exit_code == 0
    items = [{"id": f"w{i}", "article_id": article["id"], "text": t} for i, t in enumerate(TEXTS)]
    items.append(dict(items[0]))
    client.post("/api/v1/comments/batch", json={"comments": items}, headers=auth)
    with app.app_context():
        events = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
        assert len(events) == len(TEXTS)
        for event, text_id in zip(events, [f"w{i}" for i in range(len(TEXTS))]):
            assert event.payload["comment"]["id"] == text_id
            assert event.decision.comment_id == event.comment_id
            assert event.payload["decision"]["to_status"] == event.comment.status


def test_a_webhook_set_by_another_process_counts_after_the_cache_expiry(app, client, auth, article):
    app.config["MODERATION_SITE_CACHE_SECONDS"] = 0.5
    client.post("/api/v1/comments", json={"id": "a", "article_id": "x", "text": "hi"}, headers=auth)
    with app.app_context():  # as `flask webhooks set` in another process would
        site_id = db.session.scalar(select(Site.id))
        db.session.add(Webhook(site_id=site_id, url="http://x", secret="s"))
        db.session.commit()
    time.sleep(0.6)
    client.post("/api/v1/comments", json={"id": "b", "article_id": "x", "text": "hi"}, headers=auth)
    with app.app_context():
        events = db.session.scalars(select(OutboxEvent)).all()
        assert [e.payload["comment"]["id"] for e in events] == ["b"]


def test_scoring_holds_no_connection_and_no_lock(app, client, auth, article, monkeypatch):
    """While the model works, the request holds no pooled connection and,
    on SQLite, no write lock: another writer goes ahead at once."""
    real_score = scoring.Scorer.score
    during = []

    def score_and_look(self, *args, **kwargs):
        with app.app_context():
            during.append(db.engine.pool.checkedout())
            if db.engine.dialect.name == "sqlite":
                other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
                other.execute("BEGIN IMMEDIATE")  # fails at once if the request held the lock
                other.execute("ROLLBACK")
                other.close()
        return real_score(self, *args, **kwargs)

    monkeypatch.setattr(scoring.Scorer, "score", score_and_look)
    single = {"id": "one", "article_id": article["id"], "text": "Hello"}
    assert client.post("/api/v1/comments", json=single, headers=auth).status_code == 201
    batch = [{"id": f"n{i}", "article_id": article["id"], "text": t} for i, t in enumerate(TEXTS)]
    client.post("/api/v1/comments/batch", json={"comments": batch}, headers=auth)
    assert during and set(during) == {0}


def test_commands_that_do_not_score_load_no_model_libraries():
    """`flask --help`, `sites create` and the like start without importing
    scikit-learn, numpy, scipy or joblib (seconds of a command's start)."""
    script = (
        "import sys, app\n"
        "heavy = {'sklearn', 'numpy', 'scipy', 'joblib', 'schemathesis'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_comment_stored_by_another_request_meanwhile_is_answered_as_a_repeat(
    app, site_key, article
):
    """Between reading and writing, another request stores the same id: the
    same text is a repeat (200), another a conflict (409), a reply to it
    replies to the stored one; nothing is stored twice."""
    from moderation.domain.submission import prepare, score, store, submit_comments
    from moderation.domain.validation import CommentInput

    def item(comment_id, text, parent_id=None):
        return CommentInput(comment_id, article["id"], text, None, None, parent_id, None)

    thresholds = policy.Thresholds.from_config(app.config)
    with app.app_context():
        site = db.session.scalar(select(Site))
        mine = prepare(site, [item("p", "Parent"), item("q", "Mine"), item("r", "Reply", "p")])
        score(mine, thresholds)
        submit_comments(site, [item("p", "Parent"), item("q", "Theirs")], thresholds)
        db.session.commit()

        outcomes = store(mine)
        db.session.commit()
        assert [(o.created, o.error and o.error.status) for o in outcomes] == [
            (False, None),
            (False, 409),
            (True, None),
        ]
        assert outcomes[2].comment["parent_id"] == "p"
        rows = db.session.execute(select(Comment.external_id, Comment.parent_id)).all()
        parent_id = db.session.scalar(select(Comment.id).where(Comment.external_id == "p"))
        assert sorted(rows) == [("p", None), ("q", None), ("r", parent_id)]
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 3


def test_a_nul_character_is_refused_on_every_database(client, auth, article):
    """PostgreSQL cannot store U+0000 in text: a clear 400, never a 500."""
    single = client.post(
        "/api/v1/comments", json={"id": "z", "article_id": "a", "text": "a\u0000b"}, headers=auth
    )
    assert single.status_code == 400
    assert single.get_json()["fields"] == {
        "text": "contains a NUL character (U+0000) at position 1, which cannot be stored"
    }
    batch = client.post(
        "/api/v1/comments/batch",
        json={"comments": [{"id": "z\u0000", "article_id": "a", "text": "fine"}]},
        headers=auth,
    ).get_json()
    assert batch["results"][0]["status_code"] == 400
    assert "id" in batch["results"][0]["error"]["fields"]
