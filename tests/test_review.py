"""Who may undo a decision: the moderator who took it, or an admin."""

import pytest
from sqlalchemy import select

from moderation.domain import review
from moderation.domain.orm import Comment, Moderator
from moderation.infrastructure.db import db
from tests.moderation_helpers import add_moderator, post_comments


@pytest.fixture
def app_config():
    return {"MODERATION_PREMODERATION": True}


def moderator(name):
    return db.session.scalar(select(Moderator).where(Moderator.username == name))


def test_only_the_deciding_moderator_or_an_admin_can_undo(app, client, auth):
    add_moderator(app, "maria")
    add_moderator(app, "li")
    add_moderator(app, "ada", role="admin")
    post_comments(client, auth, ["The accord will not stop the drone attacks."])
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        review.decide(comment, moderator("maria"), "approve", comment.version)
        with pytest.raises(
            review.InvalidAction, match="only maria or an admin can undo maria's decision"
        ):
            review.undo(comment, moderator("li"), comment.version)
        assert comment.status == "approved" and len(comment.decisions) == 2

        review.undo(comment, moderator("ada"), comment.version)
        assert comment.status == "pending"
        assert comment.decisions[-1].actor == "ada"

        review.decide(comment, moderator("li"), "approve", comment.version)
        review.undo(comment, moderator("li"), comment.version)
        assert comment.status == "pending"
