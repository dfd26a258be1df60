"""What a moderator needs to judge a comment held as off-topic: the words it
shares with its article and the article's telling words it never uses.

The highlighted words of a card say what pushed a comment away from its
article; they cannot say what the article is about. A reader who answers
another story, or a spammer, shares nothing with it, and "the article's
words: pakistan, russia, terrorism; this comment uses none of them" is the
quickest check a moderator can make. Words are the vocabulary's as they
stand ("pakistani" is not "pakistan"), and the score behind the hold also
weighs meaning (the second stage): the hint shows words, not the verdict. Read with the live model's
vocabulary, computed when a card is drawn (articles and comments are
cached by the model), never stored.
"""

from moderation.domain import live_model
from moderation.domain.orm import Article, Comment
from moderation.learning.examples import article_text
from moderation.learning.languages import primary_subtag


def for_cards(
    comments: list[Comment], articles: dict[tuple[int, str], Article], hold_on_topic: float
) -> dict[int, dict]:
    """``{comment id: {"matched": [...], "missing": [...]}}`` for the comments
    scored under the on-topic hold threshold whose article is known. Not for
    comments stated to be in another language: the vocabulary is English."""
    held = [
        (comment, articles[key])
        for comment in comments
        if comment.on_topic is not None
        and comment.on_topic < hold_on_topic
        and primary_subtag(comment.language or "en") == "en"
        and (key := (comment.site_id, comment.article_external_id)) in articles
    ]
    if not held:
        return {}
    # Imported here: scikit-learn is seconds of every command's start.
    from moderation.learning.explain import topic_words
    from moderation.learning.loaded_models import ModelUnavailable

    try:
        relevance = live_model.live_scorer().relevance
    except ModelUnavailable:
        return {}

    hints = {
        comment.id: topic_words(relevance, comment.text, article_text(article.title, article.body))
        for comment, article in held
    }
    # An article with no word of the vocabulary has nothing to say.
    return {i: hint for i, hint in hints.items() if hint["missing"] or hint["matched"]}
