"""What running the encoders' shared layers once saves on a single post.

The abuse stage's encoder is the on-topic stage's with its top two layers
tuned, so for a comment both read the bottom four layers can run once
(``moderation/learning/shared_layers.py``). This scores real comments one at a time under
their own articles (``ontopic/comments.jsonl``), both axes, with the
shipped model, each comment twice in a row, once with the sharing and once
without (alternating which goes first, so a slow moment of the machine
costs both alike), and prints the median and mean time of each and the
largest difference between the two scores.

    .venv/bin/python benchmarks/shared_layers.py [--comments 400]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import provenance  # noqa: E402

from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.scoring import Scorer  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "ontopic"
WARM_UP = 20


def comments_with_articles(n: int) -> list[tuple[str, str]]:
    articles = {}
    with open(DATA / "articles.jsonl", encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            articles[article["id"]] = f"{article.get('title') or ''}\n{article.get('body') or ''}"
    found = []
    with open(DATA / "comments.jsonl", encoding="utf-8") as lines:
        for line in lines:
            comment = json.loads(line)
            if comment.get("article_id") in articles:
                found.append((comment["text"], articles[comment["article_id"]]))
            if len(found) >= n + WARM_UP:
                break
    return found


def timed(scorer, text, article, shared: bool):
    started = time.perf_counter()
    if shared:
        score = scorer.score([text], [article])[0]
    else:
        with mock.patch.object(Scorer, "_shared_layers", lambda self: None):
            score = scorer.score([text], [article])[0]
    return time.perf_counter() - started, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=400)
    args = parser.parse_args()
    meta = provenance.machine()
    print(provenance.describe(meta))
    scorer = load_scorer(ROOT / "models")
    rows = comments_with_articles(args.comments)
    for text, article in rows[:WARM_UP]:
        scorer.score([text], [article])
    times = {True: [], False: []}
    largest = 0.0
    for n, (text, article) in enumerate(rows[WARM_UP:]):
        order = (True, False) if n % 2 else (False, True)
        scores = {}
        for shared in order:
            seconds, scores[shared] = timed(scorer, text, article, shared)
            times[shared].append(seconds)
        for axis in ("abusive", "on_topic"):
            largest = max(largest, abs(getattr(scores[True], axis) - getattr(scores[False], axis)))
    print(f"model {scorer.version}; {len(times[True])} comments, both axes, one at a time\n")
    print("| shared layers | median ms | mean ms |\n|---|---|---|")
    for shared in (False, True):
        values = [t * 1000 for t in times[shared]]
        label = "run once" if shared else "run by each encoder"
        print(f"| {label} | {statistics.median(values):.1f} | {statistics.mean(values):.1f} |")
    print(f"\nlargest difference between the two scores of a comment: {largest}")
    print(f"load average at the end: {provenance.finished(meta)['load_average_end']}")


if __name__ == "__main__":
    main()
