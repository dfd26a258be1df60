"""Helpers for tests of the moderators' pages: accounts, sign-in, comments."""

import re

from moderation.accounts import create_moderator
from moderation.db import db
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
