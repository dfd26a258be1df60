"""What the tuned logit's estimate gives comments the abuse stage does not
read, and what ``MODERATION_ABUSE_ENCODER=decisive`` saves and changes.

On the held-out rows of the five English news files (the rows ``flask
evaluate`` reports; neither the estimate nor the margin was chosen on them,
though the stage's number of tuned layers was: README), the shipped model's
abuse score four ways:

- ``all``: the stage's encoder reads every comment (the default);
- ``decisive``: it reads only comments whose unread score lies near the
  service's hold or reject threshold;
- ``unread``: it reads none; the first stage's logit and the estimate of
  the tuned logit (a batch's comment, ``off``);
- ``first stage``: it reads none, the first stage's logit alone (what
  unread comments got before the estimate).

Prints ROC-AUC per source, the share each reads, and how many decisions at
the thresholds differ from ``all``; then times single posts (abuse only,
``--posts`` held-out C3 comments, the news source at its natural rate of
abuse, twice each: ``time_posts``).
Writes ``results/abuse_decisive.json``.

    .venv/bin/python benchmarks/abuse_decisive.py [--posts 600]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import provenance  # noqa: E402

from moderation.config import from_environment  # noqa: E402
from moderation.learning.datasets import read_comments  # noqa: E402
from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.splits import held_out  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "abuse"
FILES = ("c3", "fox-news", "civil-spans", "impermium-insults", "unhealthy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=600, help="single posts timed")
    parser.add_argument("--seed", type=int, default=0, help="the shipped model's seed")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA} is missing: this benchmark needs the shared datasets.")
    meta = provenance.machine()
    config = from_environment("instance")
    thresholds = (config["MODERATION_HOLD_ABUSIVE"], config["MODERATION_REJECT_ABUSIVE"])
    scorer = load_scorer(ROOT / "models")
    stage = scorer.abuse_stage
    if stage is None or not stage.decides:
        sys.exit(f"model {scorer.version} has no abuse stage with an estimate")
    rows = [
        c
        for name in FILES
        for c in read_comments(DATA / f"{name}.jsonl")
        if c.abusive is not None and held_out(c, args.seed)
    ]
    texts = [c.text for c in rows]
    normalised = scorer.abuse.named_steps["normalise"].transform(texts)
    features = scorer.abuse.named_steps["features"].transform(normalised)
    first = scorer.abuse[-1].predict_attributes(features)["TOXICITY"]
    scores, read = {}, {}
    for name, options in (
        ("all", {}),
        ("decisive", {"features": features, "deciding": thresholds}),
        ("unread", {"features": features, "read": False}),
        ("first stage", {"read": False}),
    ):
        scores[name], read[name] = stage.refine(first, normalised, **options)
    labels = np.array([c.abusive for c in rows])
    sources = np.array([c.source for c in rows])
    cuts = np.array(thresholds)
    decided = {name: np.searchsorted(cuts, values, side="right") for name, values in scores.items()}
    table = []
    for source in [*dict.fromkeys(sources), "all news"]:
        mine = sources == source if source != "all news" else np.ones(len(rows), bool)
        row = {"source": source, "rows": int(mine.sum()), "abusive": int(labels[mine].sum())}
        for name in scores:
            row[name] = {
                "roc_auc": round(roc_auc_score(labels[mine], scores[name][mine]), 4),
                "read": round(float(read[name][mine].mean()), 4),
                "decisions_differing": int(np.sum(decided[name][mine] != decided["all"][mine])),
            }
        table.append(row)
    print(f"commit {provenance.commit()}, model {scorer.version}, thresholds {thresholds}")
    print(f"margin {stage.margin_for(thresholds):.3f} logits\n")
    print("| held-out rows | all | decisive (read) | unread | first stage |\n|---|---|---|---|---|")
    for row in table:
        d = row["decisive"]
        print(
            f"| {row['source']} ({row['rows']:,}) | {row['all']['roc_auc']:.3f} | "
            f"{d['roc_auc']:.3f} ({d['read']:.1%}; {d['decisions_differing']} decided "
            f"otherwise) | {row['unread']['roc_auc']:.3f} "
            f"({row['unread']['decisions_differing']}) | {row['first stage']['roc_auc']:.3f} "
            f"({row['first stage']['decisions_differing']}) |"
        )
    c3 = sources == "c3"
    timing = time_posts(scorer, thresholds, list(np.array(texts)[c3]), args.posts)
    timed_read = {name: float(read[name][c3][: args.posts].mean()) for name in ("all", "decisive")}
    timed_read["off"] = 0.0
    print("\n| single post, abuse only (C3) | read | median ms | mean ms |\n|---|---|---|---|")
    for name, values in timing.items():
        values["read"] = round(timed_read[name], 4)
        times = f"{values['median_ms']:.2f} | {values['mean_ms']:.2f}"
        print(f"| {name} | {values['read']:.1%} | {times} |")
    out = ROOT / "benchmarks" / "results" / "abuse_decisive.json"
    result = {
        "model": scorer.version,
        "thresholds": thresholds,
        "margin": stage.margin_for(thresholds),
        "held_out": table,
        "single_posts": timing,
    }
    out.write_text(json.dumps({**provenance.finished(meta), **result}, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}")


def time_posts(scorer, thresholds, texts, count: int) -> dict:
    """Median and mean time of one comment posted alone, per setting. Each
    setting scores the posts as a worker would, one after another (a post
    that follows one the encoder read finds the first stage's weights out
    of the CPU's caches: taking turns per post would charge each setting for
    the one before it); the settings take turns by run, twice, in opposite
    orders, so that neither gains from when it ran."""
    settings = {
        "all": scorer.served("off", "all"),
        "decisive": scorer.served("off", "decisive", abuse_thresholds=thresholds),
        "off": scorer.served("off", "off"),
    }
    times = {name: [] for name in settings}
    for order in (list(settings), list(reversed(settings))):
        for name in order:
            for text in texts[:count]:
                started = time.perf_counter()
                settings[name].score([text], [None])
                times[name].append(1000 * (time.perf_counter() - started))
    return {
        name: {
            "posts": len(values),
            "median_ms": round(statistics.median(values), 3),
            "mean_ms": round(statistics.mean(values), 3),
        }
        for name, values in times.items()
    }


if __name__ == "__main__":
    main()
