"""The moderators' pages: the queue, its actions, and one comment's history.

The audit log and the dashboard are in ``record_pages``, on the same blueprint.

Pages are server-rendered; actions are small JSON posts made by the page's
script (with the CSRF token in a header), answered with the re-rendered
card, so a moderator never waits for a full reload.
"""

import re

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from moderation.domain import authors, claims, reports, review, topic_hints
from moderation.domain.orm import Comment
from moderation.domain.policy import Thresholds
from moderation.infrastructure.db import db

bp = Blueprint("queue", __name__)
# Comments one action may decide: four pages' worth. Every item is checked,
# recorded and re-rendered within the request, which must finish well inside
# the worker's timeout.
DECIDE_LIMIT = 100


@bp.before_request
@login_required
def require_moderator():
    """Every page here needs a signed-in moderator."""


def _thresholds() -> Thresholds:
    return Thresholds.from_config(current_app.config)


@bp.get("/")
def index():
    return redirect(url_for("queue.show"))


@bp.get("/queue")
def show():
    filters, problems = _filters(request.args)
    comments, total = review.queue(filters, _thresholds())
    return render_template(
        "queue.html",
        filters=filters,
        problems=problems,
        comments=comments,
        total=total,
        pages=max(1, -(-total // review.PER_PAGE)),
        counts=review.tab_counts(current_user.username),
        claims=claims.current_claims(),
        tabs=review.TABS,
        sorts=review.SORTS,
        filter_reasons=review.FILTER_REASONS,
        per_page=review.PER_PAGE,
        **_card_context(comments),
    )


def _filters(args) -> tuple[review.QueueFilters, list[str]]:
    problems = []

    def number(name, low=0.0, high=1.0):
        raw = args.get(name, "").strip()
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            problems.append(f"'{raw}' is not a score from 0 to 1; that filter was ignored.")
            return None
        return value

    tab = args.get("tab", "pending")
    sort = args.get("sort", "oldest")
    reason = args.get("reason", "")
    page = args.get("page", "1")
    filters = review.QueueFilters(
        tab=tab if tab in review.TABS else "pending",
        article=args.get("article", "").strip(),
        reason=reason if reason in review.FILTER_REASONS else "",
        text=args.get("q", "").strip(),
        abusive_min=number("abusive_min"),
        abusive_max=number("abusive_max"),
        on_topic_min=number("on_topic_min"),
        on_topic_max=number("on_topic_max"),
        sort=sort if sort in review.SORTS else "oldest",
        page=page_number(page),
        mine=args.get("mine") == "1",
        moderator=current_user.username,
    )
    return filters, problems


def page_number(raw: str) -> int:
    """A page number from the query string; anything odd means page 1."""
    return int(raw) if re.fullmatch(r"[0-9]{1,6}", raw) and int(raw) > 0 else 1


def _card_context(comments) -> dict:
    articles, thresholds = review.articles_by_id(comments), _thresholds()
    return {
        "articles": articles,
        "authors": authors.records_for(comments),
        "reports": reports.for_comments(comments),
        "topic_hints": topic_hints.for_cards(comments, articles, thresholds.hold_on_topic),
        "thresholds": thresholds,
        "reject_reasons": review.REJECT_REASONS,
    }


def _card(comment: Comment) -> str:
    return render_template("_card.html", comment=comment, **_card_context([comment]))


def _load(comment_id) -> Comment | None:
    if not isinstance(comment_id, int):
        return None
    return db.session.scalar(
        select(Comment)
        .where(Comment.id == comment_id)
        .options(selectinload(Comment.decisions), selectinload(Comment.parent))
    )


@bp.post("/queue/decide")
def decide():
    """Approve or reject one or many comments: ``{items: [{id, version}],
    action, reason?, note?}``. Each item succeeds or fails on its own."""
    data = _json_object()
    items = data.get("items")
    if not isinstance(items, list) or not items:
        return jsonify(error="Select at least one comment."), 400
    if len(items) > DECIDE_LIMIT:
        message = f"Decide at most {DECIDE_LIMIT} comments at once; {len(items)} were selected."
        return jsonify(error=message), 413
    results = []
    for item in items:
        item = item if isinstance(item, dict) else {}
        results.append(
            _act(
                item.get("id"),
                item.get("version"),
                lambda c, v: review.decide(
                    c, current_user, data.get("action"), v, data.get("reason"), data.get("note")
                ),
            )
        )
    db.session.commit()
    return _answer(results)


def _answer(results: list[dict]):
    """The results with each re-rendered card, and the tabs' counts now."""
    _render_cards(results)
    try:
        counts = review.tab_counts(current_user.username)
    except Exception:  # after the commit: the page reloads its counts itself
        current_app.logger.exception("counting the queue's tabs after a decision failed")
        counts = None
    return jsonify(results=results, counts=counts)


def _render_cards(results: list[dict]) -> None:
    """Refresh each result's card. The decisions are committed by now: a
    failure here must not answer 500 for work that was done, so the page is
    told what happened and reloads the card itself."""
    for result in results:
        comment = result.pop("comment", None)
        if comment is None:
            continue
        try:
            result["card"] = _card(comment)
        except Exception:
            current_app.logger.exception("rendering the card of comment %s failed", result["id"])
            result.setdefault("message", "Done; reload the page to see this comment as it is.")


@bp.post("/queue/claim")
def claim():
    """Take the next comments to review; nobody else gets them meanwhile."""
    claimed = review.claim_next(current_user, review.PER_PAGE)
    db.session.commit()
    if not claimed:
        flash("Nothing left to take: every pending comment is being reviewed.", "info")
        return redirect(url_for("queue.show"))
    flash(f"These {len(claimed)} comments are yours for {review.CLAIM_MINUTES} minutes.", "info")
    return redirect(url_for("queue.show", mine=1))


@bp.post("/queue/undo")
def undo():
    data = _json_object()
    result = _act(data.get("id"), data.get("version"), lambda c, v: review.undo(c, current_user, v))
    db.session.commit()
    return _answer([result])


@bp.post("/queue/release")
def release():
    """An admin gives a moderator's claimed comments back to the queue."""
    if not current_user.is_admin:
        return render_template("error.html", message="Only admins release claims."), 403
    name = request.form.get("moderator", "")
    released = claims.release(name)
    db.session.commit()
    flash(f"Released {released} comment{'' if released == 1 else 's'} claimed by {name}.", "info")
    return redirect(url_for("queue.show"))


def _json_object() -> dict:
    """The request's JSON object; anything else reads as an empty one, which
    each view answers as a request that chose nothing."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _act(comment_id, version, action) -> dict:
    comment = _load(comment_id)
    if comment is None:
        return {"id": comment_id, "error": "not_found", "message": "No such comment."}
    try:
        # A savepoint per comment: one refused item in a batch undoes only itself.
        with db.session.begin_nested():
            action(comment, version)
    except (review.Conflict, StaleDataError) as exc:
        if isinstance(exc, StaleDataError):  # decided by someone else since we read it
            db.session.refresh(comment)
            exc = review.Conflict("Another moderator has just decided this comment.")
        return {"id": comment_id, "error": "conflict", "message": str(exc), "comment": comment}
    except review.InvalidAction as exc:
        return {"id": comment_id, "error": "invalid", "message": f"Not done: {exc}."}
    return {"id": comment_id, "status": comment.status, "comment": comment}


@bp.get("/queue/card/<int:comment_id>")
def card(comment_id: int):
    comment = _load(comment_id)
    if comment is None:
        return render_template("error.html", message="No such comment."), 404
    return _card(comment)


@bp.get("/queue/comment/<int:comment_id>")
def comment_page(comment_id: int):
    """One comment with its whole history: where the audit log links."""
    comment = _load(comment_id)
    if comment is None:
        return render_template("error.html", message="No such comment."), 404
    return render_template("comment.html", comment=comment, **_card_context([comment]))


@bp.app_template_filter("abuse_unmarked")
def abuse_unmarked(comment: Comment) -> bool:
    """Held with reason abusive, explained, and no word pushing hard enough
    to be marked: the card says so, rather than leave a moderator looking
    for the word that is not there."""
    from moderation.learning.explain import marked_abusive

    spans = (comment.explanations or {}).get("abusive")
    if not spans or comment.abusive is None or "abusive" not in (comment.reasons or []):
        return False
    return not marked_abusive(comment.abusive, spans, _thresholds().hold_abusive)


@bp.app_template_filter("highlight")
def highlight(comment: Comment) -> Markup:
    """The comment's text with the words that pushed it strongly towards
    abusive, or away from on-topic, marked for the reader."""
    text = comment.text
    marks = {}
    explanations = comment.explanations or {}
    thresholds = _thresholds()
    # Only for a score that crossed its threshold: otherwise a red word on a
    # clean comment would say "abusive" where the model did not.
    if comment.on_topic is not None and comment.on_topic < thresholds.hold_on_topic:
        for span in explanations.get("on_topic", []):
            if span["weight"] < 0:
                marks[span["start"]] = (span["end"], "off-topic")
    # Imported here: the scoring modules are seconds of every command's start.
    from moderation.learning.explain import marked_abusive

    spans = explanations.get("abusive", [])
    for start, end in marked_abusive(comment.abusive, spans, thresholds.hold_abusive):
        marks[start] = (end, "abusive")
    out, position = [], 0
    for start in sorted(marks):
        end, kind = marks[start]
        if start < position:
            continue
        out.append(escape(text[position:start]))
        title = "pushed towards abusive" if kind == "abusive" else "pushed away from on-topic"
        out.append(
            Markup('<mark class="{}" title="{}">{}</mark>').format(kind, title, text[start:end])
        )
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)
