"""Authors as moderators see them: per site, their record and standing.

An author is the site's own id, and belongs to the site: the same id at
another site is another person, so every query here is by (site, author).
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select, tuple_

from moderation.domain.orm import AuthorAction, AuthorStanding, Comment
from moderation.infrastructure.db import db

RECENT = 20


@dataclass
class Record:
    approved: int = 0
    rejected: int = 0
    pending: int = 0
    standing: str = "normal"
    recent: list = field(default_factory=list)
    actions: list = field(default_factory=list)


def standings(site_id: int, author_ids) -> dict[str, str]:
    """The standing of each author of the site that has one (trusted, banned)."""
    wanted = {a for a in author_ids if a}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(AuthorStanding.author_id, AuthorStanding.standing).where(
            AuthorStanding.site_id == site_id, AuthorStanding.author_id.in_(wanted)
        )
    )
    return {author: standing for author, standing in rows}


def records_for(comments) -> dict[tuple[int, str], Record]:
    """The record of each author on a page of comments, keyed by (site, author)."""
    return _records({(c.site_id, c.author_id) for c in comments if c.author_id})


def _records(keys: set[tuple[int, str]]) -> dict[tuple[int, str], Record]:
    if not keys:
        return {}
    records = {key: Record() for key in keys}
    counts = db.session.execute(
        select(Comment.site_id, Comment.author_id, Comment.status, func.count())
        .where(tuple_(Comment.site_id, Comment.author_id).in_(keys))
        .group_by(Comment.site_id, Comment.author_id, Comment.status)
    )
    for site_id, author_id, status, count in counts:
        setattr(records[(site_id, author_id)], status, count)
    for row in db.session.scalars(
        select(AuthorStanding).where(
            tuple_(AuthorStanding.site_id, AuthorStanding.author_id).in_(keys)
        )
    ):
        records[(row.site_id, row.author_id)].standing = row.standing
    return records


def record(site_id: int, author_id: str) -> Record:
    """One author's record at a site, with recent comments and the log of
    moderators' changes to their standing."""
    result = _records({(site_id, author_id)})[(site_id, author_id)]
    result.recent = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.site_id == site_id, Comment.author_id == author_id)
            .order_by(Comment.id.desc())
            .limit(RECENT)
        )
    )
    result.actions = list(
        db.session.scalars(
            select(AuthorAction)
            .where(AuthorAction.site_id == site_id, AuthorAction.author_id == author_id)
            .order_by(AuthorAction.id.desc())
        )
    )
    return result
