"""Where a batch's scoring time goes, in process, step by step.

Scores real comments (`ontopic/comments.jsonl`, each under its real article,
with the five comments before it under that article as its thread) the way
the batch endpoint and `flask score` do: both axes, neither encoder reading,
in batches, explained where the shipped policy would hold or reject. Prints
comments per second for the whole call, then the time per comment of each
step, timed on its own over the same batches:

    .venv/bin/python benchmarks/batch_scoring.py [--comments 3000] [--batch 100]
        [--repeats 3]

Each figure is the best of `--repeats` passes; caches are emptied before
each pass, so a comment is read for the first time in every pass (its
thread's comments, as in the service, were read just before it).
"""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sklearn  # noqa: E402

from moderation.config import from_environment  # noqa: E402
from moderation.domain import policy  # noqa: E402
from moderation.learning.loaded_models import load_scorer  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "ontopic"
THREAD = 5


def comments_with_context(n: int) -> list[tuple[str, str, str | None]]:
    with open(DATA / "articles.jsonl") as lines:
        articles = {a["id"]: a["title"] + "\n\n" + a["body"] for a in map(json.loads, lines)}
    with open(DATA / "comments.jsonl") as lines:
        comments = [c for c in map(json.loads, lines) if c.get("article_id") in articles][:n]
    earlier: dict[str, list[str]] = {}
    items = []
    for comment in comments:
        thread = earlier.setdefault(comment["article_id"], [])
        items.append((comment["text"], articles[comment["article_id"]], "\n".join(thread) or None))
        thread[:] = (thread + [comment["text"]])[-THREAD:]
    return items


def forget(scorer) -> None:
    """Empty the per-process caches of comments (articles stay known)."""
    relevance = scorer.relevance
    relevance.read.cache_clear()
    relevance.counted.cache_clear()
    relevance.word_columns.cache_clear()
    scorer.normalise_word.cache_clear()


def best_of(repeats: int, scorer, run) -> float:
    times = []
    for _ in range(repeats):
        forget(scorer)
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    items = comments_with_context(args.comments)
    batches = [items[i : i + args.batch] for i in range(0, len(items), args.batch)]
    scorer = load_scorer(ROOT / "models").without_encoder
    thresholds = policy.Thresholds.from_config(from_environment(str(ROOT / "instance")))

    def held(scores) -> bool:
        decision = policy.decide(scores.abusive, scores.on_topic, thresholds)
        return decision.status != policy.Status.APPROVED

    def whole() -> None:
        for batch in batches:
            texts, articles, threads = zip(*batch)
            scorer.score(texts, articles, threads, explain=held)

    def relevance() -> None:
        for batch in batches:
            scorer.relevance.probabilities(batch)

    def languages() -> None:
        for batch in batches:
            scorer.languages_of([text for text, _, _ in batch])

    def abuse_features() -> None:
        for batch in batches:
            normalised = scorer.abuse.named_steps["normalise"].transform([t for t, _, _ in batch])
            scorer.abuse.named_steps["features"].transform(normalised)

    steps = [
        ("whole call (both axes, explained when held)", whole),
        ("on-topic first stage (relevance.py)", relevance),
        ("language detection", languages),
        ("abuse: normalise and n-gram features", abuse_features),
    ]
    n = len(items)
    print(f"{n} comments under their articles, batches of {args.batch}, best of {args.repeats}\n")
    print(f"{'step':<46} {'us/comment':>10} {'comments/s':>11}")
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        scorer.score(*zip(*batches[0]))  # load what loads lazily
        for name, run in steps:
            seconds = best_of(args.repeats, scorer, run)
            print(f"{name:<46} {seconds / n * 1e6:>10.0f} {n / seconds:>11.0f}")


if __name__ == "__main__":
    main()
