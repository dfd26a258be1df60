"""Labelled examples from the site itself: moderators' decisions and files.

A moderator's latest decision on a comment is a label (an overturned one
counts only as its last word): rejected as abusive → abusive 1; rejected
as off-topic or spam → on_topic 0; approved → abusive 0 and on_topic 1.
Files are read by ``label_files`` and stored here, one label per (site, id).

Labels belong to a site: its moderators' decisions on its comments, and
the feedback its key sends through Perspective's suggestscore (whatever
``communityId`` the request claims, which is kept as metadata only).
Retraining for a site takes that site's labels and the operator's
imported files, never another site's.
"""

import dataclasses
import json
from collections import Counter

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from moderation.domain.orm import Article, Comment, Decision, Report, Site
from moderation.domain.orm_learning import LabelledExample
from moderation.infrastructure.db import as_utc, db, utcnow
from moderation.learning.examples import LabelledComment, article_text

SITE_SOURCE = "site"
FEEDBACK_SOURCE = "suggestscore"
# The feedback attributes that set the abuse and relevance labels; feedback
# on any other attribute (INSULT, SPAM, ...) is kept for that attribute only.
ABUSE_ATTRIBUTE = "TOXICITY"
OFF_TOPIC_ATTRIBUTE = "OFF_TOPIC"


SITE_LICENSE = "site-own"


def site_label(id, text, abusive, on_topic, article_id, source, language=None) -> LabelledComment:
    """A site's label, in the same shape as the labelled datasets' rows. A
    comment's stated language goes with it (``meta.language``), so that its
    label trains that language's model, not the English one."""
    meta = {"language": language} if language else None
    return LabelledComment(id, text, abusive, on_topic, article_id, source, SITE_LICENSE, meta)


def to_json(label: LabelledComment) -> dict:
    """The datasets' JSON Lines format (README of the datasets)."""
    return dataclasses.asdict(label)


def from_decisions(site_id: int | None = None) -> list[LabelledComment]:
    """One label per comment whose latest decision was a moderator's (of
    one site's comments when ``site_id`` is given)."""
    return [label for *_, label in _decided(site_id) if label is not None]


def _decided(site_id: int | None) -> list[tuple]:
    """(site id, comment id, text, when, label or None) of each comment whose
    latest decision was a moderator's: None where it makes no label (an
    undo back to pending, a rejection for another reason)."""
    latest = (
        select(Decision.comment_id, func.max(Decision.id).label("last"))
        .group_by(Decision.comment_id)
        .subquery()
    )
    query = (
        select(Decision, Comment, Site.name)
        .join(latest, Decision.id == latest.c.last)
        .join(Comment, Comment.id == Decision.comment_id)
        .join(Site, Site.id == Comment.site_id)
        .where(Decision.actor_type == "moderator")
        .order_by(Decision.id)
    )
    if site_id is not None:
        query = query.where(Comment.site_id == site_id)
    found = []
    for decision, comment, site in db.session.execute(query):
        values = _values_of(decision)
        label = None
        if values is not None:
            label = site_label(
                comment.external_id,
                comment.text,
                *values,
                comment.article_external_id,
                f"moderators:{site}",
                comment.language,
            )
        found.append(
            (comment.site_id, comment.external_id, comment.text, decision.decided_at, label)
        )
    return found


def from_reports(site_id: int | None = None, threshold: int | None = None) -> list[LabelledComment]:
    """Weak labels from readers: a comment reported by at least the policy's
    threshold of readers, that no moderator has decided since, is labelled
    by the reason most readers gave (of one site's comments when
    ``site_id`` is given). A moderator's decision, when there is one, is
    the label instead (``from_decisions``)."""
    return [label for _, label in _reported(site_id, threshold)]


def _reported(site_id: int | None, threshold: int | None = None) -> list:
    """``from_reports`` with each label's site id."""
    if threshold is None:
        threshold = current_app.config.get("MODERATION_REPORT_THRESHOLD", 3)
    reported = (
        select(Report.comment_id)
        .group_by(Report.comment_id)
        .having(func.count() >= threshold)
        .subquery()
    )
    query = (
        select(Comment)
        .where(Comment.id.in_(select(reported.c.comment_id)))
        .options(selectinload(Comment.decisions))
        .order_by(Comment.id)
    )
    if site_id is not None:
        query = query.where(Comment.site_id == site_id)
    comments = db.session.scalars(query).all()
    reasons: dict[int, Counter] = {c.id: Counter() for c in comments}
    for comment_id, reason in db.session.execute(
        select(Report.comment_id, Report.reason).where(Report.comment_id.in_(reasons))
    ):
        reasons[comment_id][reason] += 1
    sites = dict(db.session.execute(select(Site.id, Site.name)).tuples().all())
    labels = []
    for comment in comments:
        if any(d.actor_type == "moderator" for d in comment.decisions):
            continue
        reason = reasons[comment.id].most_common(1)[0][0]
        values = {"abusive": (1, None), "off_topic": (None, 0), "spam": (None, 0)}.get(reason)
        if values is not None:
            label = site_label(
                comment.external_id,
                comment.text,
                *values,
                comment.article_external_id,
                f"reports:{sites[comment.site_id]}",
                comment.language,
            )
            labels.append((comment.site_id, label))
    return labels


def _values_of(decision: Decision) -> tuple[int | None, int | None] | None:
    if decision.to_status == "approved":
        return 0, 1
    if decision.to_status == "rejected":
        reasons = set(decision.reasons or [])
        if "abusive" in reasons:
            return 1, None
        if reasons & {"off_topic", "spam"}:
            return None, 0
    return None  # pending again (an undo), or rejected for another reason


def imported(site_id: int | None = None) -> list[LabelledComment]:
    """Stored labels: with ``site_id``, that site's and the operator's files."""
    return [label for _, label, _ in _imported(site_id)]


def _imported(site_id: int | None) -> list[tuple]:
    """``imported`` with each label's site id (None: the operator's files)
    and when it was stored."""
    query = select(LabelledExample).order_by(LabelledExample.id)
    if site_id is not None:
        query = query.where(
            or_(LabelledExample.site_id == site_id, LabelledExample.site_id.is_(None))
        )
    # Feedback on other attributes only (INSULT, ...) is no abuse or relevance label.
    query = query.where(
        or_(LabelledExample.abusive.is_not(None), LabelledExample.on_topic.is_not(None))
    )
    return [
        (
            r.site_id,
            site_label(
                r.external_id, r.text, r.abusive, r.on_topic, r.article_id, r.source, r.language
            ),
            r.imported_at,
        )
        for r in db.session.scalars(query)
    ]


def every_label(site_id: int | None = None) -> list[LabelledComment]:
    """Each comment's label once. An imported label with a comment's site,
    id and text is a copy of it (a file exported, corrected and imported
    back): the newer of it and the moderator's latest decision counts (a
    newer decision that makes no label leaves none). An imported label is
    stronger than readers' reports. Another text under the same id is
    another comment (a public data set's "c0"), kept beside it."""
    decided = {
        (site, id_, text): (when, label) for site, id_, text, when, label in _decided(site_id)
    }
    chosen = {key: label for key, (_, label) in decided.items() if label is not None}
    for site, label in _reported(site_id):
        chosen.setdefault((site, label.id, label.text), label)
    for site, label, imported_at in _imported(site_id):
        key = (site, label.id, label.text)
        decided_at = decided.get(key, (None, None))[0]
        if decided_at is None or as_utc(imported_at) > as_utc(decided_at):
            chosen[key] = label
    return list(chosen.values())


def for_training(site_id: int | None = None) -> tuple[list[LabelledComment], dict[str, dict]]:
    """The site's labels as training rows (source "site", so they get the
    site's share of the training weight), and the site's articles. Without
    ``site_id``, every site's labels (one model for the whole service)."""
    rows = [
        dataclasses.replace(label, id=f"site-{label.id}", source=SITE_SOURCE)
        for label in every_label(site_id)
    ]
    articles = {
        article.external_id: {
            "title": article.title,
            "body": article.body,
            "text": article_text(article.title, article.body),
            "source": SITE_SOURCE,
        }
        for article in db.session.scalars(
            select(Article).where(Article.site_id == site_id)
            if site_id is not None
            else select(Article)
        )
    }
    return rows, articles


def export_lines() -> list[str]:
    return [json.dumps(to_json(label)) for label in every_label()]


def record_feedback(site_id, comment_id, text, values, community_id) -> LabelledExample:
    """The site's label for one comment from Perspective feedback.

    One row per (site, comment): later feedback updates it, attribute by
    attribute, so approving and then rejecting leaves only the rejection.
    TOXICITY sets the abuse label and OFF_TOPIC the relevance label; other
    attributes are kept for their own models. ``community_id`` is metadata:
    the row belongs to ``site_id``, the site whose key sent it."""
    row = _feedback_row(site_id, comment_id)
    if row is None:
        try:
            with db.session.begin_nested():
                row = LabelledExample(
                    site_id=site_id, source=FEEDBACK_SOURCE, external_id=comment_id, text=text
                )
                db.session.add(row)
        except IntegrityError:  # a concurrent first feedback on the same comment
            row = _feedback_row(site_id, comment_id)
    merged = {**(row.attributes or {}), **values}
    row.text, row.attributes, row.community_id = text, merged, community_id
    row.imported_at = utcnow()
    toxic, off_topic = merged.get(ABUSE_ATTRIBUTE), merged.get(OFF_TOPIC_ATTRIBUTE)
    row.abusive = None if toxic is None else int(toxic >= 0.5)
    row.on_topic = None if off_topic is None else int(off_topic < 0.5)
    return row


def _feedback_row(site_id, comment_id) -> LabelledExample | None:
    return db.session.scalar(
        select(LabelledExample)
        .where(
            LabelledExample.site_id == site_id,
            LabelledExample.source == FEEDBACK_SOURCE,
            LabelledExample.external_id == comment_id,
        )
        .with_for_update()
    )
