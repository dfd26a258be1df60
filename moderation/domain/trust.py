"""Moderators' actions on authors: trust, ban, and back to normal.

Each change is logged (``AuthorAction``) and reversible by another change.
The policy reads the standing for every new comment (``author_trusted``,
``author_banned``); banning also decides the author's comments still held
by the policy, so the site hears of them in its feed at once.
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from moderation.domain.comments import record_decision
from moderation.domain.orm import AuthorAction, AuthorStanding, Comment, Moderator, Site, Status
from moderation.domain.policy import AUTHOR_BANNED, STANDINGS, Thresholds
from moderation.infrastructure.db import db, utcnow


class StandingError(ValueError):
    pass


def set_standing(
    site: Site,
    author_id: str,
    standing: str,
    moderator: Moderator,
    thresholds: Thresholds,
    note: str | None = None,
    seen: str | None = None,
) -> AuthorAction:
    """Change an author's standing; ``seen`` is the standing the moderator
    saw, refused if someone has changed it since (None: not checked)."""
    if standing not in STANDINGS:
        raise StandingError(f"standing must be one of {', '.join(STANDINGS)}")
    if not isinstance(note, (str, type(None))):
        raise StandingError("the note must be text")
    row = db.session.scalar(
        select(AuthorStanding).where(
            AuthorStanding.site_id == site.id, AuthorStanding.author_id == author_id
        )
    )
    before = row.standing if row else "normal"
    if seen is not None and seen != before:
        raise StandingError(
            f"{row.changed_by if row else 'someone'} has just made {author_id} {before}; "
            "the page now shows it"
        )
    if before == standing:
        raise StandingError(f"{author_id} is already {standing}")
    if row is None:
        row = AuthorStanding(site_id=site.id, author_id=author_id)
        db.session.add(row)
    row.standing, row.changed_by, row.changed_at = standing, moderator.username, utcnow()
    action = AuthorAction(
        site_id=site.id,
        author_id=author_id,
        from_standing=before,
        to_standing=standing,
        moderator=moderator.username,
        note=(note or "").strip() or None,
        acted_at=utcnow(),
    )
    db.session.add(action)
    if standing == "banned":
        _decide_held_comments(site, author_id, moderator, thresholds)
    return action


def _decide_held_comments(site, author_id, moderator, thresholds) -> None:
    """The banned author's comments the policy held are decided as the
    policy would decide them now; those a moderator decided are left."""
    held = db.session.scalars(
        select(Comment)
        .where(
            Comment.site_id == site.id,
            Comment.author_id == author_id,
            Comment.status == Status.PENDING,
        )
        .options(selectinload(Comment.decisions))
    )
    status = Status.REJECTED if thresholds.reject_banned else Status.PENDING
    for comment in held:
        if comment.decisions and comment.decisions[-1].actor_type == "moderator":
            continue
        record_decision(
            comment,
            status,
            [AUTHOR_BANNED],
            actor_type="moderator",
            actor=moderator.username,
            note="author banned",
        )
