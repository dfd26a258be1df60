"""Who may undo a decision, and decisions that would repeat or lose another."""

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


def approved_by_maria(app, client, auth) -> Comment:
    """A held comment, approved by maria (inside the app's context)."""
    add_moderator(app, "maria")
    post_comments(client, auth, ["The accord will not stop the drone attacks."])
    comment = db.session.scalar(select(Comment))
    review.decide(comment, moderator("maria"), "approve", comment.version)
    db.session.commit()
    return comment


def test_a_moderator_cannot_repeat_their_own_decision(app, client, auth):
    with app.app_context():
        comment = approved_by_maria(app, client, auth)
        # A second click would only send the site the same event again.
        with pytest.raises(review.InvalidAction, match="maria has already set it to approved"):
            review.decide(comment, moderator("maria"), "approve", comment.version)
        assert len(comment.decisions) == 2


def test_an_undo_cannot_be_undone(app, client, auth):
    """Pressing undo twice would otherwise re-apply the decision taken back."""
    with app.app_context():
        comment = approved_by_maria(app, client, auth)
        review.undo(comment, moderator("maria"), comment.version)
        db.session.commit()
        with pytest.raises(review.InvalidAction, match="itself an undo"):
            review.undo(comment, moderator("maria"), comment.version)
        assert comment.status == "pending" and len(comment.decisions) == 3


def test_confirming_a_status_another_moderator_has_just_changed_conflicts(app, client, auth):
    """Confirming the model's rejection changes no column, yet must not pass
    unchecked: if another moderator approved meanwhile, the confirmation
    would put a stale "rejected" event last in the site's feed."""
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    from moderation.domain.comments import record_decision

    add_moderator(app, "maria")
    post_comments(client, auth, ["The accord will not stop the drone attacks."])
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        record_decision(comment, "rejected", ["abusive"], "model", "policy/test")
        db.session.commit()
        seen = comment.version
        # Li's approval, written behind this session's back: it still holds
        # the row as it was (as a request that read it before Li's commit).
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment.id)
            .values(status="approved", reasons=[], version=Comment.version + 1),
            execution_options={"synchronize_session": False},
        )
        review.decide(comment, moderator("maria"), "reject", seen, "abusive")
        # The web layer answers this as a conflict (queue_pages._act).
        with pytest.raises(StaleDataError):
            db.session.flush()
