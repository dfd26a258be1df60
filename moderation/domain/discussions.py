"""What scoring a new comment needs to know of its article and discussion.

The articles' texts and the latest comments under each article come in one
query for a whole request (one per 200 articles: SQLite allows 500 terms
in a UNION).
"""

from sqlalchemy import text

from moderation.domain.orm import Status
from moderation.infrastructure.db import db
from moderation.learning.examples import article_text

ARTICLES_PER_QUERY = 200


def articles_and_discussions(site_id: int, article_ids) -> tuple[dict, dict]:
    """Each article's text and its latest comments (oldest first), in one
    query per 200 articles. Only published comments: held, rejected and
    repeated ones are not the discussion readers see, and a flood of spam
    must not become the context that makes the next copy look on-topic.
    Each article's comments are their own LIMIT on the (site, article, id)
    index, so a long discussion costs no more than a short one (a window
    over each article would read it all)."""
    # Imported here: pairs loads scikit-learn, which commands that do not score skip.
    from moderation.learning.pairs import THREAD_SIZE

    articles: dict[str, str] = {}
    discussions: dict[str, list[str]] = {}
    article_ids = sorted(article_ids)
    for start in range(0, len(article_ids), ARTICLES_PER_QUERY):
        chunk = article_ids[start : start + ARTICLES_PER_QUERY]
        params = {"site": site_id, "published": str(Status.APPROVED), "size": THREAD_SIZE}
        params.update({f"a{i}": article_id for i, article_id in enumerate(chunk)})
        names = ", ".join(f":a{i}" for i in range(len(chunk)))
        # Plain SQL: SQLAlchemy takes longer to compile a UNION of a hundred
        # SELECTs (~3 ms each) than the database takes to run it.
        parts = [_ARTICLES.format(names=names)]
        parts += [_LATEST.format(i=i) for i in range(len(chunk))]
        rows = db.session.execute(text(" UNION ALL ".join(parts)), params).all()
        for kind, article_id, _, first, second in sorted(rows, key=lambda r: r[:3]):
            if kind == 0:
                articles[article_id] = article_text(first, second)
            else:
                discussions.setdefault(article_id, []).append(first)
    return articles, discussions


_ARTICLES = (
    "SELECT 0 AS kind, external_id, 0 AS id, title, body FROM articles"
    " WHERE site_id = :site AND external_id IN ({names})"
)
_LATEST = (
    "SELECT * FROM (SELECT 1 AS kind, article_external_id, id, text, NULL AS body"
    " FROM comments WHERE site_id = :site AND article_external_id = :a{i}"
    " AND status = :published ORDER BY id DESC LIMIT :size) AS latest_{i}"
)
