"""How many word pieces of a comment the sentence encoder needs to read.

The encoder's time grows with the pieces it reads, and most of the on-topic
second stage's cost is long comments. For the held-out comments of
`ontopic/comments.jsonl` whose article is known (the shipped model's split),
each row reads the comments up to a number of pieces and gives the time to
encode them and how well the cosine to the article alone tells the
comment's own article from another of its source (own-vs-other ROC-AUC,
one rival drawn per comment) and picks it among up to 19 (top-1). Articles
are always read up to the model's 256 pieces.

    .venv/bin/python benchmarks/encoder_length.py
"""

import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import provenance  # noqa: E402

from moderation.learning.artifacts import current_version, read_manifest  # noqa: E402
from moderation.learning.datasets import read_articles, read_comments  # noqa: E402
from moderation.learning.encoder import MAX_TOKENS  # noqa: E402
from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.splits import held_out  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "ontopic"
LIMITS = (MAX_TOKENS, 128, 96, 64)
CANDIDATES = 20


def main() -> None:
    meta = provenance.machine()
    print(provenance.describe(meta), flush=True)
    models = ROOT / "models"
    encoder = load_scorer(models).second_stage.encoder
    seed = read_manifest(models, current_version(models)).get("seed", 0)
    articles = read_articles(DATA / "articles.jsonl")
    comments = [
        c
        for c in read_comments(DATA / "comments.jsonl")
        if c.article_id in articles and c.on_topic != 0 and held_out(c, seed)
    ]
    used = sorted({c.article_id for c in comments})
    vectors = dict(zip(used, encoder.encode([articles[a]["text"] for a in used])))
    by_source = defaultdict(list)
    for article_id in used:
        by_source[articles[article_id].get("source")].append(article_id)
    pieces = np.array([len(encoder.token_ids(c.text)) for c in comments])
    # Each limit timed twice, in one order and then the other, so that a
    # change of load during the run shows as a difference between passes.
    seconds = {limit: [] for limit in LIMITS}
    encoded = {}
    for limit in [*LIMITS, *reversed(LIMITS)]:
        started = time.perf_counter()
        encoded[limit] = encoder.encode([c.text for c in comments], limit=limit)
        seconds[limit].append(round(time.perf_counter() - started, 2))
    rows = [
        {
            "limit": limit,
            "encode_s": seconds[limit],
            **_judged(comments, encoded[limit], vectors, by_source, articles, seed),
        }
        for limit in LIMITS
    ]
    meta = provenance.finished(meta)
    summary = {
        "comments": len(comments),
        "pieces_median": float(np.median(pieces)),
        "pieces_p90": float(np.percentile(pieces, 90)),
        "share_over_128": round(float(np.mean(pieces > 128)), 4),
    }
    print(
        f"\n{summary['comments']} held-out comments; pieces median {summary['pieces_median']:.0f},"
    )
    print(
        f"90th percentile {summary['pieces_p90']:.0f}, {summary['share_over_128']:.1%} over 128\n"
    )
    print("| pieces read | encode s (two passes) | cosine own-vs-other ROC-AUC | top-1 |")
    print("|---|---|---|---|")
    for row in rows:
        passes = " / ".join(str(x) for x in row["encode_s"])
        print(f"| {row['limit']} | {passes} | {row['roc_auc']} | {row['top1']} |")
    print(f"load average at end: {meta['load_average_end']}")
    out = ROOT / "benchmarks" / "results" / "encoder_length.json"
    out.write_text(json.dumps({"meta": meta, **summary, "rows": rows}, indent=2) + "\n")


def _judged(comments, mine, vectors, by_source, articles, seed) -> dict:
    rng = random.Random(seed)
    own, other, hits, n = [], [], 0, 0
    for comment, vector in zip(comments, mine):
        pool = [
            a
            for a in by_source[articles[comment.article_id].get("source")]
            if a != comment.article_id
        ]
        if not pool:
            continue
        own.append(float(vector @ vectors[comment.article_id]))
        other.append(float(vector @ vectors[rng.choice(pool)]))
        field = rng.sample(pool, min(len(pool), CANDIDATES - 1))
        hits += own[-1] > max(float(vector @ vectors[a]) for a in field)
        n += 1
    auc = roc_auc_score([1] * len(own) + [0] * len(other), own + other)
    return {"roc_auc": round(float(auc), 4), "top1": round(hits / n, 3), "n": n}


if __name__ == "__main__":
    main()
