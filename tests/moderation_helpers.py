"""Helpers for tests of the moderators' pages: accounts, sign-in, comments,
and a site's moderators deciding comments (to retrain on)."""

import re
import time

from sqlalchemy import select

from moderation.domain import review
from moderation.domain.accounts import create_moderator
from moderation.domain.orm import Comment, Moderator
from moderation.infrastructure.db import db
from tests import sample_data

PASSWORD = "correct horse battery"


def add_moderator(app, name="maria", role="moderator", password=PASSWORD):
    with app.app_context():
        create_moderator(name, password, role)
        db.session.commit()


def csrf_token(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def sign_in(client, name="maria", password=PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token})


def post_comments(client, auth, texts, article=True):
    """Post comments under the example article, held for review by the
    test's premoderation setting; returns their API bodies."""
    if article:
        client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    bodies = []
    for i, text in enumerate(texts):
        body = {
            "id": f"c{i}",
            "article_id": sample_data.EXAMPLE_ARTICLE["id"],
            "text": text,
            "author": {"id": "reader-7", "name": "Saamia"},
        }
        bodies.append(client.post("/api/v1/comments", json=body, headers=auth).get_json())
    return bodies


# This community's insults, which no public data set knows.
SLURS = ["flumph", "grobnik", "squonker", "blatherskite-face"]
TOPICS = ["the accord", "Moscow", "the militants", "the helicopters", "intelligence sharing"]
# One the moderators never saw, in the community's words.
LEARNED_INSULT = "About the accord: what a grobnik"
ARTICLES = 20


def site_comments(rng, n):
    """Half community insults, half ordinary remarks, spread over the site's
    articles (the held-out share of its labels is a share of its articles)."""
    comments = []
    for i in range(n):
        topic = rng.choice(TOPICS)
        if i % 2:
            text = f"About {topic}: what a {rng.choice(SLURS)}, pure {rng.choice(SLURS)}"
        else:
            # Sounds like the public sets' insults, but is praise here.
            praise = rng.choice(["genius", "hero", "star"])
            text = f"About {topic}: you are a {praise}, shut up and take my vote"
        comments.append((f"s{i}", text, i % 2, f"story-{i % ARTICLES}"))
    return comments


def moderate(app, client, auth, comments, articles=None) -> int:
    """Post the comments and decide the held ones as labelled; returns how
    many were decided."""
    for article_id in articles or [f"story-{k}" for k in range(ARTICLES)]:
        article = {
            "id": article_id,
            "title": f"Story {article_id}",
            "body": sample_data.EXAMPLE_ARTICLE["body"],
        }
        client.post("/api/v1/articles", json=article, headers=auth)
    batch = [
        {"id": cid, "article_id": article_id, "text": text} for cid, text, _, article_id in comments
    ]
    for start in range(0, len(batch), 100):
        response = client.post(
            "/api/v1/comments/batch", json={"comments": batch[start : start + 100]}, headers=auth
        )
        assert response.get_json()["failed"] == 0
    decided = 0
    with app.app_context():
        maria = db.session.scalar(select(Moderator))
        for cid, _, abusive, _ in comments:
            comment = db.session.scalar(select(Comment).where(Comment.external_id == cid))
            if comment.status == "pending":
                action, reason = ("reject", "abusive") if abusive else ("approve", None)
                review.decide(comment, maria, action, comment.version, reason)
                decided += 1
        db.session.commit()
    return decided


def wait_for(condition, seconds=30.0, every=0.05) -> bool:
    """True as soon as ``condition()`` is, False after ``seconds``: for
    what another process (a worker, a server) does in its own time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False
