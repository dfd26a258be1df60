"""Training pairs for the on-topic model.

No public corpus labels off-topic news comments, so the model learns from
comments and the articles they were posted under: a comment with its own
article is on-topic; the same comment with another article is not. The
other article is chosen hard (the one of the same source that reads most
like the comment's own) and at random; spam is off-topic under any article.

Half the comments are shown with their thread (the comments posted before
them) and half without, so the model works whether or not a site's thread
is known. The thread given with a negative is that of the other article, so
having a thread says nothing about the label.
"""

import random
from collections import defaultdict

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from moderation.learning.splits import group_of

HARD_NEGATIVE_POOL = 10
THREAD_SIZE = 5
THREAD_SHARE = 0.5


def on_topic_pairs(comments, articles, rng: random.Random):
    """Return (items, labels, groups, sources); items are (comment, article, thread)."""
    ids = sorted(articles)
    discussion = defaultdict(list)
    for comment in comments:
        if comment.article_id in articles and comment.on_topic != 0:
            discussion[comment.article_id].append(comment.text)
    discussed = sorted(a for a, texts in discussion.items() if len(texts) > THREAD_SIZE)
    similar = similar_articles(articles, ids)
    similar_discussed = similar_articles(articles, discussed)
    items, labels, groups, sources = [], [], [], []
    position = defaultdict(int)

    def add(comment, article_id, label, thread=""):
        items.append((comment.text, articles[article_id]["text"], thread))
        labels.append(label)
        groups.append(group_of(comment))
        sources.append(comment.source)

    def thread_of(article_id, size):
        texts = discussion[article_id]
        start = rng.randrange(0, len(texts) - size + 1)
        return "\n".join(texts[start : start + size])

    for comment in comments:
        if comment.on_topic == 0:
            add(comment, rng.choice(ids), 0)
            continue
        own = comment.article_id
        if own not in articles:
            continue
        earlier = position[own]
        position[own] += 1
        size = min(THREAD_SIZE, earlier)
        if size and discussed and rng.random() < THREAD_SHARE:
            add(comment, own, 1, "\n".join(discussion[own][earlier - size : earlier]))
            for other in _negatives(own, similar_discussed, discussed, rng):
                add(comment, other, 0, thread_of(other, size))
        else:
            add(comment, own, 1)
            for other in _negatives(own, similar, ids, rng):
                add(comment, other, 0)
    return items, labels, groups, sources


def _negatives(own, similar, pool, rng) -> list[str]:
    """A hard negative (when the source has other articles) and a random one."""
    chosen = []
    if similar.get(own):
        chosen.append(rng.choice(similar[own]))
    other = rng.choice(pool)
    if other != own:
        chosen.append(other)
    return chosen


def similar_articles(articles, ids) -> dict[str, list[str]]:
    """For each article, the others of its source that share the most words."""
    by_source = defaultdict(list)
    for article_id in ids:
        by_source[articles[article_id].get("source")].append(article_id)
    similar = {}
    for members in by_source.values():
        if len(members) < 2:
            continue
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
            [articles[a]["text"] for a in members]
        )
        cosine = (matrix @ matrix.T).toarray()
        for row, article_id in enumerate(members):
            nearest = [i for i in np.argsort(-cosine[row]) if i != row]
            similar[article_id] = [members[i] for i in nearest[:HARD_NEGATIVE_POOL]]
    return similar
