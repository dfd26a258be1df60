"""What a moderator needs to judge a comment held as off-topic: the words it
shares with its article and the article's telling words it never uses.

The highlighted words of a card say what pushed a comment away from its
article; they cannot say what the article is about. A reader who answers
another story, or a spammer, shares nothing with it, and "the article is
about Pakistan, Russia, terrorism, which this comment never mentions" is
the quickest check a moderator can make. Read with the live model's
vocabulary, computed when a card is drawn (articles and comments are
cached by the model), never stored.
"""

from moderation.domain import live_model
from moderation.domain.orm import Article, Comment
from moderation.learning.examples import article_text


def for_cards(
    comments: list[Comment], articles: dict[tuple[int, str], Article], hold_on_topic: float
) -> dict[int, dict]:
    """``{comment id: {"matched": [...], "missing": [...]}}`` for the comments
    scored under the on-topic hold threshold whose article is known."""
    held = [
        (comment, articles[key])
        for comment in comments
        if comment.on_topic is not None
        and comment.on_topic < hold_on_topic
        and (key := (comment.site_id, comment.article_external_id)) in articles
    ]
    if not held:
        return {}
    # Imported here: scikit-learn is seconds of every command's start.
    from moderation.learning.explain import topic_words
    from moderation.learning.scoring import ModelUnavailable

    try:
        relevance = live_model.live_scorer().relevance
    except ModelUnavailable:
        return {}

    return {
        comment.id: topic_words(relevance, comment.text, article_text(article.title, article.body))
        for comment, article in held
    }
