"""What ``MODERATION_ON_TOPIC_ENCODER=decisive`` saves and what it changes.

Scores the comments of `ontopic/comments.jsonl` that have their article, one
at a time with their real article and thread (as single posts are), with the
shipped model as served by default (``all``: the encoder reads wherever it
could move the score across any threshold it serves) and as ``decisive``
(only where it could change the decision at the on-topic hold threshold),
the two taking turns on each comment. Prints the share each read, their
median and mean time, how many decisions at the threshold differ, and how
far the scores of the comments it did not read moved.

    .venv/bin/python benchmarks/encoder_decisive.py [--comments 1200] [--hold-on-topic T]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import provenance  # noqa: E402

from moderation.config import from_environment  # noqa: E402
from moderation.learning.datasets import earlier_threads, read_articles, read_comments  # noqa: E402
from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.pairs import THREAD_SIZE  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "ontopic"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=1200)
    parser.add_argument(
        "--hold-on-topic",
        type=float,
        default=from_environment("instance")["MODERATION_HOLD_ON_TOPIC"],
        help="the threshold decisive reads for (default: the service's)",
    )
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA} is missing: this benchmark needs the shared datasets.")
    scorer = load_scorer(ROOT / "models")
    decisive = scorer.deciding_at(args.hold_on_topic)
    comments = read_comments(DATA / "comments.jsonl")
    articles = read_articles(DATA / "articles.jsonl")
    threads = earlier_threads(comments, THREAD_SIZE)
    posts = [
        (c.text, articles[c.article_id]["text"], thread)
        for c, thread in zip(comments, threads)
        if c.article_id in articles
    ][: args.comments]
    load_before = os.getloadavg()
    first = scorer.relevance.probabilities(posts)
    read = {
        "all": scorer.second_stage.reads(first),
        "decisive": scorer.second_stage.reads(first, decisive.encoder_band),
    }
    times = {"all": [], "decisive": []}
    scores = {"all": [], "decisive": []}
    for post in posts:
        for name, served in (("all", scorer), ("decisive", decisive)):
            started = time.perf_counter()
            (result,) = served.score([post[0]], [post[1]], [post[2]])
            times[name].append(1000 * (time.perf_counter() - started))
            scores[name].append(result.on_topic)
    full, narrow = np.array(scores["all"]), np.array(scores["decisive"])
    threshold = args.hold_on_topic
    print(f"commit {provenance.commit()}, model {scorer.version}, {len(posts)} posts")
    print(f"load average {load_before} -> {os.getloadavg()} on {os.cpu_count()} cores\n")
    print(f"{'setting':<10} {'read':>6} {'median ms':>10} {'mean ms':>8} {'held off-topic':>15}")
    for name, values in scores.items():
        held = np.mean(np.array(values) < threshold)
        row = f"{name:<10} {read[name].mean():>6.1%} {statistics.median(times[name]):>10.2f}"
        print(f"{row} {statistics.mean(times[name]):>8.2f} {held:>15.1%}")
    differ = int(np.sum((full < threshold) != (narrow < threshold)))
    moved = np.abs(full - narrow)
    print(f"\ndecisions at {threshold} that differ: {differ} of {len(posts)}")
    print(f"scores that moved: {np.mean(moved > 1e-12):.1%}; largest move {moved.max():.3f}")


if __name__ == "__main__":
    main()
