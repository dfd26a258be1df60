"""Which signal picks a comment's own article: the on-topic model against each
of its similarity features alone.

For every held-out comment of `ontopic/comments.jsonl` whose article is known
(the model's own split), the comment's article and up to 19 other articles of
the same source are ranked by each signal; the table gives how often the
comment's own article comes first (top-1), as `flask evaluate` measures it
for the model. A signal that beats the model alone says the model mixes its
features badly; signals that all stay low say the features cannot tell.

    .venv/bin/python benchmarks/relevance_signals.py
"""

import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.learning.artifacts import current_version, read_manifest  # noqa: E402
from moderation.learning.datasets import read_articles, read_comments  # noqa: E402
from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.relevance import _overlap  # noqa: E402
from moderation.learning.splits import held_out  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "ontopic"
CANDIDATES = 20


def signals(scorer, comment: str, candidates: list[str]) -> dict[str, list[float]]:
    """Each signal's value for ``comment`` against every candidate article."""
    weights = scorer.relevance
    mine = weights.read(comment)
    # The comment's topics and word-vector meaning, computed as an article's are.
    itself = weights.context(comment)
    found = defaultdict(list)
    if scorer.second_stage is not None:
        # One call each: the comment is encoded once for all its candidates.
        found["model (both stages)"] = [
            s.on_topic for s in scorer.score([comment] * len(candidates), candidates)
        ]
        found["sentence cosine (MiniLM)"] = list(
            scorer.second_stage.similarities([comment] * len(candidates), candidates)
        )
    for article in candidates:
        own = weights.context(article)
        shared = [term for term in mine.terms if term in own.terms]
        found["first stage"].append(weights.probability(comment, article))
        found["word cosine (TF-IDF)"].append(_overlap(mine.terms, own.terms)[0])
        found["topic cosine (LSA)"].append(float(itself.topics @ own.topics))
        found["shared words, IDF summed"].append(float(sum(weights.idf[t] for t in shared)))
        if weights.word_index is not None:
            found["word-vector cosine"].append(float(itself.meaning @ own.meaning))
    return found


def main() -> None:
    models = ROOT / "models"
    scorer = load_scorer(models)
    seed = read_manifest(models, current_version(models)).get("seed", 0)
    articles = read_articles(DATA / "articles.jsonl")
    comments = [
        c
        for c in read_comments(DATA / "comments.jsonl")
        if c.article_id in articles and c.on_topic != 0 and held_out(c, seed)
    ]
    by_source = defaultdict(set)
    for comment in comments:
        by_source[articles[comment.article_id].get("source")].add(comment.article_id)
    rng = random.Random(seed)
    firsts, n = defaultdict(int), 0
    for comment in comments:
        source = articles[comment.article_id].get("source")
        others = sorted(by_source[source] - {comment.article_id})
        others = rng.sample(others, min(len(others), CANDIDATES - 1))
        if not others:
            continue
        n += 1
        texts = [articles[a]["text"] for a in [comment.article_id, *others]]
        for name, values in signals(scorer, comment.text, texts).items():
            firsts[name] += int(values[0] > np.max(values[1:]))
    print(f"model {scorer.version}; {n} held-out comments, each against up to {CANDIDATES - 1}")
    print(f"other articles of its source\n\n{'signal':<28} top-1")
    for name, count in firsts.items():
        print(f"{name:<28} {count / n:.3f}")


if __name__ == "__main__":
    main()
