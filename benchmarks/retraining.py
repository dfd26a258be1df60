"""How long retraining takes as the labelled data grows, and whether the
same data and seed give the same model.

Draws 10k, 50k and 100k labelled comments (with replacement) from
../shared/datasets/abuse, adds the on-topic comments and articles, and times
`train_models` (both models, as `flask train` runs them, without the word
vectors). Prints a table; writes benchmarks/results/retraining.json.

    .venv/bin/python benchmarks/retraining.py
"""

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.learning.datasets import read_articles, read_comments  # noqa: E402
from moderation.learning.training import train_models  # noqa: E402

SHARED = ROOT.parent / "shared" / "datasets"
SIZES = (10_000, 50_000, 100_000)
THRESHOLDS = {"hold_abusive": 0.5, "hold_on_topic": 0.3}


def main() -> None:
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is missing: this benchmark needs the shared datasets")
    abuse = [c for path in sorted((SHARED / "abuse").glob("*.jsonl")) for c in read_comments(path)]
    on_topic = read_comments(SHARED / "ontopic" / "comments.jsonl")
    articles = read_articles(SHARED / "ontopic" / "articles.jsonl")
    rng = random.Random(0)
    rows, metrics = [], {}
    for size in (*SIZES, SIZES[0]):
        sample = rng.choices(abuse, k=size) if size not in metrics else metrics[size]["sample"]
        started = time.perf_counter()
        _, manifest = train_models(sample + on_topic, articles, 0, THRESHOLDS, log=lambda _: None)
        seconds = time.perf_counter() - started
        if size in metrics:
            same = manifest["metrics"] == metrics[size]["metrics"]
            rows.append(
                (f"{size:,} again, same seed", seconds, "identical" if same else "DIFFERENT")
            )
        else:
            metrics[size] = {"sample": sample, "metrics": manifest["metrics"]}
            auc = manifest["metrics"]["abuse"]["validation"]["all"]["roc_auc"]
            rows.append((f"{size:,} labelled comments", seconds, f"held-out abuse AUC {auc}"))
        print(f"{rows[-1][0]:<28} {rows[-1][1]:7.1f} s   {rows[-1][2]}", flush=True)
    out = ROOT / "benchmarks" / "results" / "retraining.json"
    out.write_text(
        json.dumps([{"run": r, "seconds": round(s, 1), "note": n} for r, s, n in rows], indent=2)
        + "\n"
    )


if __name__ == "__main__":
    print(f"command: {sys.executable} benchmarks/retraining.py")
    print(f"{'run':<28} {'time':>9}   note")
    main()
